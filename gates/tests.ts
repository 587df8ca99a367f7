// Gate `tests`: runs a test command and reads its result from the runner's machine-readable report where one exists
// (JUnit XML, go test -json), else from its text output only when the summary, the per-test lines and the exit code agree.
import { cwdInputs } from '../src/checks/input-digest.js';
import { isAbsolute, join } from 'node:path';
import { createHash } from 'node:crypto';
import { defineGate, fail, message, pass, type Check, type Evidence, type Facts } from '../src/gate.js';
import { readTestOutput, type TestFormat, type TestReading } from '../src/test-counts.js';
import { readGoJson, readJUnit } from '../src/test-reports.js';

export interface TestsParams {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  /** Text format of the output, or `go-json` to read `go test -json` lines from stdout. */
  format?: TestFormat | 'auto' | 'go-json';
  /** JUnit XML report the command writes (relative to cwd): pytest --junitxml, node --test-reporter=junit, jest-junit. */
  junit?: string;
  min?: number;
  name?: string;
}

/** Failing tests named in facts and checks; the rest are counted. */
const MAX_NAMED = 20;

const messages = {
  noCounts: 'no test counts found in the output of {command} (format {format})',
  noReport: 'no JUnit report at {path} after {command} (exit {code})',
  staleReport: 'ambiguous test result: the JUnit report {path} was not rewritten by this run (same bytes as before it)',
  badReport: '{path} is not a JUnit report: {error}',
  ambiguous: 'ambiguous test result: {why}',
  failures: '{failed} of {total} failed{errorsText}',
  belowMin: '{total} tests ran, fewer than the minimum {min}',
  noTestCounts: 'min {min} needs per-test counts, which {format} output does not give: {note}',
  packagesFailed: '{n} package(s) FAIL: {names}',
  timedOut: 'the test command timed out after {seconds}s',
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export default defineGate<TestsParams>({
  kind: 'tests',
  summary: 'Runs a test suite and requires every test to pass, reading counts the runner cannot fake in its summary',
  facts: {
    passed: 'tests passed',
    failed: 'tests failed',
    errors: 'tests that errored',
    skipped: 'tests skipped',
    total: 'tests run',
    format: 'the runner output recognised (unittest, pytest, jest, node --test, go test)',
    exit_code: 'the exit code',
    failed_tests: 'the failing tests (up to 20), each with the first line of its message',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: { description: 'shell command that runs the suite', type: 'string', minLength: 1 },
      cwd: { description: 'working directory', type: 'string' },
      env: { description: 'extra environment variables', type: 'object', additionalProperties: { type: 'string' } },
      timeout: { description: 'seconds (the gate timeout still applies)', type: 'number', exclusiveMinimum: 0 },
      format: {
        description: 'which runner output to read counts from (default auto; go-json reads `go test -json` from stdout)',
        enum: ['auto', 'unittest', 'pytest', 'jest', 'node', 'go', 'go-json'],
      },
      junit: { description: 'JUnit XML report the runner writes (relative to cwd); counts are read from it', type: 'string', minLength: 1 },
      min: { description: 'FAIL when fewer tests ran', type: 'integer', minimum: 0 },
      name: { description: 'name shown before the summary', type: 'string' },
    },
  },
  messages,
  reuse: {
    reads: 'its `cwd` tree (reads outside the cwd are not seen); without a cwd it is never reused',
    digest: (ctx, p) => cwdInputs(ctx, p.cwd),
  },
  async run(ctx, p) {
    const label = p.name ? `${p.name}: ` : '';
    const format = p.format ?? 'auto';
    const junitPath = p.junit ? (isAbsolute(p.junit) || !p.cwd ? p.junit : join(p.cwd, p.junit)) : null;
    // A report left by an earlier run must not pass for this one: remember its bytes and require new ones.
    const before = junitPath && (await ctx.files.exists(junitPath)) ? await ctx.files.read(junitPath) : null;
    ctx.log.info(`${label}running ${p.command}`);
    const r = await ctx.shell(p.command, { cwd: p.cwd, env: p.env, timeout: p.timeout });
    const evidence: Evidence[] = [r.evidence];
    const facts: Facts = { exit_code: r.exitCode, passed: null, failed: null, errors: null, skipped: null, total: null, failed_tests: [] };
    const stop = (id: keyof typeof messages, data: Record<string, unknown>, extraChecks: Check[] = []) => {
      const text = message(messages[id], data);
      return fail(label + text, { checks: [...extraChecks, { status: 'FAIL', text }], facts, evidence, messageId: id });
    };

    let rd: TestReading | null;
    if (junitPath) {
      facts.report = junitPath;
      if (!(await ctx.files.exists(junitPath)))
        return stop('noReport', { path: junitPath, command: r.command, code: r.timedOut ? 'none (timed out)' : r.exitCode });
      ctx.log.info(`reading ${junitPath}`);
      const xml = await ctx.files.read(junitPath);
      evidence.push({ kind: 'file', title: `JUnit report ${p.junit}`, path: junitPath, sha256: sha256(xml) });
      if (before && before.equals(xml)) return stop('staleReport', { path: junitPath });
      try {
        rd = readJUnit(xml.toString('utf8'));
      } catch (e) {
        return stop('badReport', { path: junitPath, error: (e as Error).message.split('\n')[0] });
      }
    } else if (format === 'go-json') rd = readGoJson(r.stdout);
    else rd = readTestOutput(r.stdout, r.stderr, format);

    if (r.timedOut) return stop('timedOut', { seconds: p.timeout ?? '?' });
    if (!rd) return stop('noCounts', { command: r.command, format });
    Object.assign(facts, {
      passed: rd.passed,
      failed: rd.failed,
      errors: rd.errors,
      skipped: rd.skipped,
      total: rd.total,
      format: rd.format,
      ...rd.extra,
      failed_tests: rd.failedTests.slice(0, MAX_NAMED).map((t) => ({ name: t.name, message: t.message.slice(0, 300) })),
    });
    if (rd.notes.length) facts.notes = rd.notes;
    const named: Check[] = rd.failedTests.slice(0, MAX_NAMED).map((t) => ({ status: 'FAIL', text: `${t.name} — ${t.message}` }));
    if (rd.failedTests.length > MAX_NAMED)
      named.push({ status: 'INFO', text: `… ${rd.failedTests.length - MAX_NAMED} more failing tests not listed` });
    const notes: Check[] = rd.notes.map((text) => ({ status: 'INFO', text }));
    if (rd.problem) return stop('ambiguous', { why: rd.problem }, [...notes, ...named]);

    const checks: Check[] = [];
    const code = r.exitCode;
    if (rd.total === null) {
      // Plain `go test ./...`: only packages are reported; say so rather than invent test counts.
      const failedPkgs = rd.extra.packages_failed ?? 0;
      if (p.min !== undefined) return stop('noTestCounts', { min: p.min, format: rd.format, note: rd.notes[0] ?? '' }, notes);
      if (failedPkgs || code !== 0)
        return stop('packagesFailed', { n: failedPkgs || '?', names: rd.failedTests.map((t) => t.name).join(', ') || `exit ${code}` }, [
          ...notes,
          ...named,
        ]);
      checks.push(...notes, { status: 'PASS', text: `${rd.extra.packages_ok ?? 0} package(s) ok, exit 0 (tests not counted)` });
      return pass(`${label}${rd.extra.packages_ok ?? 0} package(s) ok (plain go test: tests not counted)`, { checks, facts, evidence });
    }

    const bad = rd.failed! + rd.errors!;
    if (bad > 0 && code === 0)
      return stop('ambiguous', { why: `the ${rd.format} result shows ${bad} failing but the command exited 0` }, [...notes, ...named]);
    if (bad === 0 && code !== 0)
      return stop(
        'ambiguous',
        { why: `the ${rd.format} result shows no failure but the command exited ${code === null ? `with signal ${r.signal}` : code}` },
        notes,
      );
    checks.push(...notes);
    const errorsText = rd.errors ? `, ${rd.errors} errors` : '';
    checks.push({
      status: bad ? 'FAIL' : 'PASS',
      text: bad
        ? message(messages.failures, { failed: rd.failed, total: rd.total, errorsText })
        : `${rd.passed}/${rd.total} passed${rd.skipped ? `, ${rd.skipped} skipped` : ''} (${rd.format}), exit ${code}`,
    });
    checks.push(...named);
    if (p.min !== undefined) {
      const ok = rd.total >= p.min;
      checks.push({
        status: ok ? 'PASS' : 'FAIL',
        text: ok ? `${rd.total} ≥ minimum ${p.min}` : message(messages.belowMin, { total: rd.total, min: p.min }),
      });
    }
    const body = { checks, facts, evidence };
    if (bad) {
      const names = rd.failedTests.slice(0, 3).map((t) => `${t.name} (${t.message})`);
      const more = rd.failedTests.length > 3 ? `, … ${rd.failedTests.length - 3} more` : '';
      const head = message(messages.failures, { failed: rd.failed, total: rd.total, errorsText });
      return fail(`${label}${head}${names.length ? `: ${names.join(', ')}${more}` : ''}`, { ...body, messageId: 'failures' });
    }
    const failed = checks.filter((c) => c.status === 'FAIL');
    return failed.length
      ? fail(label + failed.map((c) => c.text).join('; '), { ...body, messageId: 'belowMin' })
      : pass(`${label}${rd.passed}/${rd.total} passed`, body);
  },
});
