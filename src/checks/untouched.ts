// The untouched checks: records a sibling tree's git HEAD and tree digest, and compares them with an earlier record.
// Shared by the `untouched` gate and by gates that compose it (predecessor); takes only ctx.
import { textOf } from '../text.js';
import { fail, pass, type Check, type Evidence, type GateContext, type GateResult, hostMessages } from '../gate.js';
import { git } from '../git/git.js';
import { hashTreeOnHost, treeDigest } from '../files/hash-tree.js';
import { hostBlocked } from '../files/host-ready.js';

export interface UntouchedParams {
  path: string;
  /** Expected HEAD (full sha or a prefix of at least 7). */
  expect_head?: string;
  /** An earlier gate (typically G0) whose `head` and `digest` facts must be equal to now. */
  compare_with?: string;
}

export const untouchedMessages = {
  ...hostMessages,
  missing: '{path} does not exist on {host}',
  changed: '{path} changed: {what}',
};

/** JSON Schema of the untouched check's params (the `untouched` gate's `with:`). */
export const untouchedParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { description: 'tree to record (a git checkout or a plain folder)', type: 'string', minLength: 1 },
    expect_head: { description: 'expected HEAD (full sha or a prefix of at least 7)', type: 'string', pattern: '^[0-9a-f]{7,40}$' },
    compare_with: {
      description: 'an earlier gate (typically G0) whose head and digest facts must equal now',
      type: 'string',
      pattern: '^G[0-9]+$',
    },
  },
} as const;

/** Runs the untouched checks through ctx; the `untouched` gate returns this result as its own. */
export async function runUntouched(ctx: GateContext, p: UntouchedParams): Promise<GateResult & { messageId?: string }> {
  const host = ctx.host;
  const unreachable = await hostBlocked(ctx, host);
  if (unreachable) return unreachable;
  const evidence: Evidence[] = [];
  const headR = await git(ctx, p.path, ['rev-parse', '--verify', '-q', 'HEAD'], { host });
  evidence.push(headR.evidence);
  const head = headR.exitCode === 0 ? headR.stdout.trim() : null;
  // .git is left out: git itself rewrites index/stat caches on reads, which is not a change to the tree.
  const h = await hashTreeOnHost(ctx, p.path, { host, prune: ['.git'] });
  evidence.push(h.exec.evidence);
  if (!h.hashes) return fail(`${p.path} does not exist on ${ctx.hosts.display(host)} (${h.error})`, { messageId: 'missing', evidence });
  const digest = treeDigest(h.hashes);
  const facts: Record<string, string | number | boolean | null> = { path: p.path, host, head, digest, files: h.hashes.size };
  const checks: Check[] = [
    {
      id: 'RECORD',
      status: 'INFO',
      text: `${p.path}: HEAD ${head ?? '(not a git repo)'}; ${h.hashes.size} files; tree sha256 ${digest}`,
    },
  ];
  const problems: string[] = [];
  if (p.expect_head) {
    const ok = head !== null && head.startsWith(p.expect_head);
    checks.push({
      id: 'HEAD',
      status: ok ? 'PASS' : 'FAIL',
      text: `HEAD ${head?.slice(0, 12) ?? 'none'} ${ok ? '==' : '!='} expected ${p.expect_head}`,
    });
    if (!ok) problems.push(`HEAD is ${head?.slice(0, 12) ?? 'none'}, expected ${p.expect_head}`);
  }
  if (p.compare_with) {
    const before = {
      head: ctx.facts.get(p.compare_with, 'head'),
      digest: ctx.facts.get(p.compare_with, 'digest'),
      files: ctx.facts.get(p.compare_with, 'files'),
    };
    if (before.digest === undefined) problems.push(`${p.compare_with} recorded no digest to compare with`);
    else {
      const same = before.digest === digest && (before.head ?? null) === head;
      checks.push({
        id: 'SAME',
        status: same ? 'PASS' : 'FAIL',
        text: `vs ${p.compare_with}: HEAD ${textOf(before.head ?? 'none').slice(0, 12)} -> ${head?.slice(0, 12) ?? 'none'}; tree ${textOf(before.digest).slice(0, 12)} -> ${digest.slice(0, 12)}; files ${textOf(before.files)} -> ${h.hashes.size}`,
      });
      if (!same) problems.push(`differs from ${p.compare_with} (${before.digest !== digest ? 'tree content' : 'HEAD'})`);
    }
  }
  // A boolean the macro's forbidden-action rules can test ("Delete v0.4 skeleton" done_if unchanged = false).
  if (p.expect_head || p.compare_with) Object.assign(facts, { unchanged: problems.length === 0 });
  if (problems.length) return fail(`${p.path} changed: ${problems.join('; ')}`, { messageId: 'changed', checks, facts, evidence });
  return pass(
    `${p.path} HEAD ${head?.slice(0, 7) ?? '(no git)'}, ${h.hashes.size} files, tree ${digest.slice(0, 12)}${p.compare_with || p.expect_head ? ' — unchanged' : ''}`,
    { checks, facts, evidence },
  );
}
