// CLI cold start: `gaterun --version` and `gaterun list` beside `node -e 0`, alternated. Goal ≤ 2x.
import { cli, isMain, run, sideBySide, type BenchRow } from './lib.js';

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
      goal: '≤ 2x',
      met: r.ratio <= 2,
      command: 'node dist/bench/cold-start.js',
    });
  }
  return rows;
}

if (isMain(import.meta.url)) console.table(await benchColdStart());
