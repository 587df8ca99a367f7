// change-set: what differs between two commits, or what an overlay directory would change in a repo.
import {
  defineGate,
  hostMessages,
  message,
  results,
  type Check,
  type Evidence,
  type FactValue,
  type GateContext,
  type GateResult,
} from '../src/gate.js';
import { blobSha256s, diffNameStatus, git, gitError, lsTree, revParse, type ChangeStatus } from '../src/git/git.js';
import { hashTreeOnHost } from '../src/files/hash-tree.js';
import { byteOrder } from '../src/files/manifest.js';
import { hostBlocked } from '../src/files/host-ready.js';

export interface ChangeSetParams {
  repo: string;
  from?: string;
  to?: string;
  overlay?: string;
  base?: string;
  expect?: { added?: number; modified?: number; deleted?: number; total?: number };
  /** Also FAIL when a listed path is not in the change set, or the change set has a path not listed. */
  files?: string[];
}

export interface ChangedFile {
  path: string;
  status: ChangeStatus | 'unchanged';
  sha256: string;
}

const messages = {
  ...hostMessages,
  counts: 'change set is {actual}; expected {expected}{more}',
  conflict: 'overlay does not apply cleanly: {count} file(s) changed in {repo} since {base} are also in the overlay: {files}{more}',
  listMismatch: 'change set differs from the expected list: {diff}{more}',
  badRev: '{rev} is not a commit of {repo}',
  gitFailed: 'git failed: {error}',
  noOverlay: 'overlay directory {overlay} cannot be read: {error}',
};
const { pass, fail } = results(messages);

const letter: Record<string, string> = { added: 'A', modified: 'M', deleted: 'D', unchanged: '=' };

/** Counts of a change set as `{added, modified, deleted, total}`. */
export function countChanges(files: ChangedFile[]): { added: number; modified: number; deleted: number; total: number } {
  const c = { added: 0, modified: 0, deleted: 0, total: 0 };
  for (const f of files)
    if (f.status !== 'unchanged') {
      c[f.status]++;
      c.total++;
    }
  return c;
}

/** Computes a change set (commit range or overlay) on the gate's host; returns files or a FAIL. */
export async function computeChangeSet(
  ctx: GateContext,
  p: ChangeSetParams,
  host: string,
): Promise<{ files: ChangedFile[]; conflicts: string[]; evidence: Evidence[]; base?: string; from?: string; to?: string } | GateResult> {
  const evidence: Evidence[] = [];
  const resolve = async (rev: string) => {
    const r = await revParse(ctx, p.repo, rev, host);
    evidence.push(r.exec.evidence);
    return r.sha;
  };
  if (p.overlay !== undefined) {
    const base = await resolve(p.base ?? 'HEAD');
    if (!base) return fail({ messageId: 'badRev', data: { rev: p.base ?? 'HEAD', repo: p.repo }, evidence });
    const ov = await hashTreeOnHost(ctx, p.overlay, { host, prune: ['.git'] });
    evidence.push(ov.exec.evidence);
    if (!ov.hashes) return fail({ messageId: 'noOverlay', data: { overlay: p.overlay, error: ov.error }, evidence });
    const tree = await lsTree(ctx, p.repo, base, host);
    evidence.push(tree.exec.evidence);
    if (!tree.entries) return fail({ messageId: 'gitFailed', data: { error: gitError(tree.exec) }, evidence });
    const inBase = new Set(tree.entries.filter((e) => e.type === 'blob').map((e) => e.path));
    const existing = [...ov.hashes.keys()].filter((f) => inBase.has(f));
    const baseHashes = await blobSha256s(ctx, p.repo, base, existing, host);
    if (baseHashes.exec) evidence.push(baseHashes.exec.evidence);
    if (!baseHashes.hashes) return fail({ messageId: 'gitFailed', data: { error: baseHashes.error }, evidence });
    const files: ChangedFile[] = [...ov.hashes].map(([path, sha256]) => ({
      path,
      sha256,
      status: !inBase.has(path) ? 'added' : baseHashes.hashes!.get(path) === sha256 ? 'unchanged' : 'modified',
    }));
    // Applies cleanly only if nothing the overlay touches moved in the repo since base: committed
    // (HEAD vs base), uncommitted (work tree vs base) or untracked.
    const since = await diffNameStatus(ctx, p.repo, base, null, host);
    evidence.push(since.exec.evidence);
    if (!since.changes) return fail({ messageId: 'gitFailed', data: { error: gitError(since.exec) }, evidence });
    const untracked = await git(ctx, p.repo, ['ls-files', '--others', '--exclude-standard', '-z'], { host });
    evidence.push(untracked.evidence);
    const moved = new Set([...since.changes.map((c) => c.path), ...untracked.stdout.split('\0').filter(Boolean)]);
    const conflicts = files
      .filter((f) => moved.has(f.path))
      .map((f) => f.path)
      .sort(byteOrder);
    return { files: files.sort((a, b) => byteOrder(a.path, b.path)), conflicts, evidence, base };
  }
  const from = await resolve(p.from ?? 'HEAD~1');
  if (!from) return fail({ messageId: 'badRev', data: { rev: p.from ?? 'HEAD~1', repo: p.repo }, evidence });
  const to = await resolve(p.to ?? 'HEAD');
  if (!to) return fail({ messageId: 'badRev', data: { rev: p.to ?? 'HEAD', repo: p.repo }, evidence });
  const diff = await diffNameStatus(ctx, p.repo, from, to, host);
  evidence.push(diff.exec.evidence);
  if (!diff.changes) return fail({ messageId: 'gitFailed', data: { error: gitError(diff.exec) }, evidence });
  const present = diff.changes.filter((c) => c.status !== 'deleted').map((c) => c.path);
  const gone = diff.changes.filter((c) => c.status === 'deleted').map((c) => c.path);
  const hTo = await blobSha256s(ctx, p.repo, to, present, host);
  const hFrom = await blobSha256s(ctx, p.repo, from, gone, host);
  for (const h of [hTo, hFrom]) if (h.exec) evidence.push(h.exec.evidence);
  if (!hTo.hashes || !hFrom.hashes) return fail({ messageId: 'gitFailed', data: { error: hTo.error ?? hFrom.error }, evidence });
  const files = diff.changes
    .map((c) => ({
      path: c.path,
      status: c.status,
      sha256: (c.status === 'deleted' ? hFrom.hashes!.get(c.path) : hTo.hashes!.get(c.path)) ?? '',
    }))
    .sort((a, b) => byteOrder(a.path, b.path));
  return { files, conflicts: [], evidence, from, to };
}

export default defineGate<ChangeSetParams>({
  kind: 'change-set',
  summary: 'Lists and counts the files a commit range or an overlay changes, with sha256, and checks the overlay applies cleanly',
  facts: {
    mode: 'overlay or commits',
    base: 'overlay mode: the commit the overlay is compared with',
    from: 'commits mode: the first commit',
    to: 'commits mode: the last commit',
    added: 'files added',
    modified: 'files modified',
    deleted: 'files deleted',
    total: 'files changed',
    unchanged: 'overlay files equal to the base',
    files: 'each changed file: path, status, sha256',
    conflicts: 'overlay paths that conflict with the base',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['repo'],
    properties: {
      repo: { description: 'git repository', type: 'string', minLength: 1 },
      from: { description: 'commits mode: first commit of the range (exclusive)', type: 'string', minLength: 1 },
      to: { description: 'commits mode: last commit of the range (default HEAD)', type: 'string', minLength: 1 },
      overlay: { description: 'overlay mode: a folder laid over the repo', type: 'string', minLength: 1 },
      base: { description: 'overlay mode: commit the overlay is compared with (default HEAD)', type: 'string', minLength: 1 },
      expect: {
        description: 'expected counts: FAIL when any differs',
        type: 'object',
        additionalProperties: false,
        properties: {
          added: { description: 'files added', type: 'integer', minimum: 0 },
          modified: { description: 'files modified', type: 'integer', minimum: 0 },
          deleted: { description: 'files deleted', type: 'integer', minimum: 0 },
          total: { description: 'files changed in all', type: 'integer', minimum: 0 },
        },
      },
      files: {
        description: 'FAIL when a listed path is not in the change set, or the change set has a path not listed',
        type: 'array',
        items: { type: 'string' },
      },
    },
    not: { anyOf: [{ required: ['overlay', 'from'] }, { required: ['overlay', 'to'] }] },
  },
  messages,
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    const cs = await computeChangeSet(ctx, p, host);
    if ('status' in cs) return cs;
    const counts = countChanges(cs.files);
    const changed = cs.files.filter((f) => f.status !== 'unchanged');
    const checks: Check[] = changed.map((f) => ({ status: 'INFO', text: `${letter[f.status]} ${f.path} sha256 ${f.sha256}` }));
    const facts = {
      mode: p.overlay !== undefined ? 'overlay' : 'commits',
      ...(cs.base ? { base: cs.base } : { from: cs.from ?? null, to: cs.to ?? null }),
      ...counts,
      unchanged: cs.files.length - changed.length,
      files: changed.map((f) => ({ path: f.path, status: f.status, sha256: f.sha256 })) as FactValue,
      conflicts: cs.conflicts,
    };
    const described = `${counts.total} files: ${counts.modified} modified, ${counts.added} added, ${counts.deleted} deleted`;
    // `{more}` carries the problems after the first into the summary.
    const problems: { id: 'counts' | 'listMismatch' | 'conflict'; data: Record<string, unknown> }[] = [];
    if (p.expect) {
      const wrong = (['added', 'modified', 'deleted', 'total'] as const).filter(
        (k) => p.expect![k] !== undefined && p.expect![k] !== counts[k],
      );
      const expected = (['modified', 'added', 'deleted', 'total'] as const)
        .filter((k) => p.expect![k] !== undefined)
        .map((k) => `${p.expect![k]} ${k}`)
        .join(', ');
      checks.push({ id: 'COUNTS', status: wrong.length ? 'FAIL' : 'PASS', text: `${described} (expected ${expected})` });
      if (wrong.length) problems.push({ id: 'counts', data: { actual: described, expected } });
    }
    if (p.files) {
      const have = new Set(changed.map((f) => f.path));
      const want = new Set(p.files);
      const diff = [
        ...[...want].filter((f) => !have.has(f)).map((f) => `missing ${f}`),
        ...[...have].filter((f) => !want.has(f)).map((f) => `unexpected ${f}`),
      ];
      checks.push({
        id: 'FILES',
        status: diff.length ? 'FAIL' : 'PASS',
        text: diff.length ? diff.join('; ') : `exactly the ${want.size} listed files`,
      });
      if (diff.length) problems.push({ id: 'listMismatch', data: { diff: diff.join('; ') } });
    }
    if (p.overlay !== undefined) {
      for (const c of cs.conflicts)
        checks.push({
          id: 'CONFLICT',
          status: 'FAIL',
          text: `${c} changed in the repo since ${cs.base!.slice(0, 7)} and is in the overlay`,
        });
      if (!cs.conflicts.length)
        checks.push({
          id: 'APPLY',
          status: 'PASS',
          text: `overlay applies cleanly over ${cs.base!.slice(0, 7)} (no file it touches changed since)`,
        });
      else
        problems.push({
          id: 'conflict',
          data: {
            count: cs.conflicts.length,
            repo: p.repo,
            base: cs.base!.slice(0, 7),
            files: cs.conflicts.join(', '),
          },
        });
    }
    if (problems.length)
      return fail({
        messageId: problems[0].id,
        data: {
          ...problems[0].data,
          more: problems
            .slice(1)
            .map((x) => `; ${message(messages[x.id], { ...x.data, more: '' })}`)
            .join(''),
        },
        checks,
        facts,
        evidence: cs.evidence,
      });
    return pass(described, { checks, facts, evidence: cs.evidence });
  },
});
