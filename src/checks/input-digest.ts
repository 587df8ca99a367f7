// Input digests for `run --resume`: what a gate read, digested just before it runs and again on resume.
import { createHash } from 'node:crypto';
import type { GateContext, InputDigest } from '../gate.js';
import { anyGlob, DEFAULT_VERIFY_IGNORES } from '../files/glob.js';
import { hashTreeOnHost } from '../files/hash-tree.js';
import { git } from '../git/git.js';
import { formatManifest } from '../files/manifest.js';
import { catalogDigestOf } from '../observe/db-fingerprint.js';

/** The sha256 of every file under `dir` on the gate's host but .git (caches such as __pycache__ left out unless kept), as one digest; throws when unreadable. */
export async function treeInput(ctx: GateContext, dir: string, why: string, o: { keepCaches?: boolean } = {}): Promise<InputDigest> {
  const h = await hashTreeOnHost(ctx, dir, { host: ctx.host, prune: ['.git'] });
  if (!h.hashes) throw new Error(h.error ?? `${dir}: unreadable`);
  const ignored = anyGlob(o.keepCaches ? [] : DEFAULT_VERIFY_IGNORES);
  const kept = new Map([...h.hashes].filter(([p]) => ignored(p) === null));
  const manifest = formatManifest(kept);
  return {
    name: `tree ${ctx.hosts.display(ctx.host)}:${dir} (${why}, ${kept.size} files)`,
    sha256: createHash('sha256').update(manifest).digest('hex'),
    manifest,
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

/** The state a commit leaves in a repo: HEAD and the working-tree status (git-commit's after-state). */
export async function repoStateInput(ctx: GateContext, repo: string): Promise<InputDigest> {
  const head = await git(ctx, repo, ['rev-parse', 'HEAD']);
  // --no-optional-locks: status must not try to refresh the index (the read-only sandbox refuses the write).
  const status = await git(ctx, repo, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (head.exitCode !== 0 || status.exitCode !== 0)
    throw new Error(`${repo}: ${(head.exitCode ? head : status).stderr.trim().split('\n').pop()}`);
  return {
    name: `repo ${ctx.hosts.display(ctx.host)}:${repo} (HEAD ${head.stdout.trim().slice(0, 12)} and its status)`,
    sha256: createHash('sha256').update(`${head.stdout.trim()}\n${status.stdout}`).digest('hex'),
  };
}

/** The tree object of a commit (`git rev-parse <commit>^{tree}`): what an artifact of that commit is made of. */
export async function commitTreeInput(ctx: GateContext, repo: string, commit: string): Promise<InputDigest> {
  const r = await git(ctx, repo, ['rev-parse', '--verify', `${commit}^{tree}`]);
  if (r.exitCode !== 0) throw new Error(`${commit}: ${r.stderr.trim().split('\n').pop()}`);
  return { name: `tree of commit ${commit.slice(0, 12)} in ${repo}`, sha256: createHash('sha256').update(r.stdout.trim()).digest('hex') };
}
