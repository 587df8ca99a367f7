// Following a command's output for live progress (the last line, redacted, throttled) against the same runExec
// without following, on a command that prints 100 MB fast, side by side in one session. Goal (issue 14): ≤ 1.1x.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExec, type ExecDeps } from '../src/context/exec.js';
import type { HostSpec } from '../src/context/hosts.js';
import { Ledger } from '../src/context/ledger.js';
import { throttleLines } from '../src/context/output-line.js';
import { Redactor } from '../src/report/redact.js';
import { isMain, sideBySide, type BenchRow } from './lib.js';

const RUNS = 7;
const GOAL = 1.1;
const FLOOD = "head -c 100000000 /dev/zero | tr '\\0' a | fold -w 99";

/** Runs the live-output benchmark and returns its row. */
export async function benchLiveOutput(): Promise<BenchRow[]> {
  const runDir = mkdtempSync(join(tmpdir(), 'gaterun-bench-live-'));
  const local: HostSpec = { name: 'local', kind: 'local', url: 'local' };
  // A redactor with secrets, as in a real run: every shown line goes through it.
  const redactor = new Redactor().add('bench-secret-value-1234').add('another-Secret-5678');
  let lines = 0;
  const deps = (onLine?: (l: string) => void): ExecDeps => ({
    ledger: new Ledger('none'),
    gateId: 'G0',
    host: local,
    signal: new AbortController().signal,
    redact: (s) => redactor.redact(s),
    resolveHost: () => local,
    runDir,
    target: { name: 'bench', file: null, hosts: {}, paths: {} },
    onLine,
  });
  const followed = deps(throttleLines(() => lines++));
  const plain = deps();
  try {
    const check = await runExec(followed, 'sh', ['-c', FLOOD]);
    if (check.exitCode !== 0 || check.stdout.length !== 101_010_101)
      throw new Error(`flood: exit ${check.exitCode}, ${check.stdout.length} bytes`);
    const r = await sideBySide(
      'runExec of 100 MB output, followed vs not',
      RUNS,
      () => runExec(followed, 'sh', ['-c', FLOOD]),
      () => runExec(plain, 'sh', ['-c', FLOOD]),
      ['followed (last line, redacted, throttled)', 'not followed'],
    );
    return [
      {
        name: 'live output: runExec of a command printing 100 MB (1M lines) fast, followed for the last line',
        baseline: 'the same runExec without following (onLine unset)',
        ours: `${r.ours.toFixed(0)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${r.ratio.toFixed(2)}x`,
        goal: `≤ ${GOAL}x`,
        met: r.ratio <= GOAL,
        command: 'node dist/bench/live-output.js',
        note: `${lines} lines passed on in ${RUNS + 2} followed runs (throttled to 10 a second)`,
      },
    ];
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  for (const r of await benchLiveOutput())
    console.log(`${r.name}: ${r.ours} vs ${r.baselineMs?.toFixed(0)} ms → ${r.result} (goal ${r.goal})`);
}
