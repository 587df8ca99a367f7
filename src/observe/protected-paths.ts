// Protected paths of a target (`protect: {<host>: [paths]}`): full tree digests before the first
// gate and after the last (the manifest hasher), a cheap stat pass after each gate to say which gate
// a change followed, and a diff that names every changed, added or removed file.
// Everything runs through ctx.exec, so SSH hosts work the same way and every look lands in the ledger.
import type { GateContext } from '../gate.js';
import type { LedgerEntry } from '../context/ledger.js';
import { scopePaths } from '../context/sandbox.js';
import { hashTreeOnHost, parseSha256sumZ } from '../files/hash-tree.js';
import type { TargetInfo } from '../gate.js';

/** The part of a gate context the observer needs (the runner may pass an observer context). */
export type ObserverExec = Pick<GateContext, 'exec'>;

/** What one protected path looked like. */
export interface ProtectedRoot {
  exists: boolean;
  /** Relative path ('.' for the root itself) -> fingerprint: a sha256 (digest) or `type mode owner size mtime ctime inode link` (stat). */
  entries: Record<string, string>;
  /** Set when the path could not be read completely (the entries may be partial). */
  error?: string;
}

/** One observation of a host's protected paths. */
export interface ProtectedSnapshot {
  host: string;
  kind: 'digest' | 'stat';
  takenAt: string;
  roots: Record<string, ProtectedRoot>;
  /** Ledger entries of the commands that took it. */
  ledger: number[];
}

/** A difference between two snapshots, named by file. */
export interface ProtectedChange {
  host: string;
  /** The protected path it lies under. */
  root: string;
  /** The file (absolute). */
  path: string;
  change: 'added' | 'removed' | 'modified';
  /** What differs: `content`, `size 10 → 12, mtime`, `directory entries (mtime)`, `type`… */
  what: string;
  /** The gate it followed (the id passed to diffProtected), or `unattributed`. */
  after: string;
}

const join = (root: string, rel: string) => (rel === '.' || rel === '' ? root : `${root.replace(/\/+$/, '')}/${rel}`);

// A protected path that is a single file, or missing: the tree hasher only takes directories.
const FILE_DIGEST =
  'if [ -d "$1" ]; then exit 3; elif [ -f "$1" ]; then exec sha256sum -z -- "$1"; elif [ -e "$1" ] || [ -L "$1" ]; then exit 4; else exit 2; fi';

/** Full sha256 digests of every regular file under each protected path of a host (one hasher run per path). */
export async function digestProtected(ctx: ObserverExec, host: string, paths: string[]): Promise<ProtectedSnapshot> {
  const snap: ProtectedSnapshot = { host, kind: 'digest', takenAt: new Date().toISOString(), roots: {}, ledger: [] };
  for (const root of paths) {
    const tree = await hashTreeOnHost(ctx, root, { host });
    snap.ledger.push(tree.exec.ledgerSeq);
    if (tree.hashes) {
      snap.roots[root] = { exists: true, entries: Object.fromEntries(tree.hashes) };
      continue;
    }
    if (tree.exec.exitCode !== 3) {
      snap.roots[root] = { exists: true, entries: {}, error: tree.error ?? 'unreadable' };
      continue;
    }
    const f = await ctx.exec('sh', ['-c', FILE_DIGEST, 'sh', root], { host });
    snap.ledger.push(f.ledgerSeq);
    if (f.exitCode === 0) {
      const sha = [...parseSha256sumZ(f.stdout).values()][0];
      snap.roots[root] = { exists: true, entries: { '.': sha } };
    } else if (f.exitCode === 2) snap.roots[root] = { exists: false, entries: {} };
    else if (f.exitCode === 4) snap.roots[root] = { exists: true, entries: { '.': 'not a regular file' } };
    else
      snap.roots[root] = {
        exists: true,
        entries: {},
        error: `${root}: not readable (${f.stderr.trim().slice(0, 200) || `exit ${f.exitCode}`})`,
      };
  }
  return snap;
}

// One command per host: for each path a marker (R = present, M = missing), then per file three
// NUL-terminated fields: `type mode uid:gid size mtime ctime inode`, the symlink target, the relative path.
// -H follows a protected path given as a symlink (inside the sandbox, /tmp entries are symlinks).
const STAT_SCRIPT = [
  's=0',
  'for p in "$@"; do',
  '  if [ -e "$p" ] || [ -L "$p" ]; then',
  '    printf \'R\\0%s\\0\' "$p"',
  '    find -H "$p" -printf \'%y %m %U:%G %s %T@ %C@ %i\\0%l\\0%P\\0\' || s=5',
  '  else printf \'M\\0%s\\0\' "$p"; fi',
  'done',
  'exit $s',
].join('\n');

/** A cheap stat pass (type, mode, owner, size, mtime, ctime, inode, link) over every protected path of a host: one command. */
export async function statProtected(ctx: ObserverExec, host: string, paths: string[]): Promise<ProtectedSnapshot> {
  const snap: ProtectedSnapshot = { host, kind: 'stat', takenAt: new Date().toISOString(), roots: {}, ledger: [] };
  if (!paths.length) return snap;
  const r = await ctx.exec('sh', ['-c', STAT_SCRIPT, 'sh', ...paths], { host });
  snap.ledger.push(r.ledgerSeq);
  const tokens = r.stdout.split('\0');
  let cur: ProtectedRoot | null = null;
  for (let i = 0; i < tokens.length - 1;) {
    const t = tokens[i];
    if (t === 'R' || t === 'M') {
      cur = { exists: t === 'R', entries: {} };
      snap.roots[tokens[i + 1]] = cur;
      i += 2;
      continue;
    }
    if (!cur) break;
    const [meta, link, rel] = [t, tokens[i + 1], tokens[i + 2]];
    cur.entries[rel === '' ? '.' : rel] = `${meta} ${link}`;
    i += 3;
  }
  if (r.exitCode !== 0) {
    const why = `stat pass failed (exit ${r.exitCode}): ${r.stderr.trim().slice(0, 300)}`;
    for (const p of paths) (snap.roots[p] ??= { exists: true, entries: {} }).error = why;
  }
  return snap;
}

const STAT_FIELDS = ['type', 'mode', 'owner', 'size', 'mtime', 'ctime', 'inode'];

function whatDiffers(kind: ProtectedSnapshot['kind'], a: string, b: string): { what: string; timesOnly: boolean; dir: boolean } {
  if (kind === 'digest') return { what: 'content', timesOnly: false, dir: false };
  const [fa, fb] = [a.split(' '), b.split(' ')];
  const parts: string[] = [];
  STAT_FIELDS.forEach((name, i) => {
    if (fa[i] === fb[i]) return;
    parts.push(['size', 'mode', 'owner', 'type'].includes(name) ? `${name} ${fa[i]} → ${fb[i]}` : name);
  });
  const linkA = fa.slice(STAT_FIELDS.length).join(' ');
  const linkB = fb.slice(STAT_FIELDS.length).join(' ');
  if (linkA !== linkB) parts.push(`link ${linkA} → ${linkB}`);
  const timesOnly = parts.every((p) => p === 'mtime' || p === 'ctime');
  return { what: parts.join(', '), timesOnly, dir: fa[0] === 'd' && fb[0] === 'd' };
}

/**
 * Names every file that differs between two snapshots of the same kind and host, attributing each
 * change to `gateId` (the gate the later snapshot followed). A directory whose only change is its
 * times is left out when an entry directly inside it was added or removed (that entry is named).
 */
export function diffProtected(before: ProtectedSnapshot, after: ProtectedSnapshot, gateId: string): ProtectedChange[] {
  if (before.kind !== after.kind) throw new Error(`cannot compare a ${before.kind} snapshot with a ${after.kind} snapshot`);
  if (before.host !== after.host) throw new Error(`cannot compare snapshots of hosts ${before.host} and ${after.host}`);
  const out: ProtectedChange[] = [];
  const roots = [...new Set([...Object.keys(before.roots), ...Object.keys(after.roots)])].sort();
  for (const root of roots) {
    const a = before.roots[root] ?? { exists: false, entries: {} };
    const b = after.roots[root] ?? { exists: false, entries: {} };
    const mk = (rel: string, change: ProtectedChange['change'], what: string): ProtectedChange => ({
      host: after.host,
      root,
      path: join(root, rel),
      change,
      what,
      after: gateId,
    });
    const changes: ProtectedChange[] = [];
    const touchedDirs = new Set<string>();
    const parentOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.');
    for (const rel of Object.keys(a.entries)) {
      if (!(rel in b.entries)) {
        changes.push(mk(rel, 'removed', b.exists ? 'removed' : `removed (${root} is gone)`));
        touchedDirs.add(parentOf(rel));
      }
    }
    for (const rel of Object.keys(b.entries)) {
      if (!(rel in a.entries)) {
        changes.push(mk(rel, 'added', a.exists ? 'added' : `added (${root} did not exist)`));
        touchedDirs.add(parentOf(rel));
      }
    }
    const dirTimes: { rel: string; what: string }[] = [];
    for (const [rel, fa] of Object.entries(a.entries)) {
      const fb = b.entries[rel];
      if (fb === undefined || fb === fa) continue;
      const d = whatDiffers(after.kind, fa, fb);
      if (d.dir && d.timesOnly) dirTimes.push({ rel, what: d.what });
      else changes.push(mk(rel, 'modified', d.what));
    }
    // Renames inside a directory show as one removed and one added entry; the directory's own times are noise then.
    for (const { rel, what } of dirTimes)
      if (!touchedDirs.has(rel)) changes.push(mk(rel, 'modified', `directory entries changed (${what})`));
    if ((a.error ?? null) !== (b.error ?? null) && b.error) changes.push(mk('.', 'modified', `could not be read completely: ${b.error}`));
    out.push(...changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)));
  }
  return out;
}

/**
 * Gives each change of the final digest comparison (before the first gate vs after the last) the gate
 * whose stat pass first saw that file change; a change no stat pass saw stays `unattributed`
 * (content rewritten with size and times restored; ctime still moves, so this is rare).
 */
export function attributeChanges(finalChanges: ProtectedChange[], perGate: ProtectedChange[]): ProtectedChange[] {
  return finalChanges.map((c) => {
    const seen = perGate.find((g) => g.host === c.host && g.path === c.path);
    return { ...c, after: seen?.after ?? 'unattributed' };
  });
}

/** A change and the ledger entries that permit it (empty: an observed, unexplained mutation). */
export interface ExplainedChange extends ProtectedChange {
  explainedBy: number[];
}

const covers = (path: string, roots: unknown) =>
  Array.isArray(roots) && roots.some((r) => typeof r === 'string' && (path === r || path.startsWith(`${r.replace(/\/+$/, '')}/`)));

/**
 * Matches each change with the permitted, ledgered actions that explain it: mutating, not refused,
 * scope source/deploy, on the same host, from the gate the change followed (any gate when
 * unattributed), whose sandboxed writable paths — or, for an unsandboxed action, the scope's paths
 * in the target — cover the file.
 */
export function explainChanges(changes: ProtectedChange[], entries: LedgerEntry[], target?: TargetInfo): ExplainedChange[] {
  return changes.map((c) => {
    const by = entries.filter((e) => {
      if (!e.mutating || e.outcome === 'refused' || e.host !== c.host) return false;
      if (e.scope !== 'source' && e.scope !== 'deploy') return false;
      if (c.after !== 'unattributed' && e.gate !== c.after) return false;
      const d = (e.detail ?? {}) as { sandbox?: string; writable?: unknown };
      return d.sandbox === 'bwrap' ? covers(c.path, d.writable) : covers(c.path, scopePaths(target, e.scope).paths);
    });
    return { ...c, explainedBy: by.map((e) => e.seq) };
  });
}
