// The `manifest-verify` gate table on real temp trees.
import { afterAll, beforeAll } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import manifestVerify from '../../gates/manifest-verify.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { treeWithManifest } from '../helpers/release.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

let good: { dir: string; manifest: string };
let bad: { dir: string; manifest: string };
let garbled = '';
beforeAll(() => {
  good = treeWithManifest({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
  bad = treeWithManifest({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
  writeFileSync(join(bad.dir, 'a.txt'), 'changed\n');
  writeFileSync(join(bad.dir, 'extra.txt'), 'x\n');
  garbled = join(tempDir(), 'MANIFEST.txt');
  writeFileSync(garbled, 'not a manifest\n');
});
afterAll(cleanupTemp);

testGate(manifestVerify, {
  pass: [{ name: 'every file matches', params: () => ({ path: good.dir, manifest: good.manifest }) }],
  fail: [
    {
      name: 'a changed and an extra file',
      params: () => ({ path: bad.dir, manifest: bad.manifest }),
      messageId: 'mismatch',
      summary: /a\.txt.*extra\.txt|extra\.txt.*a\.txt/,
    },
    {
      name: 'the manifest does not exist',
      params: () => ({ path: good.dir, manifest: '/nonexistent/MANIFEST.txt' }),
      messageId: 'unreadable',
    },
    {
      name: 'the manifest is not a manifest',
      params: () => ({ path: good.dir, manifest: garbled }),
      messageId: 'unreadable',
      summary: /line 1/,
    },
    { name: 'the tree does not exist', params: () => ({ path: '/nonexistent/tree', manifest: good.manifest }), messageId: 'unreadable' },
    { name: 'host unreachable', params: { path: '/srv', manifest: '/m' }, ...deadHost, messageId: 'unreachable', status: 'BLOCKED' },
  ],
  invalid: [{ path: '/x' }, { manifest: '/m' }, { path: '/x', manifest: '/m', ignore: 'x' }],
});
