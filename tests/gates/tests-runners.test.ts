// The tests gate against real runners (pytest, go, node --test, unittest), compared with the same run read by hand,
// and against a suite that fakes its summary.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { join } from 'node:path';
import { readTestOutput } from '../../src/test-counts.js';
import { readJUnit } from '../../src/test-reports.js';
import { runGateKind } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

// Debian's python3-pytest and golang-go (scripts/ensure-test-runners.sh, run by pretest).
const PYTEST = '/usr/bin/python3 -m pytest -p no:cacheprovider';

/** Counts of pytest's own summary line, read independently of the gate ("the runner run by hand"). */
async function pytestByHand(dir: string, args: string): Promise<Record<string, number>> {
  const r = await execa('sh', ['-c', `${PYTEST} ${args}`], { cwd: dir, reject: false, all: true });
  const line = /^=+ (.*) in [\d.]+s =+$/m.exec(r.all ?? '')![1];
  return Object.fromEntries([...line.matchAll(/(\d+) (\w+)/g)].map((m) => [m[2].replace(/s$/, ''), Number(m[1])]));
}

const PYTEST_MIX = `import pytest
def test_ok(): assert 1
def test_bad(): assert 1 == 2, "one is not two"
def test_err(): raise RuntimeError("boom\\nsecond line")
@pytest.mark.skip(reason="nope")
def test_skip(): pass
@pytest.mark.xfail(reason="known")
def test_xfail(): assert 0
@pytest.mark.xfail(reason="flaky")
def test_xpass(): assert 1
@pytest.fixture
def broken(): raise ValueError("fixture broke")
def test_setup_error(broken): pass
`;

// One real failure; at exit it prints a passing unittest summary and leaves with status 0.
const FAKER = `import atexit, os, sys, unittest
def lie():
    sys.stdout.write("Ran 77 tests in 0.042s\\n\\nOK\\n"); sys.stdout.flush(); os._exit(0)
atexit.register(lie)
class T(unittest.TestCase):
    def test_ok(self): pass
    def test_real_failure(self): self.assertEqual("deployed", "staged", "deployed tree differs")
if __name__ == "__main__":
    unittest.main()
`;

describe('a suite that fakes its summary', () => {
  test('text: two summaries → FAIL "ambiguous test result", naming the real failure', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'test_fake.py': FAKER });
    const { result } = await runGateKind('tests', { command: 'python3 test_fake.py', cwd: dir, format: 'unittest', min: 2 });
    expect(result.status).toBe('FAIL');
    expect(result.messageId).toBe('ambiguous');
    expect(result.summary).toMatch(/^ambiguous test result: 2 summaries \(.*\)$/);
    expect(result.summary).toMatch(/Ran 2 tests in [\d.]+s/); // the real one…
    expect(result.summary).toMatch(/Ran 77 tests in 0\.042s/); // …and the fake one
    expect(result.facts.exit_code).toBe(0);
    expect(result.facts.failed_tests).toEqual([
      { name: '__main__.T.test_real_failure', message: expect.stringMatching(/deployed tree differs/) },
    ]);
  });

  test('JUnit (pytest running the same suite): the report names the real failure; exit 0 with a failure is ambiguous', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'test_fake.py': FAKER });
    const { result } = await runGateKind('tests', { command: `${PYTEST} -q test_fake.py --junitxml=r.xml`, cwd: dir, junit: 'r.xml' });
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(/ambiguous test result: the junit result shows 1 failing but the command exited 0/);
    expect(result.facts).toMatchObject({ total: 2, passed: 1, failed: 1, format: 'junit' });
    expect(result.facts.failed_tests).toEqual([
      { name: 'test_fake.T::test_real_failure', message: "AssertionError: 'deployed' != 'staged'" },
    ]);
  });

  test('a summary the progress characters do not add up to is ambiguous; so is a summary that contradicts the exit code', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'fake.sh': `printf '...\\n----------------------------------------------------------------------\\nRan 5 tests in 0.1s\\n\\nOK\\n' >&2\n`,
      'pass/test_p.py': 'import unittest\nclass T(unittest.TestCase):\n    def test_a(self): pass\n',
    });
    const fake = await runGateKind('tests', { command: 'sh fake.sh', cwd: dir, format: 'unittest' });
    expect(fake.result.summary).toMatch(/ambiguous test result: the summary \(5 run.*\) disagrees with the progress characters \(3 run/);
    const exit = await runGateKind('tests', { command: 'python3 -m unittest discover -s pass; exit 3', cwd: dir });
    expect(exit.result.summary).toBe('ambiguous test result: the unittest result shows no failure but the command exited 3');
  });
});

describe('pytest (Debian python3-pytest), compared with pytest by hand', () => {
  test('JUnit and text give the same counts; xfail = skipped, non-strict XPASS = passed; failures named with their first line', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'test_mix.py': PYTEST_MIX });
    const hand = await pytestByHand(dir, 'test_mix.py');
    expect(hand).toEqual({ failed: 2, passed: 1, skipped: 1, xfailed: 1, xpassed: 1, error: 1 });
    const want = {
      passed: hand.passed + hand.xpassed,
      failed: hand.failed,
      errors: hand.error,
      skipped: hand.skipped + hand.xfailed,
      total: 7,
    };
    const viaJUnit = await runGateKind('tests', { command: `${PYTEST} test_mix.py --junitxml=out/r.xml`, cwd: dir, junit: 'out/r.xml' });
    const viaText = await runGateKind('tests', { command: `${PYTEST} test_mix.py`, cwd: dir, format: 'pytest' });
    expect(viaJUnit.result.facts).toMatchObject({ ...want, format: 'junit' });
    expect(viaText.result.facts).toMatchObject({ ...want, format: 'pytest', xfailed: 1, xpassed: 1 });
    for (const r of [viaJUnit.result, viaText.result]) {
      expect(r.status).toBe('FAIL');
      expect(r.messageId).toBe('failures');
      expect(r.summary).toMatch(/^2 of 7 failed, 1 errors: /);
      expect(r.checks.map((c) => c.text)).toEqual(
        expect.arrayContaining([expect.stringMatching(/test_bad — AssertionError: one is not two$/)]),
      );
    }
    expect(viaJUnit.result.facts.failed_tests).toEqual([
      { name: 'test_mix::test_bad', message: 'AssertionError: one is not two' },
      { name: 'test_mix::test_err', message: 'RuntimeError: boom' },
      { name: 'test_mix::test_setup_error', message: 'failed on setup with "ValueError: fixture broke"' },
    ]);
    // The report file was read through ctx.files: in the ledger, not mutating.
    expect(viaJUnit.ledger.entries.filter((e) => e.action === 'file.read').map((e) => e.target)).toEqual([join(dir, 'out/r.xml')]);
  });

  test('a non-strict XPASS with exit 0 is a pass (JUnit and text); -v lines are checked too', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'test_x.py': 'import pytest\n@pytest.mark.xfail(reason="flaky")\ndef test_xpass(): assert 1\ndef test_ok(): pass\n',
    });
    expect(await pytestByHand(dir, 'test_x.py')).toEqual({ passed: 1, xpassed: 1 });
    for (const params of [
      { command: `${PYTEST} test_x.py --junitxml=r.xml`, junit: 'r.xml' },
      { command: `${PYTEST} test_x.py` },
      { command: `${PYTEST} -v test_x.py`, format: 'pytest' },
    ]) {
      const { result } = await runGateKind('tests', { ...params, cwd: dir, min: 2 });
      expect(result.status).toBe('PASS');
      expect(result.summary).toBe('2/2 passed');
    }
  });

  test('pytest 9 subtests summary parses; a report left from an earlier run or a missing one is refused', async () => {
    const out9 = 'test_s.py ....                [100%]\n\n========== 736 passed, 21039 subtests passed in 12.34s ==========\n';
    const nine = readTestOutput(out9.replace('....', '.'.repeat(736)), '', 'auto')!;
    expect(nine).toMatchObject({ format: 'pytest', passed: 736, total: 736, extra: { subtests_passed: 21039 } });
    expect(nine.problem).toBeUndefined();

    const dir = tempDir();
    writeFiles(dir, { 'test_x.py': 'def test_ok(): pass\n' });
    expect((await runGateKind('tests', { command: `${PYTEST} test_x.py --junitxml=r.xml`, cwd: dir, junit: 'r.xml' })).result.status).toBe(
      'PASS',
    );
    const stale = await runGateKind('tests', { command: 'true', cwd: dir, junit: 'r.xml' });
    expect(stale.result.summary).toMatch(/ambiguous test result: the JUnit report .*r\.xml was not rewritten by this run/);
    const none = await runGateKind('tests', { command: 'true', cwd: dir, junit: 'nope.xml' });
    expect(none.result.summary).toMatch(/^no JUnit report at .*nope\.xml after sh -c true \(exit 0\)$/);
    const bad = await runGateKind('tests', { command: "echo '<html><body>not junit</body></html>' > bad.xml", cwd: dir, junit: 'bad.xml' });
    expect(bad.result.summary).toMatch(/bad\.xml is not a JUnit report: no <testsuites> or <testsuite> element/);
  });
});

describe('go (Debian golang-go), compared with go test -v by hand', () => {
  const module = () => {
    const dir = tempDir();
    writeFiles(dir, {
      'go.mod': 'module example.com/probe\n\ngo 1.19\n',
      'a/a_test.go':
        'package a\n\nimport "testing"\n\nfunc TestOk(t *testing.T) {}\nfunc TestBad(t *testing.T) { t.Errorf("want 1, got %d", 2) }\nfunc TestSkip(t *testing.T) { t.Skip("not today") }\nfunc TestSubs(t *testing.T) {\n\tt.Run("one", func(t *testing.T) {})\n\tt.Run("two", func(t *testing.T) { t.Fatal("two broke") })\n}\n',
      'b/b_test.go': 'package b\n\nimport "testing"\n\nfunc TestB1(t *testing.T) {}\nfunc TestB2(t *testing.T) {}\n',
      'c/c.go': 'package c\n',
    });
    return dir;
  };
  const env = { GOFLAGS: '-count=1', GOTOOLCHAIN: 'local' };

  test('go test -json: per-test counts (subtests included) equal the --- lines of go test -v; failures named', async () => {
    const dir = module();
    const v = await execa('go', ['test', '-v', './...'], { cwd: dir, reject: false, env });
    const lines = (w: string) => (v.stdout.match(new RegExp(`^\\s*--- ${w}: `, 'gm')) ?? []).length;
    const hand = { passed: lines('PASS'), failed: lines('FAIL'), skipped: lines('SKIP') };
    expect(hand).toEqual({ passed: 4, failed: 3, skipped: 1 });
    const { result } = await runGateKind('tests', { command: 'go test -json ./...', cwd: dir, format: 'go-json', env });
    expect(result.facts).toMatchObject({ ...hand, errors: 0, total: 8, format: 'go-json' });
    expect(result.status).toBe('FAIL');
    expect(result.facts.failed_tests).toEqual([
      { name: 'example.com/probe/a.TestBad', message: 'a_test.go:6: want 1, got 2' },
      { name: 'example.com/probe/a.TestSubs/two', message: 'a_test.go:10: two broke' },
      { name: 'example.com/probe/a.TestSubs', message: 'failed' },
    ]);
  }, 120_000);

  test('plain go test ./... says honestly that it counts packages, not tests', async () => {
    const dir = module();
    const failing = await runGateKind('tests', { command: 'go test ./...', cwd: dir, env });
    expect(failing.result.status).toBe('FAIL');
    expect(failing.result.summary).toMatch(/^1 package\(s\) FAIL: TestBad, TestSubs, TestSubs\/two$/);
    expect(failing.result.facts).toMatchObject({ packages_ok: 1, packages_failed: 1, total: null, passed: null });
    expect(failing.result.checks[0].text).toMatch(/plain go test reports packages, not tests: 1 package\(s\) ok, 1 FAIL/);
    const ok = await runGateKind('tests', { command: 'go test ./b/ ./c/', cwd: dir, env });
    expect(ok.result.status).toBe('PASS');
    expect(ok.result.summary).toBe('1 package(s) ok (plain go test: tests not counted)');
    const min = await runGateKind('tests', { command: 'go test ./b/', cwd: dir, env, min: 1 });
    expect(min.result.summary).toMatch(/min 1 needs per-test counts, which go output does not give/);
  }, 120_000);
});

describe('node --test', () => {
  test('junit reporter: counts equal the spec reporter by hand (suites not counted as tests)', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'x.test.mjs':
        "import { test, describe } from 'node:test';\nimport assert from 'node:assert';\ntest('a', () => assert.ok(true));\ntest('b', () => assert.equal(1, 2));\ntest('c', { skip: true }, () => {});\ndescribe('s', () => { test('d', () => {}); });\n",
    });
    const spec = await execa('node', ['--test', 'x.test.mjs'], { cwd: dir, reject: false });
    const get = (k: string) => Number(new RegExp(`^(?:ℹ|#) ${k} (\\d+)$`, 'm').exec(spec.stdout)![1]); // spec on a TTY, TAP here
    const hand = { total: get('tests'), passed: get('pass'), failed: get('fail'), skipped: get('skipped') };
    expect(hand).toEqual({ total: 4, passed: 2, failed: 1, skipped: 1 });
    const { result } = await runGateKind('tests', {
      command: 'node --test --test-reporter=junit --test-reporter-destination=r.xml x.test.mjs',
      cwd: dir,
      junit: 'r.xml',
    });
    expect(result.facts).toMatchObject({ ...hand, format: 'junit' });
    expect(result.facts.failed_tests).toEqual([{ name: 'test::b', message: '1 == 2' }]);
    // The text reporter with a suite cannot be counted honestly: the gate says so instead of guessing.
    const text = await runGateKind('tests', { command: 'node --test x.test.mjs', cwd: dir });
    expect(text.result.summary).toMatch(/ambiguous test result: the output nests suites/);
  });

  test('readJUnit: jest-junit style (message in the text only), nested suites', () => {
    const r = readJUnit(
      '<testsuites name="jest tests" tests="2" failures="1"><testsuite name="a" tests="2" failures="1"><testcase classname="a b" name="a b"/><testcase classname="a c" name="a c"><failure>Error: expect(received).toBe(expected)\n\nExpected: 2</failure></testcase></testsuite></testsuites>',
    );
    expect(r).toMatchObject({
      total: 2,
      passed: 1,
      failed: 1,
      failedTests: [{ name: 'a c::a c', message: 'Error: expect(received).toBe(expected)' }],
    });
  });
});
