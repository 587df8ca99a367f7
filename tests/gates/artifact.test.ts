// The `artifact` gate table on a real temp git repo (reproducibility and the ssh matrix: tests/deploy/artifact.test.ts).
import { afterAll, beforeAll, expect } from '@jest/globals';
import artifact from '../../gates/artifact.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

let repo: TestRepo & { first: string };
let odd: TestRepo & { first: string };
beforeAll(async () => {
  repo = await makeRepo({ 'app.py': 'print(1)\n', 'notes.txt': 'n\n', '.env': 'X=1\n' });
  // A committed file name with a line break: a one-line-a-file manifest cannot list it.
  odd = await makeRepo({ 'app.py': 'print(1)\n', 'two\nlines.txt': 'x\n' });
});
afterAll(() => {
  repo.remove();
  odd.remove();
  cleanupTemp();
});

testGate(artifact, {
  pass: [
    {
      name: 'builds the tarball and manifest, leaving .env out',
      params: () => ({ repo: repo.dir, name: 'app', out: tempDir() }),
      policy: 'source',
      check: ({ record }) =>
        expect(record.facts).toMatchObject({ files: 2, excluded: ['.env'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    },
    {
      name: 'a path with a line break left out with exclude: builds',
      params: () => ({ repo: odd.dir, name: 'app', exclude: ['two*'], out: tempDir() }),
      policy: 'source',
      check: ({ record }) => expect(record.facts).toMatchObject({ files: 1, excluded: ['two\nlines.txt'] }),
    },
  ],
  fail: [
    {
      name: 'a revision that does not exist',
      params: () => ({ repo: repo.dir, name: 'app', commit: 'no-such-rev', out: tempDir() }),
      policy: 'source',
      messageId: 'badRev',
    },
    {
      name: 'a forbidden file would ship',
      params: () => ({ repo: repo.dir, name: 'app', forbid: ['*.txt'], out: tempDir() }),
      policy: 'source',
      messageId: 'forbidden',
      summary: /^forbidden files would be shipped: notes\.txt$/,
    },
    {
      name: 'the output directory cannot be made',
      params: () => ({ repo: repo.dir, name: 'app', out: '/dev/null/out' }),
      policy: 'source',
      messageId: 'buildFailed',
    },
    {
      name: 'a path with a line break would ship (the manifest could not list it)',
      params: () => ({ repo: odd.dir, name: 'app', out: tempDir() }),
      policy: 'source',
      messageId: 'buildFailed',
      summary: /^build failed: "two\\nlines\.txt": a path with a line break cannot be listed in the DEPLOY-MANIFEST/,
    },
    { name: 'host unreachable', params: { repo: '/r', name: 'app' }, ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{ repo: '/r' }, { name: 'app' }, { repo: '/r', name: 'app', forbid: 'x' }],
});
