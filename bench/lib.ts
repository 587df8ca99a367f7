// Tiny timing helpers for side-by-side benchmarks (no timed unit tests: numbers go to stdout).
import { execa } from 'execa';

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs fn `runs` times after one warm-up, alternating with the other contender by the caller; returns ms samples. */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Interleaves two contenders `runs` times (after a warm-up of each) and prints both medians and the ratio. */
export async function sideBySide(label: string, runs: number, ours: () => Promise<unknown>, baseline: () => Promise<unknown>, names: [string, string]): Promise<{ ours: number; baseline: number; ratio: number }> {
  await ours();
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timeIt(ours));
    b.push(await timeIt(baseline));
  }
  const r = { ours: median(a), baseline: median(b), ratio: median(a) / median(b) };
  console.log(`${label}: ${names[0]} median ${r.ours.toFixed(1)} ms | ${names[1]} median ${r.baseline.toFixed(1)} ms | ratio ${r.ratio.toFixed(2)}x (runs ${runs})`);
  return r;
}

/** Runs a shell line, throwing on failure. */
export async function sh(line: string, cwd?: string): Promise<string> {
  const r = await execa('sh', ['-c', line], { cwd, reject: false });
  if (r.exitCode !== 0) throw new Error(`${line}: ${r.stderr}`);
  return r.stdout;
}
