// The `change-set` gate table on a real temp git repo (the local/ssh matrix is in tests/deploy/change-set.test.ts).
import { afterAll, beforeAll } from '@jest/globals';
import changeSet from '../../gates/change-set.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

let repo: TestRepo & { first: string };
let second = '';
let overlay = '';
beforeAll(async () => {
  repo = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  second = await repo.commit({ 'a.txt': 'a2\n', 'c.txt': 'c\n', 'b.txt': null }, 'second');
  overlay = tempDir();
  writeFiles(overlay, { 'a.txt': 'a3\n', 'd.txt': 'd\n' });
});
afterAll(() => {
  repo.remove();
  cleanupTemp();
});

testGate(changeSet, {
  pass: [
    {
      name: 'commit range with expected counts and list',
      params: () => ({
        repo: repo.dir,
        from: repo.first,
        to: second,
        expect: { modified: 1, added: 1, deleted: 1, total: 3 },
        files: ['a.txt', 'b.txt', 'c.txt'],
      }),
    },
    { name: 'overlay over the base it was made on', params: () => ({ repo: repo.dir, overlay, base: 'HEAD' }) },
  ],
  fail: [
    {
      name: 'wrong counts',
      params: () => ({ repo: repo.dir, from: repo.first, to: second, expect: { added: 2 } }),
      messageId: 'counts',
      summary: /^change set is 3 files: 1 modified, 1 added, 1 deleted; expected 2 added$/,
    },
    {
      name: 'counts and list both wrong: the first names the id, the rest follow',
      params: () => ({ repo: repo.dir, from: repo.first, to: second, expect: { total: 1 }, files: ['a.txt'] }),
      messageId: 'counts',
      summary: /expected 1 total; change set differs from the expected list: unexpected b\.txt; unexpected c\.txt$/,
    },
    {
      name: 'list mismatch',
      params: () => ({ repo: repo.dir, from: repo.first, to: second, files: ['a.txt', 'z.txt'] }),
      messageId: 'listMismatch',
      summary: /missing z\.txt/,
    },
    {
      name: 'overlay over an older base conflicts',
      params: () => ({ repo: repo.dir, overlay, base: repo.first }),
      messageId: 'conflict',
      summary: /1 file\(s\) changed .* are also in the overlay: a\.txt/,
    },
    {
      name: 'unknown revision',
      params: () => ({ repo: repo.dir, from: 'no-such-rev' }),
      messageId: 'badRev',
      summary: /^no-such-rev is not a commit of /,
    },
    { name: 'overlay directory missing', params: () => ({ repo: repo.dir, overlay: '/nonexistent/overlay' }), messageId: 'noOverlay' },
    { name: 'host unreachable', params: () => ({ repo: repo.dir }), ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{}, { repo: '/r', expect: { added: 'two' } }, { repo: '/r', colour: 1 }],
});
