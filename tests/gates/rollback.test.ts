// The `rollback` gate table on real temp trees (the deploy → rollback round trip is in tests/deploy/deploy.test.ts).
import { afterAll, beforeAll, expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import rollback from '../../gates/rollback.js';
import { deadHost, testGate } from '../helpers/gate-tester.js';
import { treeWithManifest } from '../helpers/release.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

/** A live dir and a backup beside it; the backup matches `manifest`. */
function site(): { dir: string; backup: string; manifest: string } {
  const root = tempDir();
  const previous = treeWithManifest({ 'v.txt': 'old\n' });
  writeFiles(root, { 'live/v.txt': 'new\n', 'live.bak/v.txt': 'old\n' });
  return { dir: join(root, 'live'), backup: join(root, 'live.bak'), manifest: previous.manifest };
}
const sites: Record<string, ReturnType<typeof site>> = {};
beforeAll(() => {
  for (const name of ['plain', 'verified', 'noBackup', 'wrongManifest', 'noManifest']) sites[name] = site();
});
afterAll(cleanupTemp);

testGate(rollback, {
  pass: [
    {
      name: 'swaps the backup in and keeps the displaced tree',
      params: () => ({ dir: sites.plain.dir, backup: sites.plain.backup }),
      policy: 'deploy',
      check: ({ record }) => {
        expect(readFileSync(join(sites.plain.dir, 'v.txt'), 'utf8')).toBe('old\n');
        expect(readFileSync(join(String(record.facts.displaced), 'v.txt'), 'utf8')).toBe('new\n');
      },
    },
    { name: 'restored tree matches the manifest', params: () => ({ ...sites.verified }), policy: 'deploy' },
  ],
  fail: [
    {
      name: 'no backup: nothing changes',
      params: () => ({ dir: sites.noBackup.dir, backup: `${sites.noBackup.backup}.missing` }),
      policy: 'deploy',
      messageId: 'noBackup',
      check: () => expect(readFileSync(join(sites.noBackup.dir, 'v.txt'), 'utf8')).toBe('new\n'),
    },
    {
      name: 'the restored tree does not match',
      params: () => ({ ...sites.wrongManifest, manifest: treeWithManifest({ 'v.txt': 'other\n' }).manifest }),
      policy: 'deploy',
      messageId: 'verify',
    },
    {
      name: 'the manifest cannot be read: nothing changes',
      params: () => ({ ...sites.noManifest, manifest: '/nonexistent/MANIFEST.txt' }),
      policy: 'deploy',
      messageId: 'verify',
      check: () => expect(existsSync(sites.noManifest.backup)).toBe(true),
    },
    {
      name: 'host unreachable',
      params: { dir: '/srv/app', backup: '/srv/app.bak' },
      ...deadHost,
      messageId: 'unreachable',
      status: 'BLOCKED',
    },
  ],
  invalid: [{ dir: '/x' }, { backup: '/y' }, { dir: '/x', backup: '/y', manifest: 3 }],
});
