// The precheck checks: the right host, repos at the expected commit and clean, paths present, probes reading expected values.
// Shared by the `precheck` gate and by gates that compose it (predecessor); takes only ctx.
import { textOf } from '../text.js';
import { blocked, fail, message, pass, type Check, type Evidence, type Facts, type GateContext, type GateResult } from '../gate.js';

export interface PrecheckParams {
  hostname?: { equals?: string; matches?: string };
  repos?: { name?: string; path: string; head?: string; branch?: string; clean?: boolean }[];
  paths?: { exist?: string[]; absent?: string[] };
  probes?: { name: string; command: string; cwd?: string; equals: string | number | boolean }[];
  /** `readable`: the target's KB directory exists and can be listed ("KB read OK"). */
  kb?: 'readable';
}

export const precheckMessages = {
  wrongHost: 'host is {got}, expected {want}',
  notRepo: '{path} is not a git repository: {why}',
  head: '{name} HEAD {got}, expected {want}',
  branch: '{name} on branch {got}, expected {want}',
  dirty: '{name} has {n} uncommitted change(s): {files}',
  missing: '{path} does not exist',
  present: '{path} exists but must not',
  probe: 'probe {name} read {got}, expected {want}',
  failed: '{failures}',
};

/** JSON Schema of the precheck check's params (the `precheck` gate's `with:`). */
export const precheckParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hostname: {
      description: 'the host name must equal or match this',
      type: 'object',
      additionalProperties: false,
      properties: {
        equals: { description: 'exact host name', type: 'string' },
        matches: { description: 'regular expression', type: 'string' },
      },
    },
    repos: {
      description: 'git repos that must be at a head/branch and clean',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          name: { description: 'name of the repo in facts (default the path)', type: 'string' },
          path: { description: 'the checkout', type: 'string' },
          head: { description: 'HEAD must be this commit (sha or prefix)', type: 'string', pattern: '^[0-9a-f]{4,40}$' },
          branch: { description: 'the checked-out branch', type: 'string' },
          clean: { description: 'true: no uncommitted changes', type: 'boolean' },
        },
      },
    },
    paths: {
      description: 'paths that must exist or be absent',
      type: 'object',
      additionalProperties: false,
      properties: {
        exist: { description: 'paths that must exist', type: 'array', items: { type: 'string' } },
        absent: { description: 'paths that must not exist', type: 'array', items: { type: 'string' } },
      },
    },
    kb: { description: "readable: the target's KB can be read (KB read OK)", enum: ['readable'] },
    probes: {
      description: 'commands whose trimmed output must equal a value; each output becomes a fact',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'command', 'equals'],
        properties: {
          name: { description: 'the fact the output is stored as', type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          command: { description: 'shell command on the gate host', type: 'string' },
          cwd: { description: 'working directory', type: 'string' },
          equals: { description: 'the trimmed output must equal this', type: ['string', 'number', 'boolean'] },
        },
      },
    },
  },
} as const;

const messages = precheckMessages;

/** Runs the precheck checks through ctx; the `precheck` gate returns this result as its own. */
export async function runPrecheck(ctx: GateContext, p: PrecheckParams): Promise<GateResult & { messageId?: string }> {
  const checks: Check[] = [];
  const facts: Facts = {};
  const evidence: Evidence[] = [];
  const add = (ok: boolean, okText: string, badText: string) => checks.push({ status: ok ? 'PASS' : 'FAIL', text: ok ? okText : badText });

  if (p.hostname) {
    const r = await ctx.exec('uname', ['-n']);
    const got = r.stdout.trim();
    facts.hostname = got;
    evidence.push(r.evidence);
    const want = p.hostname.equals ?? `/${p.hostname.matches}/`;
    const ok =
      (p.hostname.equals === undefined || got === p.hostname.equals) &&
      (p.hostname.matches === undefined || new RegExp(p.hostname.matches).test(got));
    if (!ok) {
      const text = message(messages.wrongHost, { got, want });
      return blocked(`wrong host: ${text}; nothing was attempted`, {
        checks: [{ status: 'FAIL', text }],
        facts,
        evidence,
        messageId: 'wrongHost',
      });
    }
    checks.push({ status: 'PASS', text: `host ${got}` });
  }

  const repos: Facts = {};
  for (const repo of p.repos ?? []) {
    const name = repo.name ?? repo.path;
    const git = (...args: string[]) => ctx.exec('git', ['-C', repo.path, ...args]);
    const head = await git('rev-parse', 'HEAD');
    if (head.exitCode !== 0) {
      evidence.push(head.evidence);
      add(false, '', message(messages.notRepo, { path: repo.path, why: head.stderr.trim().split('\n')[0] }));
      continue;
    }
    const sha = head.stdout.trim();
    const branch = (await git('rev-parse', '--abbrev-ref', 'HEAD')).stdout.trim();
    const status = await git('status', '--porcelain', '--untracked-files=normal');
    const dirty = status.stdout.split('\n').filter(Boolean);
    evidence.push(head.evidence, status.evidence);
    repos[name] = { head: sha, short: sha.slice(0, 7), branch, clean: dirty.length === 0, changes: dirty.length };
    if (repo.head)
      add(
        sha.startsWith(repo.head),
        `${name} HEAD ${sha.slice(0, 7)}`,
        message(messages.head, { name, got: sha.slice(0, 7), want: repo.head }),
      );
    else checks.push({ status: 'INFO', text: `${name} HEAD ${sha.slice(0, 7)}` });
    if (repo.branch)
      add(branch === repo.branch, `${name} on branch ${branch}`, message(messages.branch, { name, got: branch, want: repo.branch }));
    if (repo.clean)
      add(
        dirty.length === 0,
        `${name} clean (no uncommitted changes)`,
        message(messages.dirty, {
          name,
          n: dirty.length,
          files:
            dirty
              .slice(0, 5)
              .map((l) => l.slice(3))
              .join(', ') + (dirty.length > 5 ? ', …' : ''),
        }),
      );
  }
  if (p.repos) facts.repos = repos;

  const paths: Facts = {};
  for (const [want, list] of [
    [true, p.paths?.exist ?? []],
    [false, p.paths?.absent ?? []],
  ] as const) {
    for (const path of list) {
      const r = await ctx.exec('test', ['-e', path]);
      const exists = r.exitCode === 0;
      paths[path] = exists;
      add(exists === want, want ? `${path} exists` : `${path} absent`, message(want ? messages.missing : messages.present, { path }));
    }
  }
  if (p.paths) facts.paths = paths;

  for (const probe of p.probes ?? []) {
    const r = await ctx.shell(probe.command, { cwd: probe.cwd });
    const got = r.stdout.trim();
    evidence.push(r.evidence);
    facts[probe.name] = got;
    const ok = r.exitCode === 0 && got === String(probe.equals);
    add(
      ok,
      `probe ${probe.name} = ${got}`,
      message(messages.probe, {
        name: probe.name,
        got: r.exitCode === 0 ? JSON.stringify(got) : `nothing (exit ${r.exitCode})`,
        want: JSON.stringify(String(probe.equals)),
      }),
    );
  }

  if (p.kb) {
    const dir = (ctx.target.kb as { dir?: string } | undefined)?.dir;
    const r = dir ? await ctx.exec('ls', ['-1', '--', dir]) : null;
    if (r) evidence.push(r.evidence);
    const ok = r?.exitCode === 0;
    facts.kb_readable = ok;
    add(
      ok,
      'KB read OK',
      dir ? `KB ${dir} is not readable: ${r!.stderr.trim().split('\n')[0]}` : 'KB not readable: the target has no kb.dir',
    );
  }

  const failed = checks.filter((c) => c.status === 'FAIL');
  const body = { checks, facts, evidence };
  if (failed.length) return fail(failed.map((c) => c.text).join('; '), { ...body, messageId: 'failed' });
  const parts: string[] = [];
  if (facts.hostname) parts.push(`host ${textOf(facts.hostname)}`);
  for (const [name, r] of Object.entries(repos))
    parts.push(`${name} @ ${(r as { short: string }).short}${(r as { clean: boolean }).clean ? ' clean' : ''}`);
  const nPaths = Object.keys(paths).length;
  if (nPaths) parts.push(`${nPaths}/${nPaths} path checks`);
  for (const probe of p.probes ?? []) parts.push(`${probe.name} = ${textOf(facts[probe.name])}`);
  if (p.kb) parts.push('KB read OK');
  return pass(parts.join('; ') || 'nothing to check', body);
}
