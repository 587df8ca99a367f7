// deploy: side by side on a host — sha-verified transfer, staged extraction and tests, backup + promote, verify.
import { defineGate, fail, pass, type Check, type Evidence, type GateContext, type GateResult, hostMessages } from '../src/gate.js';
import { readManifest, verifyTree } from '../src/deploy/verify-tree.js';
import { parseTestCounts, type TestCounts } from '../src/test-counts.js';
import { DEFAULT_VERIFY_IGNORES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';
import { describeSwitch, linkNameFor, switchLive } from '../src/deploy/switch-live.js';

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
  stagedTests: '{detail}; live tree untouched',
  aborted: 'interrupted before promote; live tree untouched',
  promote: 'promote failed: {error}',
  promotedTree: 'promoted tree does not match the manifest ({line}); restored the backup',
  precondition: '{error}',
};

/** UTC `yyyymmddThhmmssZ` of a date. */
export function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function testDetail(r: { exitCode: number | null; timedOut: boolean }, counts: TestCounts | null): string {
  const ran =
    counts === null
      ? 'no test summary found'
      : `${counts.passed}/${counts.total} passed (${counts.failed} failed, ${counts.errors} errors)`;
  return `${ran}; exit ${r.timedOut ? 'timeout' : r.exitCode}`;
}

/** Why staged tests did not pass, naming only what is wrong: a count short of `expect_ran` is not a failed test. */
export function stagedTestsProblem(
  r: { exitCode: number | null; timedOut: boolean },
  counts: TestCounts | null,
  expectRan: number | undefined,
): string | null {
  if (r.exitCode === 0 && !r.timedOut && counts !== null && counts.failed + counts.errors === 0) {
    if (expectRan === undefined || counts.total === expectRan) return null;
    return `staged tests: ${counts.total} test${counts.total === 1 ? '' : 's'} ran, ${expectRan} expected (all that ran passed; exit 0)`;
  }
  return `staged tests did not pass: ${testDetail(r, counts)}`;
}

/** Deploys an artifact side by side into `dir` on ctx.host (see DeployParams); exported for reuse by macros' gates. */
export async function deploy(ctx: GateContext, p: DeployParams): Promise<GateResult> {
  const host = ctx.host;
  const where = ctx.hosts.display(host);
  const evidence: Evidence[] = [];
  const checks: Check[] = [];
  const deployTs = utcStamp(new Date());
  const backup = `${p.dir}.pre-${ctx.run.macroId.toLowerCase()}-${deployTs}`;
  // The tree is unpacked beside the live path (same filesystem) and, once it passes, the live symlink points at it.
  const staged = `${p.dir}.release-${deployTs}`;
  const link = linkNameFor(p.dir, deployTs);
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
  const interrupted = () =>
    ctx.signal.aborted
      ? out(fail(`interrupted before promote; live tree untouched (staging left at ${staged})`, { messageId: 'aborted' }))
      : null;
  const cleanup = async () => {
    const r = await ctx.exec('rm', ['-rf', '--', staged, incoming], write);
    evidence.push({ ...r.evidence, title: 'remove staging and incoming artifact' });
  };

  // 1. What is being shipped: local sha256 against the expected one, and the manifest.
  const local = await ctx.exec('sha256sum', ['--', p.artifact], { host: 'local' });
  evidence.push(local.evidence);
  const localSha = local.stdout.slice(0, 64);
  if (local.exitCode !== 0)
    return out(fail(`cannot read the artifact ${p.artifact}: ${local.stderr.trim()}`, { messageId: 'precondition' }));
  if (p.sha256 && p.sha256 !== localSha)
    return out(fail(`artifact sha256 ${localSha} is not the expected ${p.sha256} (local)`, { messageId: 'shaMismatch' }));
  facts.artifact_sha256 = localSha;
  const m = await readManifest(ctx, p.manifest, 'local');
  evidence.push(m.evidence);
  if (!m.manifest) return out(fail(m.error!, { messageId: 'precondition' }));

  // 2. Preconditions on the host: parent exists, our side paths are free.
  const pre = await ctx.exec(
    'sh',
    [
      '-c',
      'p=$(dirname -- "$1"); [ -d "$p" ] || { echo "parent directory $p does not exist"; exit 1; }; for x in "$2" "$3" "$4" "$5"; do [ ! -e "$x" ] && [ ! -L "$x" ] || { echo "$x already exists"; exit 1; }; done; if [ -d "$1" ]; then echo live; elif [ -e "$1" ]; then echo "$1 exists but is not a directory"; exit 1; else echo none; fi',
      'sh',
      p.dir,
      backup,
      staged,
      incoming,
      link,
    ],
    { host },
  );
  evidence.push(pre.evidence);
  if (pre.exitCode !== 0) return out(fail(`${where}: ${pre.stdout.trim() || pre.stderr.trim()}`, { messageId: 'precondition' }));

  // 3. Transfer and verify the bytes on the host.
  ctx.log.info(`copying ${p.artifact} to ${where}`);
  try {
    await ctx.hosts.copy(p.artifact, host, incoming, { mutates: true, scope: 'deploy' });
  } catch (e) {
    if (interrupted()) return interrupted()!;
    return out(fail(`transfer to ${where} failed: ${(e as Error).message}`, { messageId: 'transfer' }));
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
      fail(`artifact sha256 ${remoteSha || '(unreadable)'} is not the expected ${localSha} (${where} after transfer)`, {
        messageId: 'shaMismatch',
      }),
    );
  }

  // 4. Stage next to the live dir (same filesystem, so promote is a rename) and check it is exactly the manifest.
  ctx.log.info(`staging ${staged} and checking it against the manifest`);
  const x = await ctx.exec('sh', ['-c', 'mkdir -- "$2" && tar -xzf "$1" -C "$2"', 'sh', incoming, staged], write);
  evidence.push(x.evidence);
  if (interrupted()) return interrupted()!;
  if (x.exitCode !== 0) {
    await cleanup();
    return out(fail(`staging failed: ${x.stderr.trim().slice(0, 300)}`, { messageId: 'staging' }));
  }
  const sv = await verifyTree(ctx, staged, m.manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
  evidence.push(sv.evidence);
  if (interrupted()) return interrupted()!;
  checks.push({ id: 'STAGED', status: sv.exact ? 'PASS' : 'FAIL', text: `staged tree ${sv.line}` });
  if (!sv.exact) {
    await cleanup();
    return out(
      fail(`staged tree does not match the manifest: ${sv.line}; ${sv.problems.slice(0, 10).join(', ')}`, { messageId: 'stagedTree' }),
    );
  }

  // 5. The staged tree's own tests; no pass, no promote.
  if (p.tests) {
    ctx.log.info(`running the staged tree's tests: ${p.tests.command}`);
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
    const problem = stagedTestsProblem(t, counts, wantRan);
    checks.push({
      id: 'STAGED-TESTS',
      status: problem ? 'FAIL' : 'PASS',
      text: `${testDetail(t, counts)}${wantRan !== undefined ? ` (expected ${wantRan} ran)` : ''}`,
    });
    if (problem) {
      await cleanup();
      return out(fail(`${problem}; live tree untouched`, { messageId: 'stagedTests' }));
    }
  }
  if (interrupted()) return interrupted()!;

  // 6. Promote: the live path becomes (or stays) a symlink, switched to the staged tree in one rename; the
  // previous tree is renamed to the backup name.
  const sw = await switchLive(ctx, { host, live: p.dir, tree: staged, aside: backup, link, title: 'promote (atomic switch) + backup' });
  evidence.push(sw.evidence);
  facts.switch = sw.mode;
  if (!sw.ok) {
    if (!sw.switched) await cleanup();
    return out(fail(`promote failed: ${sw.error}`, { messageId: 'promote' }));
  }
  facts.backup = sw.previous;
  facts.release = staged;
  checks.push({
    id: 'PROMOTE',
    status: sw.mode === 'two-renames' ? 'INFO' : 'PASS',
    text: `${p.dir} -> ${staged}: ${describeSwitch(sw.mode)}${sw.previous ? `; backup ${sw.previous}` : ''}`,
  });

  // 7. The promoted tree must be exactly the manifest; otherwise put the backup back.
  ctx.log.info(`checking the promoted ${p.dir} against the manifest`);
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
    let restored: boolean;
    let why = '';
    if (sw.previous) {
      // Switch back to the backup (atomically, as the promote); the failed tree is moved aside.
      const rs = await switchLive(ctx, { host, live: p.dir, tree: sw.previous, aside: failedDir, link, title: 'restore the backup' });
      evidence.push(rs.evidence);
      restored = rs.ok;
      why = rs.error ?? '';
    } else {
      const rs = await ctx.exec('sh', ['-c', 'rm -f -- "$1" && mv -T -- "$2" "$3"', 'sh', p.dir, staged, failedDir], write);
      evidence.push({ ...rs.evidence, title: 'remove the live symlink (there was no tree before)' });
      restored = rs.exitCode === 0;
      why = rs.stderr.trim();
    }
    facts.restored = restored;
    return out(
      fail(
        `promoted tree does not match the manifest (${pv.line}); ${restored ? `${sw.previous ? 'restored the backup' : 'removed the live path'}, failed tree kept at ${failedDir}` : 'RESTORE FAILED: ' + why}`,
        { messageId: 'promotedTree' },
      ),
    );
  }
  const rm = await ctx.exec('rm', ['-f', '--', incoming], write);
  evidence.push(rm.evidence);
  return out(pass(`deployed ${localSha.slice(0, 8)}… to ${where}:${p.dir}; ${pv.line}${sw.previous ? `; backup ${sw.previous}` : ''}`));
}

export default defineGate<DeployParams>({
  kind: 'deploy',
  summary: 'Deploys an artifact side by side: sha-verified transfer, staged tests, atomic symlink promote + backup, manifest check',
  facts: {
    host: 'the host deployed to',
    dir: 'the deploy directory',
    deploy_ts: 'timestamp used for backup and incoming names',
    artifact_sha256: 'sha256 of the artifact transferred',
    staged_tests: 'results of the tests run in the staged tree',
    backup: 'where the previous tree was kept (null when there was none)',
    promoted: 'the promoted tree vs the manifest',
    matched: 'files matching the manifest after promotion',
    total: 'files in the manifest',
    restored: 'set when a failed promotion was rolled back',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['artifact', 'manifest', 'dir'],
    properties: {
      artifact: { description: "local path of the tar.gz (the artifact gate's path fact)", type: 'string', minLength: 1 },
      sha256: {
        description: 'expected sha256 of the artifact, checked before and after transfer',
        type: 'string',
        pattern: '^[0-9a-f]{64}$',
      },
      manifest: { description: 'local path of the DEPLOY-MANIFEST the staged and promoted trees must match', type: 'string', minLength: 1 },
      dir: { description: 'the live directory on the host', type: 'string', pattern: '^/.+[^/]$' },
      tests: {
        description: 'tests run in the staged tree before promotion',
        type: 'object',
        additionalProperties: false,
        required: ['command'],
        properties: {
          command: { description: 'shell command run in the staged tree', type: 'string', minLength: 1 },
          timeout: { description: 'seconds', type: 'number', exclusiveMinimum: 0 },
          expect_ran: { description: 'FAIL unless exactly this many tests ran', type: 'integer', minimum: 0 },
        },
      },
      ignore: { description: 'globs counted as ignored, not extra, in the manifest checks', type: 'array', items: { type: 'string' } },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, p) {
    const unreachable = await hostBlocked(ctx, ctx.host);
    if (unreachable) return unreachable;
    return deploy(ctx, p);
  },
});
