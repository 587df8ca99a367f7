// Parses test counts out of the output of common test runners, and reads runs honestly: the summary must agree with the
// per-test lines (and the gate checks it against the exit code); two summaries are ambiguous, not "the last one wins".

export type TestFormat = 'unittest' | 'pytest' | 'jest' | 'node' | 'go';
export interface TestCounts {
  format: TestFormat;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  total: number;
}

const num = (s: string | undefined) => (s ? Number(s) : 0);

function unittest(out: string): TestCounts | null {
  const ran = [...out.matchAll(/^Ran (\d+) tests? in [\d.]+s$/gm)].pop();
  if (!ran) return null;
  const total = Number(ran[1]);
  const tail = out.slice(ran.index + ran[0].length);
  const ok = /^OK(?: \(([^)]*)\))?\s*$/m.exec(tail);
  const bad = /^FAILED \(([^)]*)\)\s*$/m.exec(tail);
  if (!ok && !bad) return null;
  const kv = Object.fromEntries(
    (ok?.[1] ?? bad?.[1] ?? '')
      .split(',')
      .map((p) => p.trim().split('='))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k, Number(v)]),
  );
  const failed = (kv.failures ?? 0) + (kv['unexpected successes'] ?? 0);
  const errors = kv.errors ?? 0;
  const skipped = kv.skipped ?? 0;
  return { format: 'unittest', total, failed, errors, skipped, passed: total - failed - errors - skipped };
}

function pytest(out: string): TestCounts | null {
  const line = [...out.matchAll(/^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [\d.]+s(?: \([^)]*\))? =+$/gm)].pop();
  if (!line) return null;
  const c: Record<string, number> = {};
  for (const m of line[1].matchAll(/(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)/g))
    c[m[2].replace(/s$/, '').replace(/^warning$/, 'warning')] = Number(m[1]);
  const passed = (c.passed ?? 0) + (c.xfailed ?? 0);
  const failed = (c.failed ?? 0) + (c.xpassed ?? 0);
  const errors = c.error ?? 0;
  const skipped = c.skipped ?? 0;
  return { format: 'pytest', passed, failed, errors, skipped, total: passed + failed + errors + skipped };
}

function jest(out: string): TestCounts | null {
  const m = [...out.matchAll(/^Tests:\s+(.*\d+ total)\s*$/gm)].pop();
  if (!m) return null;
  const get = (w: string) => num(new RegExp(`(\\d+) ${w}`).exec(m[1])?.[1]);
  const skipped = get('skipped') + get('todo');
  return { format: 'jest', passed: get('passed'), failed: get('failed'), errors: 0, skipped, total: get('total') };
}

function node(out: string): TestCounts | null {
  const get = (w: string) => {
    const all = [...out.matchAll(new RegExp(`^(?:#|ℹ) ${w} (\\d+)\\s*$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const total = get('tests');
  if (total === null) return null;
  const failed = get('fail') ?? 0;
  const cancelled = get('cancelled') ?? 0;
  const skipped = (get('skipped') ?? 0) + (get('todo') ?? 0);
  return { format: 'node', total, passed: get('pass') ?? 0, failed, errors: cancelled, skipped };
}

function go(out: string): TestCounts | null {
  const pass = (out.match(/^\s*--- PASS: /gm) ?? []).length;
  const fail = (out.match(/^\s*--- FAIL: /gm) ?? []).length;
  const skip = (out.match(/^\s*--- SKIP: /gm) ?? []).length;
  const panics = (out.match(/^panic: /gm) ?? []).length;
  if (pass + fail + skip === 0) return null;
  return { format: 'go', passed: pass, failed: fail, errors: panics, skipped: skip, total: pass + fail + skip };
}

const PARSERS: Record<TestFormat, (out: string) => TestCounts | null> = { unittest, pytest, jest, node, go };

/** Finds the counts in a test run's output; with `format` only that runner's syntax is tried. */
export function parseTestCounts(output: string, format?: TestFormat | 'auto'): TestCounts | null {
  const text = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').replace(/\r\n/g, '\n');
  if (format && format !== 'auto') return PARSERS[format](text);
  for (const f of ['unittest', 'pytest', 'jest', 'node', 'go'] as TestFormat[]) {
    const c = PARSERS[f](text);
    if (c) return c;
  }
  return null;
}

/** One failing test: its name and the first line of its message. */
export interface FailedTest {
  name: string;
  message: string;
}

/** What a run's output or report says: counts (null where the runner does not report them), failing tests, notes. */
export interface TestReading {
  format: string;
  passed: number | null;
  failed: number | null;
  errors: number | null;
  skipped: number | null;
  total: number | null;
  failedTests: FailedTest[];
  /** Runner semantics applied (xfail, xpass, subtests...) and limits of what could be counted. */
  notes: string[];
  /** Extra counts: xfailed, xpassed, subtests_passed, packages_ok, packages_failed... */
  extra: Record<string, number>;
  /** Set when the output cannot be trusted (two summaries, per-test lines disagree): the gate FAILs as ambiguous. */
  problem?: string;
}

const SEPARATOR = /^(?:={70}|-{70})$/m;
const firstNonEmpty = (lines: string[]) => lines.map((l) => l.trim()).find(Boolean) ?? '';
const count = (text: string, ch: string) => text.split(ch).length - 1;

function reading(c: TestCounts): TestReading {
  return { ...c, format: c.format, failedTests: [], notes: [], extra: {} };
}

/** unittest: one "Ran N tests" summary, and the progress dots (or -v lines) on stderr must add up to it. */
function readUnittest(out: string, stderr: string): TestReading | null {
  const c = unittest(out);
  if (!c) return null;
  const r = reading(c);
  const summaries = [...out.matchAll(/^Ran (\d+) tests? in [\d.]+s$/gm)];
  if (summaries.length > 1) r.problem = `${summaries.length} summaries (${summaries.map((m) => m[0]).join(' / ')})`;
  for (const m of out.matchAll(/^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([^)]+)\)(.*)$/gm)) {
    const start = m.index + m[0].length;
    const rest = out.slice(start).split('\n');
    const body: string[] = [];
    for (const line of rest.slice(1)) {
      if (/^(?:={70}|-{70})$/.test(line) && body.length) break;
      if (!/^-{70}$/.test(line)) body.push(line);
    }
    const last = body.map((l) => l.trim()).filter(Boolean);
    r.failedTests.push({ name: `${m[3]}${m[4].trim() ? ` ${m[4].trim()}` : ''}`, message: last[last.length - 1] ?? m[1] });
  }
  if (r.problem) return r;
  // Per-test lines: `-v` gives "name ... ok"; otherwise the progress characters before the first separator.
  const verbose = [...stderr.matchAll(/ \.\.\. (ok|FAIL|ERROR|skipped\b.*|expected failure|unexpected success)$/gm)].map((m) => m[1]);
  let per: { total: number; bad: number; errors: number; skipped: number; how: string };
  if (verbose.length) {
    per = {
      total: verbose.length,
      bad: verbose.filter((v) => v === 'FAIL' || v === 'unexpected success').length,
      errors: verbose.filter((v) => v === 'ERROR').length,
      skipped: verbose.filter((v) => v.startsWith('skipped')).length,
      how: '-v lines',
    };
  } else {
    const head = stderr.split(SEPARATOR)[0].split(/^Ran \d+ tests? in/m)[0];
    const dots = head
      .split('\n')
      .map((l) => /^[.FEsxu]*/.exec(l)![0])
      .join('');
    per = {
      total: dots.length,
      bad: count(dots, 'F') + count(dots, 'u'),
      errors: count(dots, 'E'),
      skipped: count(dots, 's'),
      how: 'progress characters',
    };
  }
  const sum = { total: c.total, bad: c.failed, errors: c.errors, skipped: c.skipped };
  if (per.total !== sum.total || per.bad !== sum.bad || per.errors !== sum.errors || per.skipped !== sum.skipped)
    r.problem = `the summary (${sum.total} run, ${sum.bad} failed, ${sum.errors} errors, ${sum.skipped} skipped) disagrees with the ${per.how} (${per.total} run, ${per.bad} failed, ${per.errors} errors, ${per.skipped} skipped)`;
  return r;
}

const PYTEST_SUMMARY =
  /^=+ (.*\b(?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|no tests ran)\b.*) in [\d.]+s(?: \([^)]*\))? =+$/gm;

/** pytest: one summary line; xfailed counts as skipped and a non-strict XPASS as passed (as pytest's exit code does). */
function readPytest(out: string): TestReading | null {
  const lines = [...out.matchAll(PYTEST_SUMMARY)];
  if (!lines.length) return null;
  const n: Record<string, number> = {};
  for (const m of lines[lines.length - 1][1].matchAll(/(\d+) (subtests? )?(passed|failed|errors?|skipped|xfailed|xpassed|deselected)/g))
    n[`${m[2] ? 'subtests_' : ''}${m[3].replace(/s$/, '')}`] = Number(m[1]);
  const g = (k: string) => n[k] ?? 0;
  const r: TestReading = {
    format: 'pytest',
    passed: g('passed') + g('xpassed'),
    failed: g('failed'),
    errors: g('error'),
    skipped: g('skipped') + g('xfailed'),
    total: 0,
    failedTests: [],
    notes: [],
    extra: {},
  };
  r.total = r.passed! + r.failed! + r.errors! + r.skipped!;
  for (const k of ['xfailed', 'xpassed', 'deselected', 'subtests_passed', 'subtests_failed', 'subtests_skipped'])
    if (n[k]) r.extra[k] = n[k];
  if (n.xpassed) r.notes.push(`${n.xpassed} xpassed (non-strict xfail that passed) counted as passed, as pytest does`);
  if (n.xfailed) r.notes.push(`${n.xfailed} xfailed counted as skipped (expected failures), as pytest's JUnit report does`);
  if (n.subtests_passed) r.notes.push(`${n.subtests_passed} subtests passed (not counted as tests)`);
  for (const m of out.matchAll(/^(FAILED|ERROR|SUBFAILED\S*) (\S+)(?: - (.*))?$/gm))
    r.failedTests.push({ name: `${m[2]}${m[1].startsWith('SUBFAILED') ? ` ${m[1].slice(9)}` : ''}`, message: m[3] ?? m[1].toLowerCase() });
  if (lines.length > 1) {
    r.problem = `${lines.length} summaries (${lines.map((m) => m[1]).join(' / ')})`;
    return r;
  }
  // Per-test lines: progress characters ("test_x.py .FsxX [100%]") or -v lines ("path::name PASSED [ 50%]").
  const per: Record<string, number> = { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0, subtests_passed: 0 };
  let seen = false;
  const VERB: Record<string, string> = {
    PASSED: 'passed',
    FAILED: 'failed',
    ERROR: 'error',
    SKIPPED: 'skipped',
    XFAIL: 'xfailed',
    XPASS: 'xpassed',
    SUBPASSED: 'subtests_passed',
    SUBFAILED: 'failed',
    SUBSKIPPED: 'subtests_skipped',
  };
  for (const m of out.matchAll(/^\S+::\S.*? (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS|SUBPASSED|SUBFAILED|SUBSKIPPED)\b.*\[\s*\d+%\]$/gm)) {
    per[VERB[m[1]]] = (per[VERB[m[1]]] ?? 0) + 1;
    seen = true;
  }
  if (!seen)
    for (const m of out.matchAll(/^(?:\S+\.py ?)?([.FEsxXu]+)\s*\[\s*\d+%\]$/gm)) {
      seen = true;
      const t = m[1];
      per.passed += count(t, '.');
      per.failed += count(t, 'F') + count(t, 'u');
      per.error += count(t, 'E');
      per.skipped += count(t, 's');
      per.xfailed += count(t, 'x');
      per.xpassed += count(t, 'X');
    }
  const total = r.total;
  if (!seen) {
    if (total > 0) r.problem = 'no per-test lines (progress characters or -v lines) to check the summary against';
    return r;
  }
  const keys = ['passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'];
  const diff = keys.filter((k) => per[k] !== g(k));
  if (n.subtests_passed !== undefined && per.subtests_passed && per.subtests_passed !== n.subtests_passed) diff.push('subtests_passed');
  if (diff.length)
    r.problem = `the summary disagrees with the per-test lines on ${diff.map((k) => `${k} (${g(k)} vs ${per[k]})`).join(', ')}`;
  return r;
}

/** jest: one "Tests:" summary, and the ✓/✕/○ lines (jest prints them for a single file or --verbose) must add up to it. */
function readJest(out: string): TestReading | null {
  const c = jest(out);
  if (!c) return null;
  const r = reading(c);
  const summaries = [...out.matchAll(/^Tests:\s+(.*\d+ total)\s*$/gm)];
  for (const m of out.matchAll(/^\s*● (.+?)\n\n((?:.*\n){1,6})/gm))
    if (!/^Test suite failed to run/.test(m[1])) r.failedTests.push({ name: m[1].trim(), message: firstNonEmpty(m[2].split('\n')) });
  if (summaries.length > 1) {
    r.problem = `${summaries.length} summaries (${summaries.map((m) => m[1]).join(' / ')})`;
    return r;
  }
  const pass = (out.match(/^\s+[✓√] /gm) ?? []).length;
  const fail = (out.match(/^\s+[✕×] /gm) ?? []).length;
  const skip = (out.match(/^\s+[○✎] /gm) ?? []).length;
  if (pass + fail + skip === 0) {
    if (c.total > 0)
      r.problem = 'no per-test lines (✓/✕) to check the summary against: run jest with --verbose, or use jest-junit and `junit:`';
    return r;
  }
  if (pass !== c.passed || fail !== c.failed || skip !== c.skipped)
    r.problem = `the summary (${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped) disagrees with the per-test lines (${pass}, ${fail}, ${skip})`;
  return r;
}

/** node --test (spec or TAP): one "tests N" summary, and the per-test lines must add up to it. */
function readNode(out: string): TestReading | null {
  const c = node(out);
  if (!c) return null;
  const r = reading(c);
  const summaries = [...out.matchAll(/^(?:#|ℹ) tests (\d+)\s*$/gm)];
  for (const m of out.matchAll(/^\s*(?:✖ (.+?) \([\d.]+m?s\)|not ok \d+ - (.+))$/gm)) {
    const name = (m[1] ?? m[2]).trim();
    if (!r.failedTests.some((f) => f.name === name) && name !== 'failing tests:')
      r.failedTests.push({
        name,
        message:
          firstNonEmpty(
            out
              .slice(m.index + m[0].length)
              .split('\n')
              .slice(0, 6)
              .filter((l) => /error|expected|assert/i.test(l)),
          ) || 'failed',
      });
  }
  if (summaries.length > 1) {
    r.problem = `${summaries.length} summaries (tests ${summaries.map((m) => m[1]).join(' / ')})`;
    return r;
  }
  if (/^\s*▶ /m.test(out) || /^\s*# Subtest: .*\n\s+# Subtest:/m.test(out)) {
    r.problem = 'the output nests suites, whose lines cannot be told from tests: use --test-reporter=junit and `junit:`';
    return r;
  }
  const spec = out.split(/^ℹ tests \d+/m)[0];
  const pass = (spec.match(/^✔ /gm) ?? []).length + (spec.match(/^ok \d+ - (?!.*# (?:SKIP|TODO))/gm) ?? []).length;
  const fail = (spec.match(/^✖ (?!failing tests:)/gm) ?? []).length + (spec.match(/^not ok \d+ - /gm) ?? []).length;
  const skip = (spec.match(/^﹣ /gm) ?? []).length + (spec.match(/^ok \d+ - .*# (?:SKIP|TODO)/gm) ?? []).length;
  if (pass + fail + skip !== c.total || fail !== c.failed + c.errors)
    r.problem = `the summary (tests ${c.total}, fail ${c.failed}) disagrees with the per-test lines (${pass + fail + skip} tests, ${fail} failed)`;
  return r;
}

/** go test text: with -v the `---` lines are the counts; plain `go test ./...` reports only packages, and says so. */
function readGo(out: string): TestReading | null {
  const okPkgs = [...out.matchAll(/^ok\s+(\S+)/gm)].map((m) => m[1]);
  const failPkgs = [...out.matchAll(/^FAIL\s+(\S+)\s/gm)].map((m) => m[1]);
  const c = go(out);
  const failedTests: FailedTest[] = [];
  for (const m of out.matchAll(/^(\s*)--- FAIL: (\S+)/gm)) {
    const next = out
      .slice(m.index + m[0].length)
      .split('\n')
      .slice(1);
    const msg = next.find((l) => l.trim() && !/^\s*--- /.test(l));
    failedTests.push({ name: m[2], message: msg && /^\s{4,}/.test(msg) ? msg.trim() : 'failed' });
  }
  if (c && /^=== RUN/m.test(out))
    return { ...reading(c), failedTests, extra: { packages_ok: okPkgs.length, packages_failed: failPkgs.length } };
  if (!okPkgs.length && !failPkgs.length) return c ? { ...reading(c), failedTests } : null;
  return {
    format: 'go',
    passed: null,
    failed: null,
    errors: null,
    skipped: null,
    total: null,
    failedTests: failedTests.length ? failedTests : failPkgs.map((p) => ({ name: p, message: 'package FAIL' })),
    notes: [
      `plain go test reports packages, not tests: ${okPkgs.length} package(s) ok, ${failPkgs.length} FAIL; per-test counts need \`go test -json\` (format go-json)`,
    ],
    extra: { packages_ok: okPkgs.length, packages_failed: failPkgs.length },
  };
}

const READERS: Record<TestFormat, (out: string, stderr: string) => TestReading | null> = {
  unittest: readUnittest,
  pytest: readPytest,
  jest: readJest,
  node: readNode,
  go: readGo,
};

/** Reads a run's text output: counts from the summary, checked against the per-test lines; null when no summary is found. */
export function readTestOutput(stdout: string, stderr: string, format: TestFormat | 'auto' = 'auto'): TestReading | null {
  const clean = (t: string) => t.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').replace(/\r\n/g, '\n');
  const out = `${clean(stdout)}\n${clean(stderr)}`;
  const err = clean(stderr);
  if (format !== 'auto') return READERS[format](out, err);
  for (const f of ['unittest', 'pytest', 'jest', 'node', 'go'] as TestFormat[]) {
    const r = READERS[f](out, err);
    if (r) return r;
  }
  return null;
}
