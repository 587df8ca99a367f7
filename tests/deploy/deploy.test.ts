import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import artifact from '../../gates/artifact.js';
import deployGate from '../../gates/deploy.js';
import manifestVerify from '../../gates/manifest-verify.js';
import rollback from '../../gates/rollback.js';
import untouched from '../../gates/untouched.js';
import type { Facts } from '../../src/gate.js';
import { makeRepo } from '../helpers/git-repo.js';
import { runGate } from '../helpers/host-context.js';
import { startHosts, type HostKind, type TestHosts } from '../helpers/hosts.js';
import { snapshotTree } from '../helpers/tree.js';
import { run } from '../helpers/run.js';

const TESTS = (extra = '') => `import unittest
from cutter.core import cut

class CutTest(unittest.TestCase):
    def test_cut(self):
        self.assertEqual(cut("a b"), ["a", "b"])

    def test_empty(self):
        self.assertEqual(cut(""), [])
${extra}`;

const V1 = {
  'cutter/__init__.py': '__version__ = "0.6.0"\n',
  'cutter/core.py': 'def cut(text):\n    return text.split()\n',
  'tests/__init__.py': '',
  'tests/test_core.py': TESTS(),
  'README.md': 'v1\n',
};
const TEST_COMMAND = 'python3 -m unittest discover -s tests -t .';

let hosts: TestHosts;
const cleanup: string[] = [];
const built: Record<string, Facts> = {};

beforeAll(async () => {
  hosts = await startHosts();
  const repo = await makeRepo(V1);
  cleanup.push(repo.dir);
  const out = mkdtempSync(join(tmpdir(), 'gaterun-art-'));
  cleanup.push(out);
  const build = async (label: string) => {
    const { result } = await runGate(artifact, { repo: repo.dir, name: 'iu-cutter-v0.6', out }, { policy: 'source' });
    if (result.status !== 'PASS') throw new Error(result.summary);
    built[label] = result.facts;
  };
  await build('v1');
  await repo.commit({ 'cutter/__init__.py': '__version__ = "0.6.1"\n', 'cutter/live.py': 'LIVE = False\n', 'README.md': 'v2\n' }, 'v2');
  await build('v2');
  await repo.commit(
    { 'tests/test_core.py': TESTS('\n    def test_broken(self):\n        self.assertEqual(cut("x"), [])\n'), 'README.md': 'v3\n' },
    'v3 with a failing test',
  );
  await build('v3');
});
afterAll(async () => {
  await hosts.stop();
  cleanup.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** A fresh side-by-side layout: live v1 tree (extracted from the v1 artifact) and a v0.4 git sibling. */
async function layout() {
  const root = mkdtempSync(join(tmpdir(), 'gaterun-srv-'));
  cleanup.push(root);
  const live = join(root, 'iu-cutter-v0.6');
  await run('sh', ['-c', 'mkdir "$1" && tar -xzf "$2" -C "$1"', 'sh', live, String(built.v1.path)]);
  const v04 = await makeRepo({ 'skeleton.py': 'print("v0.4")\n' });
  cleanup.push(v04.dir);
  return { root, live, v04: v04.dir };
}

const siblings = (root: string) => readdirSync(root).sort();

describe.each<HostKind>(['local', 'ssh'])('deploy gates on %s', (kind) => {
  const opts = (extra: Record<string, unknown> = {}) => ({
    host: hosts.name(kind),
    hosts: hosts.hosts,
    policy: 'deploy' as const,
    macroId: 'O8B',
    ...extra,
  });

  test('deploy: sha-verified transfer, staged tests, backup + promote, N/N; then rollback restores v1', async () => {
    const { root, live, v04 } = await layout();
    const g0 = await runGate(untouched, { path: v04 }, opts());
    expect(g0.result.status).toBe('PASS');
    const before = await snapshotTree(live);

    const { result, ledger } = await runGate(
      deployGate,
      {
        artifact: String(built.v2.path),
        sha256: String(built.v2.sha256),
        manifest: String(built.v2.manifest),
        dir: live,
        tests: { command: TEST_COMMAND, expect_ran: 2 },
      },
      opts(),
    );
    expect(result.summary).toContain('sha256 match');
    expect(result.status).toBe('PASS');
    const f = result.facts;
    expect(f.promoted).toBe(`${built.v2.files}/${built.v2.files}`);
    expect(f.staged_tests).toMatchObject({ runner: 'unittest', ran: 2, passed: 2, failed: 0 });
    expect(String(f.deploy_ts)).toMatch(/^\d{8}T\d{6}Z$/);
    expect(f.backup).toBe(`${live}.pre-o8b-${f.deploy_ts}`);
    expect(siblings(root)).toEqual(['iu-cutter-v0.6', basename(String(f.backup))]);
    expect(await snapshotTree(String(f.backup))).toBe(before);
    expect(readFileSync(join(live, 'README.md'), 'utf8')).toBe('v2\n');
    expect(result.checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'TRANSFER PASS',
      'STAGED PASS',
      'STAGED-TESTS PASS',
      'PROMOTE PASS',
      'VERIFY PASS',
    ]);
    expect(ledger.mutations().every((e) => e.scope === 'deploy')).toBe(true);
    if (kind === 'ssh') expect(ledger.entries.some((e) => e.action === 'scp')).toBe(true);

    const mv = await runGate(manifestVerify, { path: live, manifest: String(built.v2.manifest) }, opts());
    expect(mv.result.status).toBe('PASS');
    expect(mv.result.summary).toContain(`${built.v2.files}/${built.v2.files} sha256 match`);

    const g7 = await runGate(untouched, { path: v04, compare_with: 'G0' }, opts({ facts: { G0: g0.result.facts } }));
    expect(g7.result.status).toBe('PASS');

    const rb = await runGate(rollback, { dir: live, backup: String(f.backup), manifest: String(built.v1.manifest) }, opts());
    expect(rb.result.status).toBe('PASS');
    expect(rb.result.facts).toMatchObject({ matched: built.v1.files, total: built.v1.files, restored: true });
    expect(await snapshotTree(live)).toBe(before);
  });

  test('first deploy (no live tree yet): promotes without a backup', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gaterun-srv-'));
    cleanup.push(root);
    const live = join(root, 'iu-cutter-v0.6');
    const { result } = await runGate(
      deployGate,
      { artifact: String(built.v2.path), manifest: String(built.v2.manifest), dir: live, tests: { command: TEST_COMMAND } },
      opts(),
    );
    expect(result.status).toBe('PASS');
    expect(result.facts).toMatchObject({ backup: null, promoted: `${built.v2.files}/${built.v2.files}` });
    expect(siblings(root)).toEqual(['iu-cutter-v0.6']);
  });

  test('staged tests fail: never promotes, live tree byte-identical, nothing left beside it', async () => {
    const { root, live } = await layout();
    const before = await snapshotTree(live);
    const { result, ledger } = await runGate(
      deployGate,
      { artifact: String(built.v3.path), manifest: String(built.v3.manifest), dir: live, tests: { command: TEST_COMMAND } },
      opts(),
    );
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(/staged tests did not pass: 2\/3 passed \(1 failed, 0 errors\); exit 1; live tree untouched/);
    expect(await snapshotTree(live)).toBe(before);
    expect(siblings(root)).toEqual(['iu-cutter-v0.6']);
    expect(ledger.entries.some((e) => /mv -T/.test(e.target))).toBe(false);
  });

  test('interrupted before promote: live tree byte-identical', async () => {
    const { root, live } = await layout();
    const before = await snapshotTree(live);
    const abort = new AbortController();
    // Abort once the staged tests have started (the marker appears), i.e. after transfer + staging.
    const marker = join(root, 'tests-started');
    // A sleep length no other process on a shared machine uses, so the ps check below sees only ours.
    const nap = `sleep 37.${String(process.pid).padStart(7, '0')}`;
    const timer = setInterval(() => {
      if (existsSync(marker)) {
        clearInterval(timer);
        abort.abort(new Error('SIGINT'));
      }
    }, 50);
    const { result } = await runGate(
      deployGate,
      { artifact: String(built.v2.path), manifest: String(built.v2.manifest), dir: live, tests: { command: `touch ${marker}; ${nap}` } },
      opts({ signal: abort.signal }),
    );
    clearInterval(timer);
    unlinkSync(marker);
    expect(result.status).toBe('FAIL');
    expect(result.summary).toContain('interrupted before promote; live tree untouched');
    expect(result.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['TRANSFER PASS', 'STAGED PASS']);
    expect(await snapshotTree(live)).toBe(before);
    expect(siblings(root).filter((n) => n.includes('.pre-'))).toEqual([]);
    // The staged test command itself is gone too (on SSH: killed by process group on the host).
    let left = '1';
    for (let i = 0; i < 50 && left !== '0'; i++) {
      left = (await run('sh', ['-c', `ps -eo args | grep -c '^${nap}$' || true`])).trim();
      if (left !== '0') await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('0');
  });

  test('a wrong expected sha256 stops before anything is transferred', async () => {
    const { root, live } = await layout();
    const { result, ledger } = await runGate(
      deployGate,
      { artifact: String(built.v2.path), sha256: 'f'.repeat(64), manifest: String(built.v2.manifest), dir: live },
      opts(),
    );
    expect(result.status).toBe('FAIL');
    expect((result as { messageId?: string }).messageId).toBe('shaMismatch');
    expect(ledger.mutations()).toEqual([]);
    expect(siblings(root)).toEqual(['iu-cutter-v0.6']);
  });

  test('manifest-verify names a changed, a missing and an extra file', async () => {
    const { live } = await layout();
    writeFileSync(join(live, 'README.md'), 'tampered\n');
    unlinkSync(join(live, 'cutter/core.py'));
    writeFileSync(join(live, 'cutter/extra.py'), 'x = 1\n');
    writeFileSync(join(live, 'cutter/core.cpython-311.pyc'), 'cache');
    const { result } = await runGate(manifestVerify, { path: live, manifest: String(built.v1.manifest) }, opts());
    expect(result.status).toBe('FAIL');
    const total = Number(built.v1.files);
    expect(result.facts).toMatchObject({
      matched: total - 2,
      total,
      mismatched: ['README.md'],
      missing: ['cutter/core.py'],
      extra: ['cutter/extra.py'],
      ignored: 1,
    });
    expect(result.summary).toContain(`${total - 2}/${total} sha256 match`);
    for (const t of ['MISMATCH README.md', 'MISSING cutter/core.py', 'EXTRA cutter/extra.py'])
      expect(result.checks.map((c) => c.text)).toContain(t);
  });

  test('untouched FAILs when the sibling changed or HEAD is not the expected one', async () => {
    const { v04 } = await layout();
    const g0 = await runGate(untouched, { path: v04 }, opts());
    const head = String(g0.result.facts.head);
    writeFileSync(join(v04, 'skeleton.py'), 'print("changed")\n');
    const g7 = await runGate(
      untouched,
      { path: v04, compare_with: 'G0', expect_head: head.slice(0, 7) },
      opts({ facts: { G0: g0.result.facts } }),
    );
    expect(g7.result.status).toBe('FAIL');
    expect(g7.result.summary).toContain('differs from G0 (tree content)');
    const wrong = await runGate(untouched, { path: v04, expect_head: '0000000' }, opts());
    expect(wrong.result.status).toBe('FAIL');
    expect(wrong.result.summary).toContain(`HEAD is ${head.slice(0, 12)}, expected 0000000`);
  });

  test('rollback FAILs without changing anything when the backup is missing', async () => {
    const { live } = await layout();
    const before = await snapshotTree(live);
    const { result } = await runGate(rollback, { dir: live, backup: `${live}.pre-o8b-nope` }, opts());
    expect(result.status).toBe('FAIL');
    expect(result.summary).toContain('does not exist');
    expect(await snapshotTree(live)).toBe(before);
  });
});

describe('unreachable SSH host', () => {
  test.each([
    ['connection refused', (h: TestHosts) => ({ ...h.hosts.vps, port: 1 }), /unreachable \(connection refused\)/],
    ['key refused', (h: TestHosts) => ({ ...h.hosts.vps, identity: join(h.sshd.dir, 'host_ed25519') }), /key refused/],
  ])('%s -> BLOCKED naming the host, nothing attempted', async (_label, spec, why) => {
    const s = spec(hosts);
    const { root, live } = await layout();
    const { result, ledger } = await runGate(
      deployGate,
      { artifact: String(built.v2.path), manifest: String(built.v2.manifest), dir: live },
      { host: 'vps', hosts: { vps: s }, macroId: 'O8B' },
    );
    expect(result.status).toBe('BLOCKED');
    expect(result.summary).toContain(`host ${s.user}@127.0.0.1:${s.port}`);
    expect(result.summary).toMatch(why);
    expect(ledger.mutations()).toEqual([]);
    expect(siblings(root)).toEqual(['iu-cutter-v0.6']);
    expect(JSON.stringify(result)).not.toContain(readFileSync(join(hosts.sshd.dir, 'host_ed25519'), 'utf8').split('\n')[1]);
    expect(existsSync(live)).toBe(true);
  });
});
