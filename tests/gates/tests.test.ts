// The `tests` gate and the count parser, on real output of test runs these tests create.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { join } from 'node:path';
import { parseTestCounts } from '../../src/test-counts.js';
import { repoRoot } from '../helpers/cli.js';
import tests from '../../gates/tests.js';
import { runGateKind, testGate } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const pyPass = `import unittest\nclass T(unittest.TestCase):\n${[1, 2, 3, 4].map((i) => `    def test_${i}(self): self.assertEqual(${i}, ${i})\n`).join('')}    @unittest.skip("not today")\n    def test_skip(self): pass\n`;
const pyFail = `import unittest\nclass T(unittest.TestCase):\n    def test_ok(self): pass\n    def test_bad(self): self.assertEqual(1, 2)\n    def test_err(self): raise RuntimeError("boom")\n`;
const nodePass = `import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('a', () => assert.ok(true));\ntest('b', () => assert.ok(true));\ntest('c', { skip: true }, () => {});\n`;
const nodeFail = `import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('a', () => assert.ok(true));\ntest('b', () => assert.equal(1, 2));\n`;

async function output(cmd: string, cwd: string): Promise<string> {
  const r = await execa('sh', ['-c', cmd], { cwd, reject: false, all: true });
  return r.all ?? '';
}

describe('parseTestCounts on real runs', () => {
  test('python3 -m unittest: passing (with a skip) and failing', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'pass/test_p.py': pyPass, 'fail/test_f.py': pyFail });
    expect(parseTestCounts(await output('python3 -m unittest discover -s pass', dir))).toEqual({
      format: 'unittest',
      total: 5,
      passed: 4,
      failed: 0,
      errors: 0,
      skipped: 1,
    });
    expect(parseTestCounts(await output('python3 -m unittest discover -s fail', dir))).toEqual({
      format: 'unittest',
      total: 3,
      passed: 1,
      failed: 1,
      errors: 1,
      skipped: 0,
    });
  });

  test('node --test: passing (with a skip) and failing', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'p.test.mjs': nodePass, 'f.test.mjs': nodeFail });
    expect(parseTestCounts(await output('node --test p.test.mjs', dir))).toEqual({
      format: 'node',
      total: 3,
      passed: 2,
      failed: 0,
      errors: 0,
      skipped: 1,
    });
    expect(parseTestCounts(await output('node --test f.test.mjs', dir))).toEqual({
      format: 'node',
      total: 2,
      passed: 1,
      failed: 1,
      errors: 0,
      skipped: 0,
    });
  });

  test('jest: passing and failing', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'package.json': '{"type":"commonjs"}',
      'p.test.js': "test('a', () => expect(1).toBe(1));\ntest('b', () => expect(2).toBe(2));\ntest.skip('c', () => {});\n",
      'f.test.js': "test('a', () => expect(1).toBe(1));\ntest('b', () => expect(1).toBe(2));\n",
    });
    const jest = join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
    expect(parseTestCounts(await output(`node ${jest} --rootDir . p.test.js`, dir))).toEqual({
      format: 'jest',
      total: 3,
      passed: 2,
      failed: 0,
      errors: 0,
      skipped: 1,
    });
    expect(parseTestCounts(await output(`node ${jest} --rootDir . f.test.js`, dir))).toEqual({
      format: 'jest',
      total: 2,
      passed: 1,
      failed: 1,
      errors: 0,
      skipped: 0,
    });
  }, 60000);

  test('pytest and go test summary lines', () => {
    expect(parseTestCounts('============ 3 passed, 1 skipped in 0.12s ============\n')).toEqual({
      format: 'pytest',
      total: 4,
      passed: 3,
      failed: 0,
      errors: 0,
      skipped: 1,
    });
    expect(parseTestCounts('===== 1 failed, 2 passed, 1 error in 1.02s =====\n')).toEqual({
      format: 'pytest',
      total: 4,
      passed: 2,
      failed: 1,
      errors: 1,
      skipped: 0,
    });
    expect(
      parseTestCounts('=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n--- FAIL: TestB (0.00s)\nFAIL\nFAIL\tex\t0.002s\n'),
    ).toEqual({ format: 'go', total: 2, passed: 1, failed: 1, errors: 0, skipped: 0 });
  });

  test('output with no counts gives null', () => {
    expect(parseTestCounts('all good, trust me\n')).toBeNull();
    expect(parseTestCounts('Ran 3 tests in 0.1s\n')).toBeNull(); // no OK/FAILED verdict: not a count
  });
});

let suites = '';
beforeAll(() => {
  suites = tempDir();
  writeFiles(suites, { 'pass/test_p.py': pyPass, 'fail/test_f.py': pyFail });
});

testGate(tests, {
  pass: [{ name: 'passing suite', params: () => ({ command: 'python3 -m unittest discover -s pass', min: 5, cwd: suites }) }],
  fail: [
    {
      name: 'failing suite',
      params: () => ({ command: 'python3 -m unittest discover -s fail', cwd: suites }),
      messageId: 'failures',
      summary: /1 of 3 failed, 1 errors/,
    },
    {
      name: 'below the minimum',
      params: () => ({ command: 'python3 -m unittest discover -s pass', min: 10, cwd: suites }),
      messageId: 'belowMin',
      summary: /5 tests ran, fewer than the minimum 10/,
    },
    {
      name: 'counts but a non-zero exit',
      params: () => ({ command: 'python3 -m unittest discover -s pass; exit 3', cwd: suites, name: 'unit' }),
      messageId: 'ambiguous',
      summary: /^unit: ambiguous test result: .*exited 3/,
    },
    {
      name: 'no counts in the output',
      params: { command: 'echo everything is fine' },
      messageId: 'noCounts',
      summary: /no test counts found/,
    },
    {
      name: 'counts of the wrong runner',
      params: () => ({ command: 'python3 -m unittest discover -s pass', format: 'jest', cwd: suites }),
      messageId: 'noCounts',
      summary: /no test counts found .* \(format jest\)/,
    },
  ],
  invalid: [{}, { command: 'x', format: 'mocha' }, { command: 'x', min: -1 }],
});

describe('tests gate', () => {
  test('a passing suite: summary and facts carry the counts', async () => {
    const { result } = await runGateKind('tests', { command: 'python3 -m unittest discover -s pass', cwd: suites });
    expect(result.summary).toBe('4/5 passed');
    expect(result.facts).toMatchObject({ passed: 4, failed: 0, skipped: 1, total: 5, format: 'unittest', exit_code: 0 });
    expect(result.evidence[0]).toMatchObject({ kind: 'exec', exitCode: 0 });
  });
});
