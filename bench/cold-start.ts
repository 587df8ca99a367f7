// CLI cold start: `gaterun --version` (goal ≤ 2x) and `gaterun list` (goal ≤ 1.3x) beside `node -e 0`, alternated.
import { cli, isMain, run, sideBySide, type BenchRow } from './lib.js';
import { loadAverage } from './startup.js';

/** Measures both commands against bare node start-up. */
export async function benchColdStart(runs = 15): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const args of [['--version'], ['list']]) {
    const r = await sideBySide(
      `cold start ${args[0]}`,
      runs,
      () => run('node', [cli, ...args]),
      () => run('node', ['-e', '0']),
      [`gaterun ${args[0]}`, 'node -e 0'],
    );
    rows.push({
      name: `CLI cold start, \`gaterun ${args[0]}\``,
      baseline: '`node -e 0`',
      ours: `${r.ours.toFixed(1)} ms`,
      oursMs: r.ours,
      baselineMs: r.baseline,
      result: `${r.ratio.toFixed(2)}x`,
      goal: args[0] === 'list' ? '≤ 1.3x' : '≤ 2x',
      met: r.ratio <= (args[0] === 'list' ? 1.3 : 2),
      command: 'node dist/bench/cold-start.js',
      note: `${runs} rounds, load average ${loadAverage()}`,
    });
  }
  return rows;
}

if (isMain(import.meta.url)) console.table(await benchColdStart());
