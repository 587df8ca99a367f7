// deploy: side by side on a host — sha-verified transfer, staged extraction and tests, backup + promote, verify.
import { defineGate, hostMessages, results, type Check, type Evidence, type GateContext, type GateResult } from '../src/gate.js';
import { readManifest, verifyTree } from '../src/deploy/verify-tree.js';
import { parseTestCounts, type TestCounts } from '../src/test-counts.js';
import { DEFAULT_VERIFY_IGNORES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';

export interface DeployParams {
  /** Local path of the artifact (the artifact gate's `path` fact). */
  artifact: string;
  /** Expected sha256 of the artifact (the artifact gate's `sha256` fact); checked before and after transfer. */
  sha256?: string;
  /** Local path of the DEPLOY-MANIFEST the staged and promoted trees must match. */
  manifest: string;
  /** The live directory on the host. */
  dir: string;
  tests?: { command: string; timeout?: number; expect_ran?: number };
  ignore?: string[];
}

const messages = {
  ...hostMessages,
  shaMismatch: 'artifact sha256 {actual} is not the expected {expected} ({where})',
  transfer: 'transfer to {host} failed: {error}',
  staging: 'staging failed: {error}',
  stagedTree: 'staged tree does not match the manifest: {line}; {problems}',
  stagedTests: 'staged tests did not pass: {detail}; live tree untouched',
  aborted: 'interrupted before promote; live tree untouched (staging left at {staged})',
  promote: 'promote failed: {error}',
  promotedTree: 'promoted tree does not match the manifest ({line}); {restore}',
  precondition: '{error}',
  unreadable: 'cannot read the artifact {artifact}: {error}',
  hostPrecondition: '{where}: {error}',
};
const { pass, fail } = results(messages);

/** UTC `yyyymmddThhmmssZ` of a date. */
export function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

// The two renames run in one shell on the host, so the live path is missing only between them
// (no `mv --exchange` before coreutils 9.5); if the second fails the first is undone.
const PROMOTE = `set -u
live=$1; backup=$2; staged=$3
if [ -e "$live" ]; then mv -T -- "$live" "$backup" || exit 10; fi
if ! mv -T -- "$staged" "$live"; then
  if [ -e "$backup" ]; then mv -T -- "$backup" "$live"; fi
  exit 11
fi`;

const RESTORE = `set -u
live=$1; backup=$2; failed=$3
mv -T -- "$live" "$failed" && { [ ! -e "$backup" ] || mv -T -- "$backup" "$live"; }`;

function testDetail(r: { exitCode: number | null; timedOut: boolean }, counts: TestCounts | null): string {
  const ran =
    counts === null
      ? 'no test summary found'
      : `${counts.passed}/${counts.total} passed (${counts.failed} failed, ${counts.errors} errors)`;
  return `${ran}; exit ${r.timedOut ? 'timeout' : r.exitCode}`;
}

/** Deploys an artifact side by side into `dir` on ctx.host (see DeployParams); exported for reuse by macros' gates. */
export async function deploy(ctx: GateContext, p: DeployParams): Promise<GateResult> {
  const host = ctx.host;
  const where = ctx.hosts.display(host);
  const evidence: Evidence[] = [];
  const checks: Check[] = [];
  const deployTs = utcStamp(new Date());
  const backup = `${p.dir}.pre-${ctx.run.macroId.toLowerCase()}-${deployTs}`;
  const staged = `${p.dir}.staging-${deployTs}`;
  const incoming = `${p.dir}.incoming-${deployTs}.tar.gz`;
  const write = { host, mutates: true, scope: 'deploy' as const };
  const facts: Record<string, string | number | boolean | null | Record<string, string | number | boolean | null>> = {
    host,
    dir: p.dir,
    deploy_ts: deployTs,
    backup: null,
    promoted: null,
  };
  const out = (r: GateResult) => ({ ...r, checks, facts: { ...facts, ...r.facts }, evidence });
  // An abort (timeout, SIGINT) makes every later exec fail; say so instead of blaming the step that saw it.
  const interrupted = () => (ctx.signal.aborted ? out(fail({ messageId: 'aborted', data: { staged } })) : null);
  const cleanup = async () => {
    const r = await ctx.exec('rm', ['-rf', '--', staged, incoming], write);
    evidence.push({ ...r.evidence, title: 'remove staging and incoming artifact' });
  };

  // 1. What is being shipped: local sha256 against the expected one, and the manifest.
  const local = await ctx.exec('sha256sum', ['--', p.artifact], { host: 'local' });
  evidence.push(local.evidence);
  const localSha = local.stdout.slice(0, 64);
  if (local.exitCode !== 0) return out(fail({ messageId: 'unreadable', data: { artifact: p.artifact, error: local.stderr.trim() } }));
  if (p.sha256 && p.sha256 !== localSha)
    return out(fail({ messageId: 'shaMismatch', data: { actual: localSha, expected: p.sha256, where: 'local' } }));
  facts.artifact_sha256 = localSha;
  const m = await readManifest(ctx, p.manifest, 'local');
  evidence.push(m.evidence);
  if (!m.manifest) return out(fail({ messageId: 'precondition', data: { error: m.error } }));

  // 2. Preconditions on the host: parent exists, our side paths are free.
  const pre = await ctx.exec(
    'sh',
    [
      '-c',
      'p=$(dirname -- "$1"); [ -d "$p" ] || { echo "parent directory $p does not exist"; exit 1; }; for x in "$2" "$3" "$4"; do [ ! -e "$x" ] || { echo "$x already exists"; exit 1; }; done; [ -d "$1" ] && echo live || echo none',
      'sh',
      p.dir,
      backup,
      staged,
      incoming,
    ],
    { host },
  );
  evidence.push(pre.evidence);
  if (pre.exitCode !== 0)
    return out(fail({ messageId: 'hostPrecondition', data: { where, error: pre.stdout.trim() || pre.stderr.trim() } }));
  const hadLive = pre.stdout.trim() === 'live';

  // 3. Transfer and verify the bytes on the host.
  try {
    await ctx.hosts.copy(p.artifact, host, incoming, { mutates: true, scope: 'deploy' });
  } catch (e) {
    if (interrupted()) return interrupted()!;
    return out(fail({ messageId: 'transfer', data: { host: where, error: (e as Error).message } }));
  }
  const remote = await ctx.exec('sha256sum', ['--', incoming], { host });
  if (interrupted()) return interrupted()!;
  evidence.push(remote.evidence);
  const remoteSha = remote.stdout.slice(0, 64);
  checks.push({
    id: 'TRANSFER',
    status: remoteSha === localSha ? 'PASS' : 'FAIL',
    text: `sha256 on ${where} ${remoteSha || '(unreadable)'} ${remoteSha === localSha ? '==' : '!='} local ${localSha}`,
  });
  if (remoteSha !== localSha) {
    await cleanup();
    return out(
      fail({
        messageId: 'shaMismatch',
        data: { actual: remoteSha || '(unreadable)', expected: localSha, where: `${where} after transfer` },
      }),
    );
  }

  // 4. Stage next to the live dir (same filesystem, so promote is a rename) and check it is exactly the manifest.
  const x = await ctx.exec('sh', ['-c', 'mkdir -- "$2" && tar -xzf "$1" -C "$2"', 'sh', incoming, staged], write);
  evidence.push(x.evidence);
  if (interrupted()) return interrupted()!;
  if (x.exitCode !== 0) {
    await cleanup();
    return out(fail({ messageId: 'staging', data: { error: x.stderr.trim().slice(0, 300) } }));
  }
  const sv = await verifyTree(ctx, staged, m.manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
  evidence.push(sv.evidence);
  if (interrupted()) return interrupted()!;
  checks.push({ id: 'STAGED', status: sv.exact ? 'PASS' : 'FAIL', text: `staged tree ${sv.line}` });
  if (!sv.exact) {
    await cleanup();
    return out(fail({ messageId: 'stagedTree', data: { line: sv.line, problems: sv.problems.slice(0, 10).join(', ') } }));
  }

  // 5. The staged tree's own tests; no pass, no promote.
  if (p.tests) {
    const t = await ctx.exec('sh', ['-c', p.tests.command], {
      host,
      cwd: staged,
      timeout: p.tests.timeout,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    evidence.push({ ...t.evidence, title: `staged tests: ${p.tests.command}` });
    if (interrupted()) return interrupted()!;
    const counts = parseTestCounts(`${t.stdout}\n${t.stderr}`);
    facts.staged_tests = {
      runner: counts?.format ?? 'unknown',
      ran: counts?.total ?? null,
      passed: counts?.passed ?? null,
      failed: counts?.failed ?? null,
      errors: counts?.errors ?? null,
      exit_code: t.exitCode,
    };
    const wantRan = p.tests.expect_ran;
    // As in the tests gate: no parsable count is no proof that the tests passed.
    const ok =
      t.exitCode === 0 && counts !== null && counts.failed + counts.errors === 0 && (wantRan === undefined || counts.total === wantRan);
    checks.push({
      id: 'STAGED-TESTS',
      status: ok ? 'PASS' : 'FAIL',
      text: `${testDetail(t, counts)}${wantRan !== undefined ? ` (expected ${wantRan} ran)` : ''}`,
    });
    if (!ok) {
      await cleanup();
      return out(fail({ messageId: 'stagedTests', data: { detail: testDetail(t, counts) } }));
    }
  }
  if (interrupted()) return interrupted()!;

  // 6. Backup (rename) and promote (rename).
  const pr = await ctx.exec('sh', ['-c', PROMOTE, 'sh', p.dir, backup, staged], write);
  evidence.push({ ...pr.evidence, title: 'backup + promote' });
  if (pr.exitCode !== 0) {
    await cleanup();
    return out(
      fail({
        messageId: 'promote',
        data: {
          error: `${pr.exitCode === 10 ? 'could not move the live tree to the backup' : 'could not move the staged tree into place; live tree restored'}: ${pr.stderr.trim()}`,
        },
      }),
    );
  }
  facts.backup = hadLive ? backup : null;
  checks.push({
    id: 'PROMOTE',
    status: 'PASS',
    text: hadLive ? `backup ${backup}; promoted ${staged} -> ${p.dir}` : `no live tree before; promoted ${staged} -> ${p.dir}`,
  });

  // 7. The promoted tree must be exactly the manifest; otherwise put the backup back.
  const pv = await verifyTree(ctx, p.dir, m.manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
  evidence.push(pv.evidence);
  facts.promoted = pv.line.replace(' sha256 match', '');
  facts.matched = pv.comparison?.matched ?? 0;
  facts.total = pv.comparison?.total ?? m.manifest.size;
  checks.push({
    id: 'VERIFY',
    status: pv.exact ? 'PASS' : 'FAIL',
    text: `promoted tree ${pv.line}${pv.problems.length ? `: ${pv.problems.slice(0, 10).join(', ')}` : ''}`,
  });
  if (!pv.exact) {
    const failedDir = `${p.dir}.failed-${deployTs}`;
    const rs = await ctx.exec('sh', ['-c', RESTORE, 'sh', p.dir, backup, failedDir], write);
    evidence.push({ ...rs.evidence, title: 'restore the backup' });
    facts.restored = rs.exitCode === 0;
    return out(
      fail({
        messageId: 'promotedTree',
        data: {
          line: pv.line,
          restore: rs.exitCode === 0 ? `restored the backup, failed tree kept at ${failedDir}` : 'RESTORE FAILED: ' + rs.stderr.trim(),
        },
      }),
    );
  }
  const rm = await ctx.exec('rm', ['-f', '--', incoming], write);
  evidence.push(rm.evidence);
  return out(pass(`deployed ${localSha.slice(0, 8)}… to ${where}:${p.dir}; ${pv.line}${hadLive ? `; backup ${backup}` : ''}`));
}

export default defineGate<DeployParams>({
  kind: 'deploy',
  summary: 'Deploys an artifact side by side: sha-verified transfer, staged tests, backup + atomic promote, manifest check',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['artifact', 'manifest', 'dir'],
    properties: {
      artifact: { type: 'string', minLength: 1 },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      manifest: { type: 'string', minLength: 1 },
      dir: { type: 'string', pattern: '^/.+[^/]$' },
      tests: {
        type: 'object',
        additionalProperties: false,
        required: ['command'],
        properties: {
          command: { type: 'string', minLength: 1 },
          timeout: { type: 'number', exclusiveMinimum: 0 },
          expect_ran: { type: 'integer', minimum: 0 },
        },
      },
      ignore: { type: 'array', items: { type: 'string' } },
    },
  },
  messages,
  async run(ctx, p) {
    const unreachable = await hostBlocked(ctx, ctx.host);
    if (unreachable) return unreachable;
    return deploy(ctx, p);
  },
});
