// The `untouched` gate table on a real temp git repo.
import { afterAll, beforeAll, expect } from '@jest/globals';
import untouched from '../../gates/untouched.js';
import { deadHost, runCase, testGate } from '../helpers/gate-tester.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo & { first: string };
let recorded: Record<string, unknown> = {};
beforeAll(async () => {
  repo = await makeRepo({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
  recorded = (await runCase(untouched, { params: { path: repo.dir } })).record.facts;
});
afterAll(() => repo.remove());

testGate(untouched, {
  pass: [
    {
      name: 'records HEAD and digest',
      params: () => ({ path: repo.dir }),
      check: ({ record }) =>
        expect(record.facts).toMatchObject({ head: repo.first, files: 2, digest: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    },
    { name: 'expected HEAD', params: () => ({ path: repo.dir, expect_head: repo.first.slice(0, 7) }) },
    { name: 'same as an earlier record', params: () => ({ path: repo.dir, compare_with: 'G0' }), facts: () => ({ G0: recorded }) },
  ],
  fail: [
    {
      name: 'another HEAD',
      params: () => ({ path: repo.dir, expect_head: 'deadbeef' }),
      messageId: 'changed',
      summary: /HEAD is [0-9a-f]{12}, expected deadbeef/,
    },
    {
      name: 'content changed since the earlier record',
      params: () => ({ path: repo.dir, compare_with: 'G0' }),
      facts: () => ({ G0: { ...recorded, digest: '0'.repeat(64) } }),
      messageId: 'changed',
      summary: /differs from G0 \(tree content\)/,
    },
    {
      name: 'no earlier record',
      params: () => ({ path: repo.dir, compare_with: 'G9' }),
      messageId: 'changed',
      summary: /G9 recorded no digest/,
    },
    {
      name: 'path missing',
      params: { path: '/nonexistent/tree' },
      messageId: 'missing',
      summary: /^\/nonexistent\/tree does not exist on local/,
    },
    { name: 'host unreachable', params: { path: '/srv' }, ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{}, { path: '/x', expect_head: 7 }, { path: '/x', compare: 'G0' }],
});
