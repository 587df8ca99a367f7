// Hashing every file of a 20,000-file tree: gaterun's hashTreeOnHost (and the in-process hasher)
// vs `find . -type f -print0 | xargs -0 sha256sum`. Usage: node dist/bench/manifest-hash.js [files] [runs]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashTreeLocal, hashTreeOnHost } from '../src/files/hash-tree.js';
import { testContext } from '../tests/helpers/host-context.js';
import { sh, sideBySide } from './lib.js';

const files = Number(process.argv[2] ?? 20000);
const runs = Number(process.argv[3] ?? 7);
const root = mkdtempSync(join(tmpdir(), 'gaterun-bench-hash-'));

try {
  // Source-like sizes: mostly 1–8 KiB, every 50th file 64 KiB.
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${i % 200}`, `s${i % 7}`);
    if (i < 1400) mkdirSync(dir, { recursive: true });
    const size = i % 50 === 0 ? 65536 : 1024 + Math.floor(rnd() * 7168);
    writeFileSync(join(dir, `f${i}.py`), Buffer.alloc(size, `line ${i} ${rnd()}\n`));
  }
  const bytes = await sh(`du -sb "${root}" | cut -f1`);
  console.log(`tree: ${files} files, ${bytes} bytes (page cache warm after the first pass)`);
  const { ctx } = testContext({ runDir: root });
  let n = 0;
  const ours = async () => { const r = await hashTreeOnHost(ctx, root); n = r.hashes!.size; };
  await sideBySide('manifest hash', runs, ours, () => sh(`cd "${root}" && find . -type f -print0 | xargs -0 sha256sum > /dev/null`), ['gaterun hashTreeOnHost', 'find | xargs sha256sum']);
  if (n !== files) throw new Error(`hashed ${n} files, expected ${files}`);
  await sideBySide('manifest hash', runs, () => hashTreeLocal(root, { concurrency: 16 }), () => sh(`cd "${root}" && find . -type f -print0 | xargs -0 sha256sum > /dev/null`), ['in-process hashTreeLocal', 'find | xargs sha256sum']);
} finally {
  rmSync(root, { recursive: true, force: true });
}
