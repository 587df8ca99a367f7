// Timing helpers for side-by-side benchmarks (numbers go to bench/RESULTS.md, never into a timed unit test).
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root and the built CLI. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(repoRoot, 'dist', 'src', 'cli.js');

/** One row of bench/RESULTS.md. */
export interface BenchRow {
  name: string;
  baseline: string;
  ours: string;
  oursMs: number | null;
  baselineMs: number | null;
  /** What the goal compares, as text (e.g. `1.15x`, `+1.8 ms a gate`). */
  result: string;
  goal: string;
  met: boolean | null;
  command: string;
  note?: string;
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one call, in ms. */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Interleaves two contenders `runs` times after one warm-up each; prints and returns both medians and the ratio. */
export async function sideBySide(
  label: string,
  runs: number,
  ours: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
  names: [string, string],
): Promise<{ ours: number; baseline: number; ratio: number }> {
  await ours();
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timeIt(ours));
    b.push(await timeIt(baseline));
  }
  const r = { ours: median(a), baseline: median(b), ratio: median(a) / median(b) };
  console.log(
    `${label}: ${names[0]} median ${r.ours.toFixed(1)} ms | ${names[1]} median ${r.baseline.toFixed(1)} ms | ratio ${r.ratio.toFixed(2)}x (runs ${runs})`,
  );
  return r;
}

/** Runs a shell line, throwing on failure. */
export async function sh(line: string, cwd?: string): Promise<string> {
  const r = await execa('sh', ['-c', line], { cwd, reject: false });
  if (r.exitCode !== 0) throw new Error(`${line}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a program, throwing on a non-zero exit. */
export async function run(file: string, args: string[], env?: Record<string, string>): Promise<void> {
  const r = await execa(file, args, { reject: false, env: { CI: 'true', ...env } });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr.slice(-400)}`);
}

/** True when this module is the script node was started with. */
export const isMain = (url: string) => process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1];
