// The `git-commit` gate table on real temp git repos (the local/ssh matrix is in tests/deploy/change-set.test.ts).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import gitCommit from '../../gates/git-commit.js';
import { deadHost, runCase, testGate } from '../helpers/gate-tester.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

const repos: Record<string, TestRepo & { first: string }> = {};
let overlay = '';
beforeAll(async () => {
  for (const name of ['overlay', 'paths', 'clean', 'parent', 'refused', 'badOverlay']) repos[name] = await makeRepo({ 'a.txt': 'a\n' });
  repos.paths.write({ 'a.txt': 'a2\n', 'b.txt': 'not staged\n' });
  repos.refused.write({ 'a.txt': 'a2\n' });
  overlay = tempDir();
  writeFiles(overlay, { 'a.txt': 'a3\n', 'new.txt': 'n\n' });
});
afterAll(() => {
  for (const r of Object.values(repos)) r.remove();
  cleanupTemp();
});

const author = { name: 'Gate Tester', email: 'gate@example.test' };

testGate(gitCommit, {
  pass: [
    {
      name: 'commits the overlay on the expected parent',
      params: () => ({
        repo: repos.overlay.dir,
        message: 'apply overlay',
        overlay,
        author,
        expect_parent: repos.overlay.first.slice(0, 7),
      }),
      policy: 'source',
      check: ({ record }) => {
        expect(record.facts).toMatchObject({ parent: repos.overlay.first, subject: 'apply overlay', files_changed: 2 });
        expect(record.summary).toMatch(/^commit [0-9a-f]{7} \(parent [0-9a-f]{7}\): 2 files, 2 insertions\(\+\), 1 deletions\(-\)$/);
      },
    },
    {
      name: 'stages only the listed paths',
      params: () => ({ repo: repos.paths.dir, message: 'only a', paths: ['a.txt'], author }),
      policy: 'source',
      check: ({ record }) => expect(record.facts).toMatchObject({ files_changed: 1 }),
    },
  ],
  fail: [
    { name: 'nothing staged', params: () => ({ repo: repos.clean.dir, message: 'm', author }), policy: 'source', messageId: 'nothing' },
    {
      name: 'HEAD is not the expected parent',
      params: () => ({ repo: repos.parent.dir, message: 'm', expect_parent: 'deadbee' }),
      policy: 'source',
      messageId: 'wrongParent',
      summary: /expected deadbee$/,
    },
    {
      name: 'not a repository',
      params: () => ({ repo: tempDir(), message: 'm' }),
      policy: 'source',
      messageId: 'failed',
      summary: /^rev-parse HEAD failed/,
    },
    {
      name: 'overlay cannot be copied',
      params: () => ({ repo: repos.badOverlay.dir, message: 'm', overlay: '/nonexistent/overlay' }),
      policy: 'source',
      messageId: 'failed',
      summary: /^copying the overlay failed/,
    },
    { name: 'host unreachable', params: { repo: '/r', message: 'm' }, ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{ repo: '/r' }, { message: 'm' }, { repo: '/r', message: 'm', author: { name: 'x' } }],
});

test('under mutation: none the commit is refused before it happens', async () => {
  const out = await runCase(gitCommit, { params: { repo: repos.refused.dir, message: 'm', author } });
  expect(out.result).toBeNull();
  expect(out.record).toMatchObject({ status: 'FAIL', summary: expect.stringMatching(/refused before it happened/) });
  expect((await repos.refused.git('rev-parse', 'HEAD')).trim()).toBe(repos.refused.first);
});
