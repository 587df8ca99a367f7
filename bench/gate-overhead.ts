// Per-gate overhead of the runner (a 100-gate macro of `command: true` minus a 1-gate one) beside spawning what the
// gate spawns (`sh -c true`; in bubblewrap when the sandbox is on), so the difference is the runner's own cost;
// peak RSS of the 100-gate run; render + sign + verify of a 100-gate run beside sha256sum of its files.
// Usage: node dist/bench/gate-overhead.js [off|on]   (GATERUN_SANDBOX=off for the run, or the sandbox as detected)
import { execa } from 'execa';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderFinalReport, renderGateReport } from '../src/report/render-report.js';
import { signBundle } from '../src/report/sign-bundle.js';
import { writeFileAtomic } from '../src/files/write-atomic.js';
import { verifyBundle } from '../src/report/verify-bundle.js';
import type { RunRecord } from '../src/runner/types.js';
import { wrapCommand } from '../src/context/sandbox.js';
import { cli, isMain, median, run, sh, timeIt, type BenchRow } from './lib.js';
import { loadAverage } from './startup.js';

function macro(n: number): string {
  const gates = Array.from({ length: n }, (_, i) => `  - { id: G${i}, title: gate-${i}, kind: command, with: { command: "true" } }`).join(
    '\n',
  );
  return `id: BENCH${n}\nmacro: bench-${n}\ntitle: bench ${n} gates\noutcome: BENCH_OK\ngates:\n${gates}\n`;
}

/** Runs the measurements with the sandbox off (three rows) or on (the per-gate row); returns their rows. */
export async function benchGateOverhead(runs = 5, sandbox: 'off' | 'on' = 'off'): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-gates-'));
  try {
    writeFileSync(join(dir, 'm1.yaml'), macro(1));
    writeFileSync(join(dir, 'm100.yaml'), macro(100));
    const gaterun = (m: string, out: string) =>
      run('node', [cli, 'run', join(dir, m), '--out', join(dir, out), '--renderer', 'silent'], {
        XDG_CONFIG_HOME: dir,
        GATERUN_SIGNING_KEY: '',
        ...(sandbox === 'off' ? { GATERUN_SANDBOX: 'off' } : {}),
      });
    // What the command gate spawns for `command: "true"`: `sh -c true`, wrapped like the runner wraps it when on.
    const argv = sandbox === 'off' ? ['sh', '-c', 'true'] : wrapCommand(['sh', '-c', 'true'], { writable: [], runDir: join(dir, 'w1') });
    const spawn99 = async () => {
      for (let i = 0; i < 99; i++) await execa(argv[0], argv.slice(1), { stdin: 'ignore' });
    };
    await gaterun('m1.yaml', 'w1');
    await gaterun('m100.yaml', 'w100');
    await spawn99();
    const t1: number[] = [];
    const t100: number[] = [];
    const tb: number[] = [];
    for (let i = 0; i < runs; i++) {
      t1.push(await timeIt(() => gaterun('m1.yaml', `r1-${i}`)));
      t100.push(await timeIt(() => gaterun('m100.yaml', `r100-${i}`)));
      tb.push(await timeIt(spawn99));
    }
    const perGate = (median(t100) - median(t1)) / 99;
    const perSpawn = median(tb) / 99;
    console.log(
      `per gate: 100-gate ${median(t100).toFixed(0)} ms, 1-gate ${median(t1).toFixed(0)} ms → ${perGate.toFixed(2)} ms a gate; spawning true: ${perSpawn.toFixed(2)} ms`,
    );
    const rows: BenchRow[] = [
      {
        name: `per-gate overhead, sandbox ${sandbox} (100-gate \`command: true\` macro minus a 1-gate one, per gate)`,
        baseline:
          sandbox === 'off'
            ? 'spawning `sh -c true` from Node 99 times, per spawn'
            : "spawning `sh -c true` in bwrap (the runner's argv) 99 times, per spawn",
        ours: `${perGate.toFixed(2)} ms a gate`,
        oursMs: perGate,
        baselineMs: perSpawn,
        result: `${perGate - perSpawn >= 0 ? '+' : ''}${(perGate - perSpawn).toFixed(2)} ms a gate`,
        goal: '≤ +1 ms a gate',
        met: perGate - perSpawn <= 1,
        command: sandbox === 'off' ? 'node dist/bench/gate-overhead.js off' : 'node dist/bench/gate-overhead.js on',
        note: `100-gate run ${median(t100).toFixed(0)} ms, 1-gate run ${median(t1).toFixed(0)} ms, 99 spawns ${median(tb).toFixed(0)} ms; ${runs} rounds, load average ${loadAverage()}`,
      },
    ];
    if (sandbox === 'on') return rows;

    // Peak RSS of the 100-gate run (GNU time's maximum resident set size, KiB).
    if (existsSync('/usr/bin/time')) {
      const r = await execa(
        '/usr/bin/time',
        ['-f', '%M', 'node', cli, 'run', join(dir, 'm100.yaml'), '--out', join(dir, 'rss'), '--renderer', 'silent'],
        { reject: false, env: { XDG_CONFIG_HOME: dir, GATERUN_SIGNING_KEY: '' } },
      );
      const kib = Number(r.stderr.trim().split('\n').pop());
      rows.push({
        name: 'peak RSS of the 100-gate run',
        baseline: '—',
        ours: `${(kib / 1024).toFixed(0)} MB`,
        oursMs: null,
        baselineMs: null,
        result: `${(kib / 1024).toFixed(0)} MB`,
        goal: '< 150 MB',
        met: kib / 1024 < 150,
        command: '/usr/bin/time -f %M gaterun run <100-gate macro>',
      });
    } else {
      rows.push({
        name: 'peak RSS of the 100-gate run',
        baseline: '—',
        ours: 'not measured',
        oursMs: null,
        baselineMs: null,
        result: 'n/a',
        goal: '< 150 MB',
        met: null,
        command: '/usr/bin/time -f %M …',
        note: '/usr/bin/time (Debian package `time`) is not installed',
      });
    }

    // Render + sign + verify of the 100-gate run, in process, beside sha256sum of the same files.
    const runDir = join(dir, 'w100');
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const files = () =>
      readdirSync(runDir, { recursive: true, withFileTypes: true })
        .filter((f) => f.isFile() && f.name !== 'run.intoto.json')
        .map((f) => join(f.parentPath, f.name));
    const ours = async () => {
      record.gates.forEach((g, i) => writeFileAtomic(join(runDir, g.report), renderGateReport(record, i)));
      writeFileAtomic(join(runDir, record.files.final), renderFinalReport(record));
      signBundle(runDir, {
        privateKey,
        macroFile: join(dir, 'm100.yaml'),
        macroSha256: '0'.repeat(64),
        target: 'bench',
        outcomeCode: 'A',
        version: '0',
      });
      if (!verifyBundle(runDir, { trustedKeys: [publicKey] }).ok) throw new Error('does not verify');
    };
    const base = () => sh(`sha256sum ${files().join(' ')} > /dev/null`);
    await ours();
    await base();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      a.push(await timeIt(ours));
      b.push(await timeIt(base));
    }
    rows.push({
      name: 'render + sign + verify a 100-gate run (in process)',
      baseline: '`sha256sum` of the same files (reports, run.json, ledger, logs/)',
      ours: `${median(a).toFixed(1)} ms`,
      oursMs: median(a),
      baselineMs: median(b),
      result: `${(median(a) / median(b)).toFixed(2)}x`,
      goal: 'report the absolute figure and the ratio',
      met: null,
      command: 'node dist/bench/gate-overhead.js',
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchGateOverhead(5, process.argv[2] === 'on' ? 'on' : 'off'));
