// Manifest hashing of a 20,000-file / ~1 GB tree: gaterun's hashTreeOnHost (through ctx.exec) beside
// `find . -type f -print0 | xargs -0 sha256sum`. Goal ≤ 1.2x.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashTreeOnHost } from '../src/files/hash-tree.js';
import { benchContext } from './context.js';
import { isMain, sh, sideBySide, type BenchRow } from './lib.js';

/** Builds the tree, then alternates both hashers. */
export async function benchManifestHash(files = 20000, totalMiB = 1024, runs = 5): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'gaterun-bench-hash-'));
  try {
    // Mostly source-sized files plus a few large ones, adding up to about totalMiB.
    const big = Math.max(1, Math.floor(files / 100));
    const smallSize = 8 * 1024;
    const bigSize = Math.max(smallSize, Math.floor((totalMiB * 1024 * 1024 - (files - big) * smallSize) / big));
    const smallBuf = Buffer.alloc(smallSize, 'import os\nprint("gaterun bench")\n');
    const bigBuf = Buffer.alloc(bigSize, 'x');
    for (let i = 0; i < files; i++) {
      const dir = join(root, `d${i % 200}`, `s${i % 7}`);
      if (i < 1400) mkdirSync(dir, { recursive: true });
      const buf = i % 100 === 0 ? bigBuf : smallBuf;
      buf.write(`${i}`, 0); // every file different
      writeFileSync(join(dir, `f${i}.py`), buf);
    }
    const bytes = Number(await sh(`du -sb "${root}" | cut -f1`));
    const ctx = benchContext(root);
    let n = 0;
    const r = await sideBySide(
      'manifest hash',
      runs,
      async () => {
        const h = await hashTreeOnHost(ctx, root);
        n = h.hashes!.size;
      },
      () => sh(`cd "${root}" && find . -type f -print0 | xargs -0 sha256sum > /dev/null`),
      ['gaterun hashTreeOnHost', 'find | xargs sha256sum'],
    );
    if (n !== files) throw new Error(`hashed ${n} files, expected ${files}`);
    return [
      {
        name: `manifest hashing, ${files} files / ${(bytes / 1024 ** 3).toFixed(2)} GB`,
        baseline: '`find -print0 | xargs -0 sha256sum`',
        ours: `${r.ours.toFixed(0)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${r.ratio.toFixed(2)}x`,
        goal: '≤ 1.2x',
        met: r.ratio <= 1.2,
        command: 'node dist/bench/manifest-hash.js',
        note: 'page cache warm after the warm-up pass',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchManifestHash(Number(process.argv[2] ?? 20000), Number(process.argv[3] ?? 1024)));
