// Git queries on a repo of any host, through ctx.exec (each one a ledger entry).
import type { ExecOptions, ExecResult, GateContext } from '../gate.js';

/** Runs `git -C repo ...` on a host. */
export function git(ctx: GateContext, repo: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return ctx.exec('git', ['-C', repo, ...args], options);
}

/** A git failure as one line (the command's last stderr line). */
export function gitError(r: ExecResult): string {
  const line = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.exitCode}`;
  return `${r.command}: ${line}`;
}

/** Full sha of a revision (`rev^{commit}`), or null with the reason. */
export async function revParse(
  ctx: GateContext,
  repo: string,
  rev: string,
  host?: string,
): Promise<{ sha: string | null; exec: ExecResult }> {
  const exec = await git(ctx, repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { host });
  return { sha: exec.exitCode === 0 ? exec.stdout.trim() : null, exec };
}

export type ChangeStatus = 'added' | 'modified' | 'deleted';

export interface Change {
  path: string;
  status: ChangeStatus;
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'modified' };

/** Files that differ between two commits (renames as delete + add). `to` may be omitted for the work tree. */
export async function diffNameStatus(
  ctx: GateContext,
  repo: string,
  from: string,
  to: string | null,
  host?: string,
): Promise<{ changes: Change[] | null; exec: ExecResult }> {
  const exec = await git(ctx, repo, ['diff', '--name-status', '-z', '--no-renames', from, ...(to ? [to] : []), '--'], { host });
  if (exec.exitCode !== 0) return { changes: null, exec };
  const parts = exec.stdout.split('\0');
  const changes: Change[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i].trim();
    if (!code) break;
    changes.push({ path: parts[i + 1], status: STATUS[code[0]] ?? 'modified' });
  }
  return { changes, exec };
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  object: string;
  path: string;
}

/** Every entry of a commit's tree (recursive: blobs, symlinks as 120000 blobs, submodules as commits). */
export async function lsTree(
  ctx: GateContext,
  repo: string,
  commit: string,
  host?: string,
): Promise<{ entries: TreeEntry[] | null; exec: ExecResult }> {
  const exec = await git(ctx, repo, ['ls-tree', '-r', '-z', '--full-tree', commit], { host });
  if (exec.exitCode !== 0) return { entries: null, exec };
  const entries = exec.stdout
    .split('\0')
    .filter((r) => r.length > 0 && r !== '\n')
    .map((rec) => {
      const tab = rec.indexOf('\t');
      const [mode, type, object] = rec.slice(0, tab).replace(/^\n/, '').split(' ');
      return { mode, type: type as TreeEntry['type'], object, path: rec.slice(tab + 1) };
    });
  return { entries, exec };
}

/** sha256 of the named blobs at a commit (one exec: a loop of `git cat-file blob | sha256sum` on the host). */
export async function blobSha256s(
  ctx: GateContext,
  repo: string,
  commit: string,
  paths: string[],
  host?: string,
): Promise<{ hashes: Map<string, string> | null; exec: ExecResult | null; error?: string }> {
  if (paths.length === 0) return { hashes: new Map(), exec: null };
  if (paths.some((p) => p.includes('\n'))) return { hashes: null, exec: null, error: 'a path contains a newline' };
  const script = 'cd "$1" || exit 3\nwhile IFS= read -r p; do git cat-file blob "$2:$p" | sha256sum | cut -c1-64 || exit 4; done';
  const exec = await ctx.exec('sh', ['-c', script, 'sh', repo, commit], { host, input: paths.join('\n') + '\n' });
  const lines = exec.stdout.split('\n').filter(Boolean);
  if (exec.exitCode !== 0 || lines.length !== paths.length) return { hashes: null, exec, error: gitError(exec) };
  return { hashes: new Map(paths.map((p, i) => [p, lines[i]])), exec };
}

/** The text of one blob at a commit (for scanning; binary content arrives mangled and is skipped by the caller). */
export async function readBlob(ctx: GateContext, repo: string, commit: string, path: string, host?: string): Promise<ExecResult> {
  return git(ctx, repo, ['cat-file', 'blob', `${commit}:${path}`], { host });
}

/** Parses `git show --shortstat` numbers: files changed, insertions, deletions. */
export function parseShortstat(text: string): { files: number; insertions: number; deletions: number } {
  const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return { files: n(/(\d+) files? changed/), insertions: n(/(\d+) insertions?\(\+\)/), deletions: n(/(\d+) deletions?\(-\)/) };
}
