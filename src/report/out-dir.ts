// The run directory given with --out must be new or empty: anything already there would become a signed subject.
import { readdirSync, statSync } from 'node:fs';
import { errors } from '../errors.js';

/** Throws EOUTDIR (exit 2) unless dir does not exist yet or is an empty directory; call it before anything runs. */
export function assertFreshOutDir(dir: string): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) throw errors.outDirNotFresh(dir, 'it exists and is not a directory');
  const entries = readdirSync(dir).sort();
  if (entries.length === 0) return;
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
  throw errors.outDirNotFresh(dir, `it already holds ${shown}`);
}
