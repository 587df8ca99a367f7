// Byte-level snapshots of a local directory tree (names, modes, sizes, sha256) for "untouched" checks.
import { run } from './run.js';

/** Every entry under dir with type, mode, size and (for files) sha256, sorted; equal snapshots = byte-identical trees. */
export async function snapshotTree(dir: string): Promise<string> {
  return run('sh', [
    '-c',
    'cd "$1" && find . -printf "%y %m %s %p\\n" | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum',
    'sh',
    dir,
  ]);
}
