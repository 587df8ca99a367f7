import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import secretScan from '../../gates/secret-scan.js';
import { makeRepo, writeFiles } from '../helpers/git-repo.js';
import { runGate } from '../helpers/host-context.js';
import { startHosts, type HostKind, type TestHosts } from '../helpers/hosts.js';

// Planted values, built at run time so this file itself does not trip scanners.
const V = {
  key: ['-----BEGIN', 'OPENSSH PRIVATE KEY-----'].join(' '),
  password: 'hunter2-' + 'Xy9zQ',
  aws: 'AKIA' + 'QWERTYUIOPASDFGH',
  gh: 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
  slack: 'xoxb-' + '123456789012-abcdefABCDEF',
  api: 'sk_live_' + '9f8e7d6c5b4a39281706',
  pin: 'PIN_' + '4711',
  allowed: 'PIN_' + '0000',
  env: 'SECRET=' + 'from-dotenv-file-value',
};

const TREE: Record<string, string> = {
  'README.md': 'nothing here\n',
  'deploy/id_rsa': `${V.key}\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n`,
  'config/settings.py': `DB = "postgres://cutter:${V.password}@db.internal:5432/iu"\nAWS = "${V.aws}"\n`,
  'scripts/ci.sh': `export GH=${V.gh}\nSLACK=${V.slack}\n`,
  'src/client.py': `api_key = "${V.api}"\npin = "${V.pin}"\nexample_pin = "${V.allowed}"\n`,
  '.env': `${V.env}\n`,
  'docs/example.md': 'postgres://user@host/db has no password; api_key = short\n',
};

const EXPECTED = [
  '.env:0 env-file',
  'config/settings.py:1 url-password',
  'config/settings.py:2 aws-access-key',
  'deploy/id_rsa:1 private-key',
  'scripts/ci.sh:1 github-token',
  'scripts/ci.sh:2 slack-token',
  'src/client.py:1 generic-token',
  'src/client.py:2 pin',
];

let hosts: TestHosts;
const cleanup: string[] = [];
beforeAll(async () => {
  hosts = await startHosts();
});
afterAll(async () => {
  await hosts.stop();
  cleanup.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const patterns = [{ name: 'pin', regex: '\\bPIN_[0-9]{4}\\b' }];
const allow = ['/PIN_0000/'];
const strip = (locations: unknown) => (locations as string[]).map((l) => l.replace(/ sha256:[0-9a-f]{8}$/, ''));

describe.each<HostKind>(['local', 'ssh'])('secret-scan on %s', (kind) => {
  const o = () => ({ host: hosts.name(kind), hosts: hosts.hosts });

  test('finds every planted secret in a tree, reports file:line rule digest, and no value appears anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gaterun-scan-'));
    cleanup.push(dir);
    writeFiles(dir, TREE);
    const { result, ledger } = await runGate(secretScan, { path: dir, patterns, allow }, o());
    expect(result.status).toBe('FAIL');
    expect(strip(result.facts.locations)).toEqual(EXPECTED);
    expect(result.facts.findings).toBe(EXPECTED.length);
    for (const line of result.facts.locations as string[]) expect(line).toMatch(/ sha256:[0-9a-f]{8}$/);
    const everything = JSON.stringify(result) + ledger.toJsonl();
    for (const value of Object.values(V)) expect(everything).not.toContain(value);
    expect(everything).not.toContain('hunter2');
  });

  test('scans only a change set between commits (new secret found, old file not rescanned)', async () => {
    const repo = await makeRepo({ 'old.py': `token = "${V.api}"\n`, 'a.py': 'x = 1\n' });
    cleanup.push(repo.dir);
    const to = await repo.commit({ 'a.py': `x = 1\nurl = "mysql://root:${V.password}@localhost/x"\n`, 'b.py': 'y = 2\n' });
    const { result, ledger } = await runGate(secretScan, { repo: repo.dir, from: repo.first, to }, o());
    expect(result.status).toBe('FAIL');
    expect(strip(result.facts.locations)).toEqual(['a.py:2 url-password']);
    expect(JSON.stringify(result) + ledger.toJsonl()).not.toContain(V.password);
  });

  test('a clean overlay PASSes; an allowlisted path is not reported', async () => {
    const repo = await makeRepo({ 'a.py': 'x = 1\n' });
    const overlay = mkdtempSync(join(tmpdir(), 'gaterun-overlay-'));
    cleanup.push(repo.dir, overlay);
    writeFiles(overlay, { 'a.py': 'x = 2\n', 'fixtures/fake.pem': `${V.key}\n` });
    const { result } = await runGate(secretScan, { repo: repo.dir, overlay, base: repo.first, allow: ['fixtures/'] }, o());
    expect(result.status).toBe('PASS');
    expect(result.facts).toMatchObject({ findings: 0, files_scanned: 2 });
  });
});
