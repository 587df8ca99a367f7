// Per-gate `retry:`: a flaky gate runs again after FAIL, each attempt in the ledger and the report; a gate that
// made a change is never run again. Real runs of the CLI with real child processes.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(() => cleanupTemp());

// Fails until it has been started `n` times: the count lives in a file in the run dir (the one place it may write).
const flaky = (n: number) =>
  `c="\${run.dir}/count"; k=$(($(cat "$c" 2>/dev/null || echo 0) + 1)); echo $k > "$c"; echo "attempt $k" >&2; test $k -ge ${n}`;

async function runMacro(gate: string, mutation = 'none') {
  const dir = tempDir();
  writeFiles(dir, {
    'm.yaml': `id: RT\nmacro: retry-test\ntitle: retry test\noutcome: RT_OK\nmutation: ${mutation}\ngates:\n${gate}`,
  });
  const out = join(dir, 'run');
  const r = await gaterun(['run', join(dir, 'm.yaml'), '--out', out, '--renderer', 'silent']);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  const ledger = readFileSync(join(out, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { gate: string | null; action: string; target: string; mutating: boolean });
  return { r, run, ledger, out, final: readFileSync(join(out, run.files.final), 'utf8') };
}

describe('retry', () => {
  test('a gate that fails twice then passes ends PASS after 3 attempts; each attempt is in the ledger and the reports', async () => {
    const { r, run, ledger, out, final } = await runMacro(
      `  - id: G0\n    title: flaky\n    kind: command\n    retry: { attempts: 3, delay: 0 }\n    with: { command: ${JSON.stringify(flaky(3))} }\n`,
    );
    expect(r.exitCode).toBe(0);
    const g = run.gates[0];
    expect(g.status).toBe('PASS');
    expect(g.attempts.map((a: { status: string }) => a.status)).toEqual(['FAIL', 'FAIL', 'PASS']);
    expect(ledger.filter((e) => e.action === 'gate.attempt').map((e) => e.target)).toEqual([
      'G0 attempt 1 of 3: FAIL',
      'G0 attempt 2 of 3: FAIL',
      'G0 attempt 3 of 3: PASS',
    ]);
    // the command itself ran three times, each a ledger entry of its own
    expect(ledger.filter((e) => e.gate === 'G0' && e.action === 'exec')).toHaveLength(3);
    expect(final).toContain('| G0 | flaky | PASS (after 3 attempts) |');
    const report = readFileSync(join(out, g.report), 'utf8');
    expect(report).toMatch(/- attempt 1: FAIL — sh -c .*exit code 1, expected 0/);
    expect(report).toMatch(/- attempt 3: PASS/);
  });

  test('attempts run out: FAIL after the last one, and the run stops there', async () => {
    const { r, run } = await runMacro(
      `  - id: G0\n    title: flaky\n    kind: command\n    retry: { attempts: 2, delay: 0 }\n    with: { command: ${JSON.stringify(flaky(5))} }\n  - id: G1\n    title: after\n    kind: command\n    with: { command: "true" }\n`,
    );
    expect(r.exitCode).toBe(1);
    expect(run.gates[0].status).toBe('FAIL');
    expect(run.gates[0].attempts).toHaveLength(2);
    expect(run.gates[1].status).toBe('NOT_RUN');
  });

  test('a gate whose attempt made a change is not run again, and says so', async () => {
    const dir = tempDir();
    const { run, ledger } = await runMacro(
      `  - id: G0\n    title: changes-then-fails\n    kind: command\n    retry: { attempts: 3, delay: 0 }\n    with: { command: "touch ${dir}/changed; false", mutates: true, scope: source }\n`,
      'source',
    );
    const g = run.gates[0];
    expect(g.status).toBe('FAIL');
    expect(g.attempts).toBeUndefined();
    expect(g.checks.map((c: { text: string }) => c.text)).toContain('not retried: attempt 1 made a change (see the ledger)');
    expect(ledger.filter((e) => e.gate === 'G0' && e.action === 'exec')).toHaveLength(1);
  });
});
