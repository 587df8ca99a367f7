// The `deploy` gate table on a local host (promote, restore and the ssh matrix are in tests/deploy/deploy.test.ts).
import { afterAll, beforeAll, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import deploy from '../../gates/deploy.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { makeRelease, RELEASE_FILES, type Release } from '../helpers/release.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

let good: Release;
let broken: Release;
beforeAll(async () => {
  good = await makeRelease();
  broken = await makeRelease({ ...RELEASE_FILES, 'app/core.py': 'def cut(text):\n    return []\n' });
});
afterAll(() => {
  good.repo.remove();
  broken.repo.remove();
  cleanupTemp();
});

const release = (r: Release) => ({ artifact: String(r.facts.path), sha256: String(r.facts.sha256), manifest: String(r.facts.manifest) });
const TESTS = { command: 'python3 -m unittest discover -s tests -t .', expect_ran: 1 };

testGate(deploy, {
  pass: [
    {
      name: 'a new live dir, staged tests pass',
      params: () => ({ ...release(good), dir: join(tempDir(), 'live'), tests: TESTS }),
      policy: 'deploy',
      check: ({ record }) => {
        const dir = String(record.summary.match(/ to local:(\S+);/)?.[1]);
        expect(readFileSync(join(dir, 'app/core.py'), 'utf8')).toBe(RELEASE_FILES['app/core.py']);
      },
    },
  ],
  fail: [
    {
      name: 'the artifact is not the expected sha256',
      params: () => ({ ...release(good), sha256: '0'.repeat(64), dir: join(tempDir(), 'live') }),
      policy: 'deploy',
      messageId: 'shaMismatch',
      summary: /is not the expected 0{64} \(local\)$/,
    },
    {
      name: 'the artifact is missing',
      params: () => ({ ...release(good), artifact: '/nonexistent/app.tar.gz', dir: join(tempDir(), 'live') }),
      policy: 'deploy',
      messageId: 'precondition',
    },
    {
      name: 'the manifest is missing',
      params: () => ({ ...release(good), manifest: '/nonexistent/MANIFEST.txt', dir: join(tempDir(), 'live') }),
      policy: 'deploy',
      messageId: 'precondition',
    },
    {
      name: 'the parent of the live dir does not exist',
      params: () => ({ ...release(good), dir: '/nonexistent/parent/live' }),
      policy: 'deploy',
      messageId: 'precondition',
      summary: /parent directory \/nonexistent\/parent does not exist/,
    },
    {
      name: 'staged tests fail: the live tree is not touched',
      params: () => ({ ...release(broken), dir: join(tempDir(), 'live'), tests: TESTS }),
      policy: 'deploy',
      messageId: 'stagedTests',
      summary: /live tree untouched$/,
    },
    {
      name: 'host unreachable',
      params: { artifact: '/a.tgz', manifest: '/m', dir: '/srv/app' },
      ...deadHost,
      messageId: 'unreachable',
      status: 'BLOCKED',
    },
  ],
  invalid: [
    { artifact: '/a', manifest: '/m' },
    { artifact: '/a', dir: '/d' },
    { artifact: '/a', manifest: '/m', dir: '/d', tests: { timeout: 3 } },
  ],
});
