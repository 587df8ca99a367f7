// The `secret-scan` gate table on real temp trees and a temp git repo (depth: tests/deploy/secret-scan.test.ts).
import { afterAll, beforeAll } from '@jest/globals';
import secretScan from '../../gates/secret-scan.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

// Assembled at run time so this file itself holds no key-shaped string.
const awsKey = ['AKIA', 'Q3EGRIJ5QWERTY7Z'].join('');
let clean = '';
let leaky = '';
let repo: TestRepo & { first: string };
beforeAll(async () => {
  clean = tempDir();
  writeFiles(clean, { 'a.py': 'x = 1\n', 'docs/readme.md': '# hi\n' });
  leaky = tempDir();
  writeFiles(leaky, { 'a.py': 'x = 1\n', 'conf/settings.py': `KEY = "${awsKey}"\n` });
  repo = await makeRepo({ 'a.py': 'x = 1\n' });
  await repo.commit({ 'b.py': 'token = "internal-42"\n' }, 'custom secret');
});
afterAll(() => {
  repo.remove();
  cleanupTemp();
});

testGate(secretScan, {
  pass: [
    { name: 'a clean tree', params: () => ({ path: clean }) },
    { name: 'an allowed finding', params: () => ({ path: leaky, allow: ['conf/settings.py'] }) },
    { name: 'a clean change set', params: () => ({ repo: repo.dir, from: repo.first, to: 'HEAD' }) },
  ],
  fail: [
    {
      name: 'an AWS key in a tree',
      params: () => ({ path: leaky }),
      messageId: 'found',
      summary: /^1 secret finding\(s\) in tree .*: conf\/settings\.py:1 aws-access-key/,
    },
    {
      name: 'a custom pattern in a change set',
      params: () => ({ repo: repo.dir, from: repo.first, to: 'HEAD', patterns: [{ name: 'internal-token', regex: 'internal-\\d+' }] }),
      messageId: 'found',
      summary: /internal-token/,
    },
    {
      name: 'a pattern that does not compile',
      params: () => ({ path: clean, patterns: [{ name: 'bad', regex: '(' }] }),
      messageId: 'badInput',
      summary: /^cannot scan: bad pattern/,
    },
    { name: 'a tree that does not exist', params: { path: '/nonexistent/tree' }, messageId: 'badInput', summary: /^cannot scan: / },
    {
      name: 'a revision that does not exist',
      params: () => ({ repo: repo.dir, from: 'no-such-rev' }),
      messageId: 'badInput',
      summary: /no-such-rev is not a commit/,
    },
    { name: 'host unreachable', params: { path: '/srv' }, ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{ path: 1 }, { path: '/x', patterns: [{ regex: 'x' }] }, { path: '/x', max_bytes: 'big' }],
});
