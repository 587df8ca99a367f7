// git-commit: commits the work tree's changes (or an overlay laid over the repo) with a message.
import { repoStateInput } from '../src/checks/input-digest.js';
import { defineGate, hostMessages, results, type Evidence } from '../src/gate.js';
import { git, gitError, parseShortstat } from '../src/git/git.js';
import { hostBlocked } from '../src/files/host-ready.js';

export interface GitCommitParams {
  repo: string;
  message: string;
  /** A directory whose files are copied over the repo before committing (the reconciled overlay). */
  overlay?: string;
  /** Only these paths are staged (default: every change, `git add -A`). */
  paths?: string[];
  author?: { name: string; email: string };
  /** Refuse unless HEAD is this commit before committing (the baseline the change set was built on). */
  expect_parent?: string;
}

const messages = {
  ...hostMessages,
  nothing: 'nothing to commit in {repo}',
  wrongParent: 'HEAD of {repo} is {head}, expected {expected}',
  failed: '{step} failed: {error}',
};
const { pass, fail } = results(messages);

export default defineGate<GitCommitParams>({
  kind: 'git-commit',
  summary: 'Commits working changes or a reconciled overlay and reports the commit, its parent and its shortstat',
  facts: {
    commit: 'the new commit',
    short_sha: 'its short sha',
    parent: 'its parent',
    branch: 'the branch (null when detached)',
    subject: 'the commit subject',
    files_changed: 'files changed',
    insertions: 'lines inserted',
    deletions: 'lines deleted',
    head: 'on FAIL: HEAD before committing',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['repo', 'message'],
    properties: {
      repo: { description: 'git repository', type: 'string', minLength: 1 },
      message: { description: 'commit message', type: 'string', minLength: 1 },
      overlay: {
        description: 'a folder whose files are copied over the repo before committing (the reconciled overlay)',
        type: 'string',
        minLength: 1,
      },
      paths: {
        description: 'only these paths are staged (default every change, git add -A)',
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
      },
      author: {
        description: 'author and committer of the commit (default: the git config of the host)',
        type: 'object',
        additionalProperties: false,
        required: ['name', 'email'],
        properties: {
          name: { description: 'name of author and committer', type: 'string' },
          email: { description: 'email of author and committer', type: 'string' },
        },
      },
      expect_parent: {
        description: 'refuse unless HEAD is this commit (the baseline the change set was built on)',
        type: 'string',
        minLength: 4,
      },
    },
  },
  messages,
  reuse: {
    reads: "the repo's HEAD and status after the commit: reused while the commit it made is still HEAD and nothing new changed",
    digest: async (ctx, p) => [await repoStateInput(ctx, p.repo)],
    after: true,
  },
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    const evidence: Evidence[] = [];
    const head = await git(ctx, p.repo, ['rev-parse', '--verify', 'HEAD'], { host });
    evidence.push(head.evidence);
    if (head.exitCode !== 0) return fail({ messageId: 'failed', data: { step: 'rev-parse HEAD', error: gitError(head) }, evidence });
    const parent = head.stdout.trim();
    if (p.expect_parent && !parent.startsWith(p.expect_parent)) {
      return fail({
        messageId: 'wrongParent',
        data: { repo: p.repo, head: parent.slice(0, 7), expected: p.expect_parent },
        evidence,
        facts: { head: parent },
      });
    }
    const write = { host, mutates: true, scope: 'source' as const };
    if (p.overlay) {
      // `cp -a dir/.` copies the overlay's files (not the directory) over the work tree.
      const cp = await ctx.exec('cp', ['-a', '--', `${p.overlay}/.`, p.repo], write);
      evidence.push(cp.evidence);
      if (cp.exitCode !== 0) return fail({ messageId: 'failed', data: { step: 'copying the overlay', error: cp.stderr.trim() }, evidence });
    }
    const add = await git(ctx, p.repo, ['add', ...(p.paths ? ['--', ...p.paths] : ['-A'])], write);
    evidence.push(add.evidence);
    if (add.exitCode !== 0) return fail({ messageId: 'failed', data: { step: 'git add', error: gitError(add) }, evidence });
    const staged = await git(ctx, p.repo, ['diff', '--cached', '--quiet'], { host });
    if (staged.exitCode === 0) return fail({ messageId: 'nothing', data: { repo: p.repo }, evidence, facts: { head: parent } });
    const identity = p.author ? ['-c', `user.name=${p.author.name}`, '-c', `user.email=${p.author.email}`] : [];
    const commit = await ctx.exec('git', ['-C', p.repo, ...identity, 'commit', '-q', '-m', p.message], write);
    evidence.push(commit.evidence);
    if (commit.exitCode !== 0) return fail({ messageId: 'failed', data: { step: 'git commit', error: gitError(commit) }, evidence });
    const show = await git(ctx, p.repo, ['show', '--shortstat', '--format=%H%n%h%n%P%n%s', 'HEAD'], { host });
    evidence.push(show.evidence);
    const [sha, short, parents, subject] = show.stdout.split('\n');
    const stat = parseShortstat(show.stdout);
    const branch = (await git(ctx, p.repo, ['symbolic-ref', '--short', '-q', 'HEAD'], { host })).stdout.trim() || null;
    const facts = {
      commit: sha,
      short_sha: short,
      parent: parents.split(' ')[0] ?? null,
      branch,
      subject,
      files_changed: stat.files,
      insertions: stat.insertions,
      deletions: stat.deletions,
    };
    return pass(
      `commit ${short} (parent ${parents.slice(0, 7)}): ${stat.files} files, ${stat.insertions} insertions(+), ${stat.deletions} deletions(-)`,
      {
        checks: [
          { id: 'COMMIT', status: 'PASS', text: `${sha} on ${branch ?? 'detached HEAD'}, parent ${parents.split(' ')[0]}: "${subject}"` },
        ],
        facts,
        evidence,
      },
    );
  },
});
