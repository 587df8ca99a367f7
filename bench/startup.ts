// The fixed costs a user feels on every command (issue 17), each beside bare node start-up, alternated, medians:
// a 1-gate `command: true` run (silent, and --json), `run missing.yaml`, and the scaling rows: `plan` of a 1,000-gate
// macro against ten times the 100-gate one, and the peak RSS of a 1,000-gate run.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, isMain, median, run, timeIt, type BenchRow } from './lib.js';

/** The load average now, for the row's note (the machine is shared; numbers move with it). */
export const loadAverage = () =>
  existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';

/** A macro of `n` gates of `command: true`. */
export function commandMacro(n: number, id = `BENCH${n}`): string {
  const gates = Array.from({ length: n }, (_, i) => `  - { id: G${i}, title: gate-${i}, kind: command, with: { command: "true" } }`).join(
    '\n',
  );
  return `id: ${id}\nmacro: bench-${n}\ntitle: bench ${n} gates\noutcome: BENCH_OK\ngates:\n${gates}\n`;
}

/** Runs the contenders round-robin `runs` times after one warm-up each; medians in ms. */
async function alternate(runs: number, fns: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const f of fns) await f();
  const t: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) for (const [j, f] of fns.entries()) t[j].push(await timeIt(f));
  return t.map(median);
}

/** Start-up rows: 1-gate run (silent, --json), run of a missing file; each over `node -e 0` of the same rounds. */
export async function benchStartup(runs = 15): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-startup-'));
  const env = { XDG_CONFIG_HOME: dir, GATERUN_SIGNING_KEY: '' };
  try {
    writeFileSync(join(dir, 'one.yaml'), commandMacro(1, 'ONE'));
    let n = 0;
    const one = (extra: string[]) => () => run('node', [cli, 'run', join(dir, 'one.yaml'), '--out', join(dir, `r${n++}`), ...extra], env);
    const missing = async () => {
      const r = await execa('node', [cli, 'run', join(dir, 'missing.yaml')], { reject: false, env: { CI: 'true', ...env } });
      if (r.exitCode !== 2) throw new Error(`run missing.yaml: exit ${r.exitCode}`);
    };
    const [silent, json, miss, node] = await alternate(runs, [
      one(['--renderer', 'silent']),
      one(['--json', '--renderer', 'silent']),
      missing,
      () => run('node', ['-e', '0']),
    ]);
    const load = loadAverage();
    console.log(
      `startup: 1-gate silent ${silent.toFixed(1)} ms, --json ${json.toFixed(1)} ms, missing ${miss.toFixed(1)} ms, node -e 0 ${node.toFixed(1)} ms (load ${load})`,
    );
    const row = (name: string, ms: number, goal: number | null, extra = ''): BenchRow => ({
      name,
      baseline: '`node -e 0`',
      ours: `${ms.toFixed(1)} ms`,
      oursMs: ms,
      baselineMs: node,
      result: `${(ms / node).toFixed(2)}x`,
      goal: goal === null ? 'report' : `≤ ${goal}x`,
      met: goal === null ? null : ms / node <= goal,
      command: 'node dist/bench/startup.js',
      note: `${runs} rounds, load average ${load}${extra}`,
    });
    return [
      row('1-gate `command: true` run, `--renderer silent`', silent, 2.5),
      row('1-gate `command: true` run, `--json --renderer silent`', json, 2.5),
      row('`gaterun run missing.yaml` (exit 2)', miss, null),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Scaling rows: plan of 1,000 gates vs 10× plan of 100; peak RSS of a 1,000-gate run (sandbox off). */
export async function benchScaling(runs = 7): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-scale-'));
  const env = { XDG_CONFIG_HOME: dir, GATERUN_SIGNING_KEY: '' };
  try {
    writeFileSync(join(dir, 'm100.yaml'), commandMacro(100));
    writeFileSync(join(dir, 'm1000.yaml'), commandMacro(1000));
    const plan = (m: string) => () => run('node', [cli, 'plan', join(dir, m)], env);
    const [p100, p1000, node] = await alternate(runs, [plan('m100.yaml'), plan('m1000.yaml'), () => run('node', ['-e', '0'])]);
    const load = loadAverage();
    const ratio = p1000 / (10 * p100);
    const above = (p1000 - node) / (10 * (p100 - node));
    console.log(`plan: 100 gates ${p100.toFixed(1)} ms, 1000 gates ${p1000.toFixed(1)} ms, node ${node.toFixed(1)} ms (load ${load})`);
    const rows: BenchRow[] = [
      {
        name: '`gaterun plan` of a 1,000-gate macro against 10 × the 100-gate plan',
        baseline: '10 × `gaterun plan` of the 100-gate macro',
        ours: `${p1000.toFixed(0)} ms`,
        oursMs: p1000,
        baselineMs: 10 * p100,
        result: `${ratio.toFixed(2)}x (above node start-up: ${above.toFixed(2)}x)`,
        goal: '< 2x',
        met: ratio < 2,
        command: 'node dist/bench/startup.js scaling',
        note: `100-gate plan ${p100.toFixed(0)} ms, node -e 0 ${node.toFixed(0)} ms; ${runs} rounds, load average ${load}. "Above node start-up" compares the time past \`node -e 0\`, which is what grows with the gates`,
      },
    ];
    if (existsSync('/usr/bin/time')) {
      const t0 = performance.now();
      const r = await execa(
        '/usr/bin/time',
        ['-f', '%M', 'node', cli, 'run', join(dir, 'm1000.yaml'), '--out', join(dir, 'rss'), '--renderer', 'silent'],
        { reject: false, env: { ...env, CI: 'true', GATERUN_SANDBOX: 'off' } },
      );
      const wall = performance.now() - t0;
      if (r.exitCode !== 0) throw new Error(`1000-gate run: exit ${r.exitCode}: ${r.stderr.slice(-300)}`);
      const mb = Number(r.stderr.trim().split('\n').pop()) / 1024;
      rows.push({
        name: 'peak RSS of a 1,000-gate `command: true` run (`GATERUN_SANDBOX=off`)',
        baseline: '—',
        ours: `${mb.toFixed(0)} MB`,
        oursMs: null,
        baselineMs: null,
        result: `${mb.toFixed(0)} MB`,
        goal: '< 200 MB',
        met: mb < 200,
        command: 'GATERUN_SANDBOX=off /usr/bin/time -f %M gaterun run <1,000-gate macro> --renderer silent',
        note: `one run, ${(wall / 1000).toFixed(1)} s wall, load average ${loadAverage()}`,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const which = process.argv[2] ?? 'all';
  const rows = [
    ...(which === 'all' || which === 'startup' ? await benchStartup(Number(process.argv[3] ?? 15)) : []),
    ...(which === 'all' || which === 'scaling' ? await benchScaling() : []),
  ];
  console.table(
    rows.map((r) => ({ name: r.name, ours: r.ours, baseline: r.baselineMs?.toFixed(1), result: r.result, goal: r.goal, met: r.met })),
  );
}
