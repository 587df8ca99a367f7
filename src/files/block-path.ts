// Paths in a final-outcome block: relative to the run dir, or `target:<path>` relative to the target's folder.
import { isAbsolute, join } from 'node:path';

/** A path under the run dir or the target's folder, written relative to it (a block must not hold machine paths). */
export function toBlockPath(v: string, roots: { runDir?: string; baseDir?: string }): string {
  if (roots.runDir && v.startsWith(`${roots.runDir}/`)) return v.slice(roots.runDir.length + 1);
  if (roots.baseDir && v.startsWith(`${roots.baseDir}/`)) return `target:${v.slice(roots.baseDir.length + 1)}`;
  return v;
}

/** The file a block path names, for the bundle in `runDir` of a target whose folder is `baseDir`. */
export function fromBlockPath(v: string, roots: { runDir: string; baseDir: string }): string {
  if (v.startsWith('target:')) return join(roots.baseDir, v.slice('target:'.length));
  return isAbsolute(v) ? v : join(roots.runDir, v);
}
