// Input digests for `run --resume`: what a gate read, digested just before it runs and again on resume.
import { createHash } from 'node:crypto';
import type { GateContext, InputDigest } from '../gate.js';
import { anyGlob, DEFAULT_VERIFY_IGNORES } from '../files/glob.js';
import { hashTreeOnHost } from '../files/hash-tree.js';
import { formatManifest } from '../files/manifest.js';
import { catalogDigestOf } from '../observe/db-fingerprint.js';

/** The sha256 of every file under `dir` on the gate's host (caches such as __pycache__ left out), as one digest; throws when unreadable. */
export async function treeInput(ctx: GateContext, dir: string, why: string): Promise<InputDigest> {
  const h = await hashTreeOnHost(ctx, dir, { host: ctx.host, prune: ['.git'] });
  if (!h.hashes) throw new Error(h.error ?? `${dir}: unreadable`);
  const ignored = anyGlob(DEFAULT_VERIFY_IGNORES);
  const kept = new Map([...h.hashes].filter(([p]) => ignored(p) === null));
  return {
    name: `tree ${ctx.hosts.display(ctx.host)}:${dir} (${why}, ${kept.size} files)`,
    sha256: createHash('sha256').update(formatManifest(kept)).digest('hex'),
  };
}

/** The digest of a database's catalog (tables, columns, functions, triggers, roles, memberships, grants): a catalog read's inputs. */
export async function catalogInput(ctx: GateContext, database: string): Promise<InputDigest> {
  const h = ctx.db(database);
  const sha256 = await h.readOnly((tx) => catalogDigestOf(tx as never));
  return { name: `catalog of database ${database} (${h.display})`, sha256 };
}

/** Inputs of a command run in `cwd`: its working tree. Null without a cwd (what it reads cannot be said). */
export async function cwdInputs(ctx: GateContext, cwd: string | undefined): Promise<InputDigest[] | null> {
  return cwd ? [await treeInput(ctx, cwd, 'cwd')] : null;
}
