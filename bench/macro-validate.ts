// `gaterun plan` of macros with 5k / 20k / 40k unknown keys and of a 10 MB macro, beside `gaterun plan` of a valid
// one-gate macro (start-up) in the same session. Linear means the cost per extra key stays the same: the slope
// from 20k to 40k over the slope from 5k to 20k is ≈ 1 (quadratic: 60/25 = 2.4; main before issue 13 took
// 1.8 s / 12.3 s / 52.5 s, slopes 0.70 and 2.01 ms a key: 2.9). Slopes cancel the start-up, which varies a lot here.
// Usage: node dist/bench/macro-validate.js [runs]
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, isMain, median, timeIt, type BenchRow } from './lib.js';

const HEAD =
  'id: B\nmacro: bench\ntitle: bench\noutcome: B_OK\ngates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "true" }\n';

/** `gaterun plan file`; the exit code must be the expected one (2 for an invalid macro), else the bench fails. */
async function plan(file: string, want: number): Promise<void> {
  const r = await execa('node', [cli, 'plan', file], { reject: false, env: { CI: 'true' } });
  if (r.exitCode !== want) throw new Error(`plan ${file}: exit ${r.exitCode}, expected ${want}: ${r.stderr.slice(-300)}`);
  if (want === 2 && !/… and \d+ more problems/.test(r.stderr)) throw new Error(`plan ${file}: the problem list is not capped`);
}

/** Times plan at three sizes and on a 10 MB file; rows for RESULTS.md. */
export async function benchMacroValidate(runs = 3): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-plan-'));
  try {
    const valid = join(dir, 'valid.yaml');
    writeFileSync(valid, HEAD);
    const sizes = [5000, 20000, 40000];
    const files = sizes.map((n) => {
      const f = join(dir, `keys-${n}.yaml`);
      writeFileSync(f, HEAD + Array.from({ length: n }, (_, i) => `unknown_key_${i}: v\n`).join(''));
      return f;
    });
    const big = join(dir, 'ten-mb.yaml');
    const value = 'x'.repeat(100);
    let text = HEAD;
    for (let i = 0; text.length < 10 * 1024 * 1024; i++) text += `unknown_key_${i}: ${value}\n`;
    writeFileSync(big, text);

    await plan(valid, 0); // warm-up
    const base: number[] = [];
    const times: number[][] = sizes.map(() => []);
    for (let r = 0; r < runs; r++) {
      base.push(await timeIt(() => plan(valid, 0)));
      for (let i = 0; i < sizes.length; i++) times[i].push(await timeIt(() => plan(files[i], 2)));
    }
    const t0 = median(base);
    const t = times.map(median);
    const tBig = await timeIt(() => plan(big, 2));
    const slope1 = (t[1] - t[0]) / (sizes[1] - sizes[0]);
    const slope2 = (t[2] - t[1]) / (sizes[2] - sizes[1]);
    const ratio = slope2 / slope1;
    console.log(
      `plan: valid ${t0.toFixed(0)} ms; ${sizes.map((n, i) => `${n} keys ${t[i].toFixed(0)} ms`).join('; ')}; 10 MB ${tBig.toFixed(0)} ms; slope 20k→40k / slope 5k→20k = ${ratio.toFixed(2)}`,
    );
    const command = 'node dist/bench/macro-validate.js';
    return [
      ...sizes.map((n, i) => ({
        name: `\`gaterun plan\` of a macro with ${n / 1000}k unknown keys (exit 2, 50 listed + count)`,
        baseline: '`gaterun plan` of a valid one-gate macro',
        ours: `${t[i].toFixed(0)} ms`,
        oursMs: t[i],
        baselineMs: t0,
        result: `${((t[i] - t0) / 1000).toFixed(2)} s above start-up`,
        goal: 'report',
        met: null,
        command,
      })),
      {
        name: 'growth of `gaterun plan`: ms per extra key from 20k to 40k over ms per key from 5k to 20k',
        baseline: 'linear: 1, quadratic: 2.4',
        ours: `${(slope2 * 1000).toFixed(0)} / ${(slope1 * 1000).toFixed(0)} ms per 1000 keys`,
        oursMs: t[2],
        baselineMs: t[0],
        result: `${ratio.toFixed(2)}x`,
        goal: '≤ 1.5x (linear)',
        met: ratio <= 1.5,
        command,
        note: 'main before issue 13: 1.8 s at 5k, 12.3 s at 20k, 52.5 s at 40k keys, i.e. 700 then 2010 ms per 1000 keys (2.9x)',
      },
      {
        name: '`gaterun plan` of a 10 MB macro (~80k unknown keys with 100-byte values)',
        baseline: '—',
        ours: `${tBig.toFixed(0)} ms`,
        oursMs: tBig,
        baselineMs: null,
        result: `${(tBig / 1000).toFixed(1)} s`,
        goal: '< 20 s',
        met: tBig < 20000,
        command,
        note: 'one run',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchMacroValidate(Number(process.argv[2] ?? 3)));
