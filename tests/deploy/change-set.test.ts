import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import changeSet from '../../gates/change-set.js';
import gitCommit from '../../gates/git-commit.js';
import { makeRepo, writeFiles } from '../helpers/git-repo.js';
import { runGate } from '../helpers/host-context.js';
import { startHosts, type HostKind, type TestHosts } from '../helpers/hosts.js';
import { run } from '../helpers/run.js';

const BASE: Record<string, string> = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`src/m${i}.py`, `value = ${i}\n`]));
// O8B's shape: 7 modified + 2 new.
const OVERLAY: Record<string, string> = {
  ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`src/m${i}.py`, `value = ${i}\nlive = True\n`])),
  'src/live_adapter.py': 'class LiveAdapter: pass\n',
  'tests/test_live.py': 'import unittest\n',
};

let hosts: TestHosts;
const cleanup: string[] = [];
beforeAll(async () => {
  hosts = await startHosts();
});
afterAll(async () => {
  await hosts.stop();
  cleanup.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function fixture() {
  const repo = await makeRepo(BASE);
  const overlay = mkdtempSync(join(tmpdir(), 'gaterun-overlay-'));
  cleanup.push(repo.dir, overlay);
  writeFiles(overlay, { ...OVERLAY, 'src/m9.py': BASE['src/m9.py'] });
  return { repo, overlay };
}

describe.each<HostKind>(['local', 'ssh'])('change-set and git-commit on %s', (kind) => {
  const opts = (policy: 'none' | 'source' = 'none') => ({ host: hosts.name(kind), hosts: hosts.hosts, policy });

  test('commit range: counts with sha256, expect matches', async () => {
    const { repo } = await fixture();
    const to = await repo.commit({ ...OVERLAY, 'src/m9.py': null }, 'change');
    const { result } = await runGate(
      changeSet,
      { repo: repo.dir, from: repo.first, to, expect: { modified: 7, added: 2, deleted: 1 } },
      opts(),
    );
    expect(result.status).toBe('PASS');
    expect(result.summary).toBe('10 files: 7 modified, 2 added, 1 deleted');
    expect(result.facts).toMatchObject({ added: 2, modified: 7, deleted: 1, total: 10, from: repo.first, to });
    const files = result.facts.files as { path: string; status: string; sha256: string }[];
    const sha = (await run('sha256sum', [join(repo.dir, 'src/live_adapter.py')])).slice(0, 64);
    expect(files.find((f) => f.path === 'src/live_adapter.py')).toEqual({ path: 'src/live_adapter.py', status: 'added', sha256: sha });
    expect(files.find((f) => f.path === 'src/m9.py')).toMatchObject({
      status: 'deleted',
      sha256: (await run('sh', ['-c', 'printf "value = 9\\n" | sha256sum'])).slice(0, 64),
    });
  });

  test('expect mismatch FAILs saying what was found and expected', async () => {
    const { repo } = await fixture();
    const to = await repo.commit(OVERLAY, 'change');
    const { result } = await runGate(
      changeSet,
      { repo: repo.dir, from: repo.first, to, expect: { modified: 7, added: 3, deleted: 0 } },
      opts(),
    );
    expect(result.status).toBe('FAIL');
    expect(result.summary).toBe('change set is 9 files: 7 modified, 2 added, 0 deleted; expected 7 modified, 3 added, 0 deleted');
    expect(result.checks.find((c) => c.id === 'COUNTS')?.status).toBe('FAIL');
  });

  test('overlay over its base applies cleanly: 7 modified, 2 added, identical files not counted', async () => {
    const { repo, overlay } = await fixture();
    const { result } = await runGate(
      changeSet,
      { repo: repo.dir, overlay, base: repo.first, expect: { modified: 7, added: 2, deleted: 0 } },
      opts(),
    );
    expect(result.status).toBe('PASS');
    expect(result.facts).toMatchObject({ mode: 'overlay', modified: 7, added: 2, deleted: 0, unchanged: 1, conflicts: [] });
    expect(result.checks.find((c) => c.id === 'APPLY')?.status).toBe('PASS');
  });

  test('overlay conflict FAILs naming each file that moved since base (committed, uncommitted, untracked)', async () => {
    const { repo, overlay } = await fixture();
    await repo.commit({ 'src/m3.py': 'value = 33\n', 'src/m8.py': 'value = 88\n' }, 'moved on');
    repo.write({ 'src/m5.py': 'value = 55\n', 'src/live_adapter.py': 'untracked\n' });
    const { result } = await runGate(changeSet, { repo: repo.dir, overlay, base: repo.first }, opts());
    expect(result.status).toBe('FAIL');
    expect(result.facts.conflicts).toEqual(['src/live_adapter.py', 'src/m3.py', 'src/m5.py']);
    expect(result.summary).toContain('src/live_adapter.py, src/m3.py, src/m5.py');
    expect(result.summary).not.toContain('m8');
  });

  test('git-commit commits the overlay and reports sha, parent and shortstat; mutation: none refuses it', async () => {
    const { repo, overlay } = await fixture();
    await expect(runGate(gitCommit, { repo: repo.dir, overlay, message: 'feat: live wiring' }, opts('none'))).rejects.toThrow(
      /mutation: none/,
    );
    expect((await repo.git('status', '--porcelain')).trim()).toBe('');
    const { result } = await runGate(
      gitCommit,
      { repo: repo.dir, overlay, message: 'feat: live wiring', expect_parent: repo.first.slice(0, 7) },
      opts('source'),
    );
    expect(result.status).toBe('PASS');
    const head = (await repo.git('rev-parse', 'HEAD')).trim();
    expect(result.facts).toMatchObject({
      commit: head,
      short_sha: head.slice(0, 7),
      parent: repo.first,
      branch: 'main',
      files_changed: 9,
      insertions: 9,
      deletions: 0,
      subject: 'feat: live wiring',
    });
    const again = await runGate(gitCommit, { repo: repo.dir, message: 'nothing' }, opts('source'));
    expect(again.result.status).toBe('FAIL');
    expect(again.result.summary).toContain('nothing to commit');
  });
});
