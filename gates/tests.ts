// Gate `tests`: runs a test command and parses its pass/fail counts.
import { defineGate, message, results, type Check } from '../src/gate.js';
import { parseTestCounts, type TestFormat } from '../src/test-counts.js';

export interface TestsParams {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  format?: TestFormat | 'auto';
  min?: number;
  name?: string;
}

const messages = {
  noCounts: '{label}no test counts found in the output of {command} (format {format})',
  failures: '{failed} of {total} failed{errorsText}',
  belowMin: '{total} tests ran, fewer than the minimum {min}',
  exitNonZero: 'exit code {code} although the counts show no failure',
  failed: '{label}{failures}',
};
const { pass, fail } = results(messages);

export default defineGate<TestsParams>({
  kind: 'tests',
  summary: 'Runs a test suite and requires every test to pass',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: { type: 'string', minLength: 1 },
      cwd: { type: 'string' },
      env: { type: 'object', additionalProperties: { type: 'string' } },
      timeout: { type: 'number', exclusiveMinimum: 0 },
      format: { enum: ['auto', 'unittest', 'pytest', 'jest', 'node', 'go'] },
      min: { type: 'integer', minimum: 0 },
      name: { type: 'string' },
    },
  },
  messages,
  async run(ctx, p) {
    const r = await ctx.shell(p.command, { cwd: p.cwd, env: p.env, timeout: p.timeout });
    const counts = parseTestCounts(`${r.stdout}\n${r.stderr}`, p.format ?? 'auto');
    const label = p.name ? `${p.name}: ` : '';
    if (!counts) {
      return fail({
        messageId: 'noCounts',
        data: { label, command: r.command, format: p.format ?? 'auto' },
        checks: [{ status: 'FAIL', text: message(messages.noCounts, { label: '', command: r.command, format: p.format ?? 'auto' }) }],
        facts: { exit_code: r.exitCode, passed: null, failed: null, skipped: null, total: null },
        evidence: [r.evidence],
      });
    }
    const checks: Check[] = [];
    const bad = counts.failed + counts.errors;
    checks.push({
      status: bad ? 'FAIL' : 'PASS',
      text: bad
        ? message(messages.failures, { ...counts, errorsText: counts.errors ? `, ${counts.errors} errors` : '' })
        : `${counts.passed}/${counts.total} passed${counts.skipped ? `, ${counts.skipped} skipped` : ''} (${counts.format})`,
    });
    if (p.min !== undefined) {
      const ok = counts.total >= p.min;
      checks.push({
        status: ok ? 'PASS' : 'FAIL',
        text: ok ? `${counts.total} ≥ minimum ${p.min}` : message(messages.belowMin, { total: counts.total, min: p.min }),
      });
    }
    if (!bad && r.exitCode !== 0)
      checks.push({ status: 'FAIL', text: message(messages.exitNonZero, { code: r.timedOut ? 'none (timed out)' : r.exitCode }) });
    const facts = {
      passed: counts.passed,
      failed: counts.failed,
      errors: counts.errors,
      skipped: counts.skipped,
      total: counts.total,
      format: counts.format,
      exit_code: r.exitCode,
    };
    const body = { checks, facts, evidence: [r.evidence] };
    const failed = checks.filter((c) => c.status === 'FAIL');
    return failed.length
      ? fail({ messageId: 'failed', data: { label, failures: failed.map((c) => c.text).join('; ') }, ...body })
      : pass(`${label}${counts.passed}/${counts.total} passed`, body);
  },
});
