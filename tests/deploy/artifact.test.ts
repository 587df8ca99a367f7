import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import artifact from '../../gates/artifact.js';
import { cloneRepo, makeRepo, type TestRepo } from '../helpers/git-repo.js';
import { runGate } from '../helpers/host-context.js';
import { run } from '../helpers/run.js';
import { startHosts } from '../helpers/hosts.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(d);
  return d;
};

const FILES = {
  'README.md': '# iu-cutter\n',
  'src/cutter/__init__.py': '__version__ = "0.6"\n',
  'src/cutter/core.py': 'def cut(x):\n    return x.split()\n',
  'bin/run.sh': { content: '#!/bin/sh\necho run\n', exec: true },
  'tests/test_core.py': 'import unittest\n',
  '-dash first.txt': 'odd name\n',
  'dir with space/ü.txt': 'unicode\n',
  '.env': 'DATABASE_URL=postgres://u:hunter2@db/x\n',
  'deploy/server.pem': '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
  'src/cutter/__pycache__/core.cpython-311.pyc': 'bytecode',
  'node_modules/x/index.js': 'module.exports = 1\n',
};

async function build(repo: string, out: string, extra: Record<string, unknown> = {}) {
  return runGate(artifact, { repo, name: 'iu-cutter-v0.6', out, ...extra }, { policy: 'source' });
}

describe('artifact', () => {
  let repo: TestRepo & { first: string };
  test('byte for byte reproducible: two builds, and a build from another clone with autocrlf/umask config', async () => {
    repo = await makeRepo(FILES);
    cleanup.push(repo.dir);
    const a = await build(repo.dir, tmp('gaterun-out-'));
    expect(a.result.status).toBe('PASS');
    const b = await build(repo.dir, tmp('gaterun-out-'));
    const clone = await cloneRepo(repo.dir);
    cleanup.push(clone);
    // A machine whose git config would change archive bytes if it were honoured.
    await run('git', ['-C', clone, 'config', 'core.autocrlf', 'true']);
    await run('git', ['-C', clone, 'config', 'tar.umask', '0077']);
    const c = await build(clone, tmp('gaterun-out-'));
    expect(b.result.facts.sha256).toBe(a.result.facts.sha256);
    expect(c.result.facts.sha256).toBe(a.result.facts.sha256);
    expect(c.result.facts.manifest_sha256).toBe(a.result.facts.manifest_sha256);
    expect(readFileSync(String(c.result.facts.path))).toEqual(readFileSync(String(a.result.facts.path)));
    expect(a.result.facts.name).toBe(`iu-cutter-v0.6-${repo.first.slice(0, 7)}.tar.gz`);
  });

  test('excludes .env, keys and caches; fixed metadata; manifest lists the shipped files', async () => {
    const out = tmp('gaterun-out-');
    const { result, ledger } = await build(repo.dir, out);
    const f = result.facts;
    expect(f.excluded).toEqual(['.env', 'deploy/server.pem', 'node_modules/x/index.js', 'src/cutter/__pycache__/core.cpython-311.pyc']);
    expect(f.files).toBe(7);
    const listing = await run('tar', ['-tvzf', String(f.path), '--numeric-owner']);
    const all = listing.trim().split('\n');
    for (const dir of all.filter((l) => l.startsWith('d'))) expect(dir).toMatch(/^drwxr-xr-x 0\/0\s/);
    const lines = all.filter((l) => !l.startsWith('d'));
    expect(lines).toHaveLength(7);
    expect(all.some((l) => /node_modules|__pycache__|deploy\/|\.env/.test(l))).toBe(false);
    const t = new Date(Number(f.commit_time) * 1000);
    for (const line of lines) {
      expect(line).toMatch(/^-rw[x-]r-[x-]r-[x-] 0\/0\s/);
      expect(line).toContain(`${t.getUTCFullYear()}-`);
    }
    expect(lines.find((l) => l.endsWith('bin/run.sh'))).toMatch(/^-rwxr-xr-x/);
    expect(lines.find((l) => l.endsWith('README.md'))).toMatch(/^-rw-r--r--/);
    const names = lines.map((l) => l.slice(l.indexOf(' ', l.lastIndexOf(':')) + 1));
    expect(names).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    const gz = readFileSync(String(f.path));
    expect(gz[3] & 0x08).toBe(0); // no FNAME: gzip -n stored no file name
    expect(gz.readUInt32LE(4)).toBe(0); // and no timestamp
    const manifest = readFileSync(String(f.manifest), 'utf8');
    expect(manifest.trim().split('\n')).toHaveLength(7);
    expect(manifest).toContain(`${(await run('sha256sum', [join(repo.dir, 'README.md')])).slice(0, 64)}  README.md\n`);
    expect(manifest).not.toContain('.env');
    // An out dir outside the run dir is a declared change.
    expect(ledger.mutations().map((e) => e.scope)).toContain('source');
  });

  test('built on the SSH host: the same bytes as the local build', async () => {
    const hosts = await startHosts();
    try {
      const local = await build(repo.dir, tmp('gaterun-out-'));
      const { result, ledger } = await runGate(
        artifact,
        { repo: repo.dir, name: 'iu-cutter-v0.6', out: tmp('gaterun-out-') },
        { policy: 'source', host: 'vps', hosts: hosts.hosts },
      );
      expect(result.status).toBe('PASS');
      expect(ledger.entries.every((e) => e.action === 'ssh')).toBe(true);
      expect(result.facts.sha256).toBe(local.result.facts.sha256);
      expect(result.facts.manifest_sha256).toBe(local.result.facts.manifest_sha256);
    } finally {
      await hosts.stop();
    }
  });

  test('forbid: FAILs naming a forbidden file that would be shipped', async () => {
    const { result } = await build(repo.dir, tmp('gaterun-out-'), { forbid: ['*.sh', 'tests/'] });
    expect(result.status).toBe('FAIL');
    expect(result.summary).toContain('bin/run.sh');
    expect(result.summary).toContain('tests/test_core.py');
    expect(result.facts.forbidden).toEqual(['bin/run.sh', 'tests/test_core.py']);
  });

  test('forbid: braces and classes match (`*.{p12,pfx}`, `secret_[ab].txt`): the file does not ship', async () => {
    const r = await makeRepo({ 'README.md': 'x\n', 'certs/client.pfx': 'pfx', 'conf/secret_b.txt': 'b', 'conf/secret_c.txt': 'c' });
    cleanup.push(r.dir);
    const { result } = await build(r.dir, tmp('gaterun-out-'), { forbid: ['*.{p12,pfx}', 'secret_[ab].txt'] });
    expect(result.status).toBe('FAIL');
    expect(result.facts.forbidden).toEqual(['certs/client.pfx', 'conf/secret_b.txt']);
    // and exclude: takes the same globs: the build passes without them
    const ok = await build(r.dir, tmp('gaterun-out-'), { exclude: ['*.{p12,pfx}', 'secret_[!c].txt'] });
    expect(ok.result.status).toBe('PASS');
    expect(ok.result.facts.excluded).toEqual(['certs/client.pfx', 'conf/secret_b.txt']);
  });

  test('.gitattributes export-ignore: the file list follows git archive (a dir, a glob, a nested attributes file)', async () => {
    const r = await makeRepo({
      '.gitattributes': '.github/ export-ignore\n*.snap export-ignore\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'src/app.py': 'print(1)\n',
      'src/app.snap': 'snapshot\n',
      'vendor/.gitattributes': 'big.bin export-ignore\n',
      'vendor/big.bin': 'bytes\n',
      'vendor/small.txt': 'kept\n',
    });
    cleanup.push(r.dir);
    const out = tmp('gaterun-out-');
    const { result } = await build(r.dir, out);
    expect(result.summary).not.toContain('differs');
    expect(result.status).toBe('PASS');
    const manifest = readFileSync(String(result.facts.manifest), 'utf8');
    const listed = manifest
      .trim()
      .split('\n')
      .map((l) => l.slice(66));
    expect(listed.sort()).toEqual(['.gitattributes', 'src/app.py', 'vendor/.gitattributes', 'vendor/small.txt']);
    expect(result.facts.excluded).toEqual(['.github/workflows/ci.yml', 'src/app.snap', 'vendor/big.bin']);
    expect(result.checks.find((c) => c.id === 'CLEAN')?.text).toContain('.github/workflows/ci.yml (export-ignore (.gitattributes))');
    // the archive itself holds exactly the manifest's files
    const tarList = (await run('tar', ['-tzf', String(result.facts.path)])).split('\n').filter((l) => !l.endsWith('/'));
    expect(tarList.sort()).toEqual(listed.sort());
    // a forbid: glob does not fire on a file git archive leaves out anyway
    const f = await build(r.dir, tmp('gaterun-out-'), { forbid: ['.github/'] });
    expect(f.result.status).toBe('PASS');
  });

  test('a mutation: none macro refuses an out dir outside the run dir', async () => {
    await expect(runGate(artifact, { repo: repo.dir, name: 'x', out: tmp('gaterun-out-') }, { policy: 'none' })).rejects.toThrow(
      /refused before it happened/,
    );
  });

  test('bad commit FAILs', async () => {
    const { result } = await build(repo.dir, tmp('gaterun-out-'), { commit: 'nope' });
    expect(result.status).toBe('FAIL');
    expect(result.summary).toContain('nope is not a commit');
  });
});
