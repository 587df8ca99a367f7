// sha256 of every file of a tree: on any host through ctx.exec (find | xargs sha256sum), or
// in-process for local trees (streaming, bounded concurrency).
import type { ExecResult, GateContext } from '../gate.js';
import { formatManifest } from './manifest.js';
import { sha256Hex } from './sha256.js';

export interface HashTreeResult {
  /** path relative to the root -> sha256 hex; null when the tree could not be read. */
  hashes: Map<string, string> | null;
  exec: ExecResult;
  error?: string;
}

// Parallel sha256sum over batches; -z keeps any file name intact (no escaping, NUL-terminated).
// Each batch writes its own file: parallel writers on one pipe interleave their 4 KiB buffers and
// split records. `nproc` may be missing on a minimal host, hence the fallback.
const HASH_SCRIPT = [
  'cd "$1" || exit 3',
  'shift',
  'T=$(mktemp -d) || exit 4',
  'trap \'rm -rf "$T"\' EXIT',
  'P=$(nproc 2>/dev/null || echo 2)',
  'find . "$@" -type f -print0 | xargs -0 -r -P "$P" -n 1000 sh -c \'sha256sum -z -- "$@" > "$0/$$"\' "$T" || exit 5',
  'cat "$T"/* 2>/dev/null',
  'exit 0',
].join('\n');

/** Parses `sha256sum -z` output into a map (leading `./` removed). */
export function parseSha256sumZ(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of stdout.split('\0')) {
    if (rec === '' || rec === '\n') continue;
    const m = /^\n?([0-9a-f]{64}) [ *]([\s\S]+)$/.exec(rec);
    if (!m) throw new Error(`unexpected sha256sum output: ${rec.slice(0, 80)}`);
    out.set(m[2].replace(/^\.\//, ''), m[1]);
  }
  return out;
}

/** Hashes every regular file under `root` on a host; `prune` names directories to skip (e.g. `.git`). One ledger entry. */
export async function hashTreeOnHost(
  ctx: Pick<GateContext, 'exec'>,
  root: string,
  options: { host?: string; prune?: string[] } = {},
): Promise<HashTreeResult> {
  const pruneArgs = (options.prune ?? [])
    .flatMap((d, i) => [...(i ? ['-o'] : ['(']), '-path', `./${d}`])
    .concat(options.prune?.length ? [')', '-prune', '-o'] : []);
  const exec = await ctx.exec('sh', ['-c', HASH_SCRIPT, 'sh', root, ...pruneArgs], { host: options.host });
  if (exec.exitCode !== 0)
    return {
      hashes: null,
      exec,
      error:
        exec.exitCode === 3
          ? `${root}: no such directory`
          : `hashing ${root} failed (exit ${exec.exitCode}): ${exec.stderr.trim().slice(0, 300)}`,
    };
  return { hashes: parseSha256sumZ(exec.stdout), exec };
}

/** Digest of a whole tree: sha256 over its manifest text (sorted `<sha256>  <path>` lines). */
export function treeDigest(hashes: Map<string, string>): string {
  return sha256Hex(formatManifest(hashes));
}
