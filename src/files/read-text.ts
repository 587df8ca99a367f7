// Reading files of a tree on a host for scanning (local: direct read-only fs; SSH: cat through ctx.exec).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Evidence, GateContext } from '../gate.js';

export interface ListedFile {
  path: string;
  size: number;
}

/** Lists regular files (path relative to root, size) under root on a host, skipping `.git`. One ledger entry. */
export async function listFilesOnHost(
  ctx: GateContext,
  root: string,
  host: string,
): Promise<{ files: ListedFile[] | null; evidence: Evidence; error?: string }> {
  const r = await ctx.exec('sh', ['-c', 'cd "$1" || exit 3\nfind . -path ./.git -prune -o -type f -printf "%s %P\\0"', 'sh', root], {
    host,
  });
  if (r.exitCode !== 0)
    return { files: null, evidence: r.evidence, error: r.exitCode === 3 ? `${root}: no such directory` : r.stderr.trim().slice(0, 300) };
  const files = r.stdout
    .split('\0')
    .filter(Boolean)
    .map((rec) => {
      const sp = rec.indexOf(' ');
      return { size: Number(rec.slice(0, sp)), path: rec.slice(sp + 1) };
    });
  return { files, evidence: r.evidence };
}

/**
 * Reads one file as text. Local hosts read directly (a read is not a side effect, and it keeps file
 * contents out of exec records); SSH hosts go through `cat`, recorded with its output digest only.
 */
export async function readTextOnHost(ctx: GateContext, root: string, path: string, host: string): Promise<string | null> {
  if (ctx.hosts.isLocal(host)) {
    try {
      return await readFile(join(root, path), 'utf8');
    } catch {
      return null;
    }
  }
  const r = await ctx.exec('cat', ['--', `${root}/${path}`], { host });
  return r.exitCode === 0 ? r.stdout : null;
}
