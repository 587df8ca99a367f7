// The artifact's manifest is hashed while the tar streams (perl, Digest::SHA) or after extracting it: the same
// manifest and the same archive bytes either way, equal to the sha256 of what git stores, on names and contents
// chosen to trip a tar reader; a cut-off stream fails instead of yielding a short manifest.
import { afterAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createContext } from '../../src/context/create-context.js';
import { Ledger } from '../../src/context/ledger.js';
import { buildArtifact, TAR_SHA256_PERL, type ArtifactOptions } from '../../src/files/artifact.js';
import { parseManifest } from '../../src/files/manifest.js';
import type { GateContext } from '../../src/gate.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(d);
  return d;
};

function context(runDir: string): GateContext {
  return createContext({
    gateId: 'G0',
    host: 'local',
    ledger: new Ledger('deploy'),
    signal: new AbortController().signal,
    target: {
      name: 't',
      file: null,
      hosts: { local: 'local' },
      hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
      paths: {},
    },
    run: { id: 'r', macroId: 'M', dir: runDir },
    facts: {},
    log: { info: () => undefined, warn: () => undefined },
    redact: (s) => s,
  });
}

// execa's buffer encoding yields a Uint8Array; Buffer gives it toString('utf8') and indexOf.
const git = async (dir: string, ...args: string[]) =>
  Buffer.from(
    (
      await execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        encoding: 'buffer',
        stripFinalNewline: false,
      })
    ).stdout,
  );
const perl = async (input: Buffer) => {
  const r = await execa('perl', ['-e', TAR_SHA256_PERL], { input, reject: false, encoding: 'buffer' });
  return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout).toString('utf8'), stderr: Buffer.from(r.stderr).toString('utf8') };
};

/** A repo whose paths and contents a naive tar reader gets wrong. */
async function awkwardRepo(): Promise<string> {
  const dir = tmp('gaterun-hasher-repo-');
  const put = (p: string, data: string | Buffer, exec = false) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), data);
    if (exec) chmodSync(join(dir, p), 0o755);
  };
  put('README.md', '# x\n');
  put('empty.txt', '');
  // A 100-character name (fills the ustar name field with no NUL), one needing the ustar prefix, one longer than 255 (pax).
  put('a'.repeat(100), 'exactly one hundred\n');
  put(`${'d'.repeat(120)}/${'f'.repeat(90)}.txt`, 'prefix\n');
  put(`${'deep/'.repeat(40)}${'n'.repeat(60)}.txt`, 'pax path\n');
  put('spaces and ü/naïve name.txt', 'unicode\n');
  put('bin/run.sh', '#!/bin/sh\necho run\n', true);
  // Content that looks like the end of an archive (zero blocks) and like a tar header, then over 1 MiB of bytes.
  put('zeros.bin', Buffer.alloc(4096));
  const fake = Buffer.alloc(512);
  fake.write('evil.txt');
  fake.write('0000777', 100);
  fake.write('00000000017', 124);
  fake.write('0', 156);
  put('fake-header.tar', Buffer.concat([fake, Buffer.from('x'.repeat(15))]));
  const big = Buffer.alloc(3 * 1024 * 1024 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  put('big.bin', big);
  symlinkSync('README.md', join(dir, 'link-to-readme'));
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'awkward');
  return dir;
}

/** sha256 of every regular file of HEAD, from the blobs git stores. */
async function blobHashes(repo: string): Promise<Map<string, string>> {
  const tree = (await git(repo, 'ls-tree', '-r', '-z', 'HEAD')).toString('utf8').split('\0').filter(Boolean);
  const out = new Map<string, string>();
  for (const rec of tree) {
    const [meta, path] = [rec.slice(0, rec.indexOf('\t')), rec.slice(rec.indexOf('\t') + 1)];
    const [mode, , object] = meta.split(' ');
    if (mode === '120000') continue;
    const blob = await git(repo, 'cat-file', 'blob', object);
    out.set(path, createHash('sha256').update(blob).digest('hex'));
  }
  return out;
}

/** Builds an artifact of `repo` at HEAD with the given hasher/compressor; throws when the build fails. */
async function buildWith(repo: string, choice: Pick<ArtifactOptions, 'hasher' | 'compressor'>) {
  const r = await buildArtifact(context(tmp('gaterun-hasher-run-')), {
    repo,
    commit: 'HEAD',
    name: 'x',
    out: tmp('gaterun-hasher-out-'),
    host: 'local',
    mutates: true,
    ...choice,
  });
  if (!r.ok) throw new Error(r.error);
  return r;
}

test('stream and extract hashing give the same manifest and archive, equal to the blobs; auto takes the stream', async () => {
  const repo = await awkwardRepo();
  const built = (hasher: ArtifactOptions['hasher']) => buildWith(repo, { hasher });
  const auto = await built('auto');
  const stream = await built('stream');
  const extract = await built('extract');
  expect(auto.evidence.map((e) => e.stderrTail ?? '').join('\n')).toContain('manifest hashed by: stream');
  expect(extract.evidence.map((e) => e.stderrTail ?? '').join('\n')).toContain('manifest hashed by: extract');
  const manifest = (r: typeof auto) => readFileSync(r.manifestPath, 'utf8');
  expect(manifest(stream)).toBe(manifest(extract));
  expect(manifest(auto)).toBe(manifest(extract));
  expect(stream.sha256).toBe(extract.sha256);
  expect(readFileSync(stream.path)).toEqual(readFileSync(extract.path));
  // The archive's digest and size are taken while it is written: they must be those of the file on disk.
  const onDisk = readFileSync(stream.path);
  expect(stream.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
  expect(stream.bytes).toBe(onDisk.length);
  expect(stream.manifestSha256).toBe(createHash('sha256').update(readFileSync(stream.manifestPath)).digest('hex'));
  const expected = await blobHashes(repo);
  expect(expected.size).toBe(10);
  expect(parseManifest(manifest(stream))).toEqual(expected);
  expect(stream.symlinks).toBe(1);
});

test("both compressors: the same manifest, each reproducible; git's is the bytes of `git archive --format=tar.gz`", async () => {
  const repo = await awkwardRepo();
  const built = (compressor: ArtifactOptions['compressor']) => buildWith(repo, { compressor });
  const [g1, g2, z1, z2, auto] = [await built('git'), await built('git'), await built('gzip'), await built('gzip'), await built('auto')];
  expect(g1.evidence.map((e) => e.stderrTail ?? '').join('\n')).toContain('compressed by: git');
  expect(z1.evidence.map((e) => e.stderrTail ?? '').join('\n')).toContain('compressed by: gzip');
  expect(g2.sha256).toBe(g1.sha256);
  expect(z2.sha256).toBe(z1.sha256);
  expect(auto.sha256).toBe(g1.sha256); // git 2.39 here: auto takes git's compressor
  expect(readFileSync(g1.manifestPath, 'utf8')).toBe(readFileSync(z1.manifestPath, 'utf8'));
  // With the same pinned config, git's own tar.gz is byte for byte the artifact.
  const own = await git(
    repo,
    '-c',
    'tar.umask=0022',
    '-c',
    'core.autocrlf=false',
    '-c',
    'core.eol=lf',
    'archive',
    '--format=tar.gz',
    'HEAD',
    '--',
    '.',
  );
  expect(createHash('sha256').update(own).digest('hex')).toBe(g1.sha256);
  // And gzip's is GNU gzip -n -6 of git's tar.
  const tar = await git(
    repo,
    '-c',
    'tar.umask=0022',
    '-c',
    'core.autocrlf=false',
    '-c',
    'core.eol=lf',
    'archive',
    '--format=tar',
    'HEAD',
    '--',
    '.',
  );
  const gz = await execa('gzip', ['-n', '-6'], { input: tar, encoding: 'buffer' });
  expect(createHash('sha256').update(Buffer.from(gz.stdout)).digest('hex')).toBe(z1.sha256);
});

test('a tar stream cut short makes the stream hasher fail, not print a shorter list', async () => {
  const repo = await awkwardRepo();
  const tar = await git(repo, 'archive', '--format=tar', 'HEAD');
  const whole = await perl(tar);
  expect(whole.exitCode).toBe(0);
  expect(whole.stdout.split('\0').filter(Boolean)).toHaveLength(10);
  // Cut inside big.bin's data.
  const at = tar.indexOf(Buffer.from('big.bin')) + 512 + 1024 * 1024;
  const cut = await perl(tar.subarray(0, at));
  expect(cut.exitCode).not.toBe(0);
  expect(cut.stderr).toContain('tar stream ends early');
});

test('forbid: an export-ignored match is not shipped and passes; a shipped match FAILs before anything is written', async () => {
  const dir = tmp('gaterun-hasher-forbid-');
  writeFileSync(join(dir, 'app.txt'), 'app\n');
  writeFileSync(join(dir, 'ignored.cred'), 'x\n');
  writeFileSync(join(dir, '.gitattributes'), 'ignored.cred export-ignore\n');
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'one');
  const ctx = context(tmp('gaterun-hasher-run-'));
  const out = tmp('gaterun-hasher-out-');
  const ok = await buildArtifact(ctx, { repo: dir, commit: 'HEAD', name: 'x', out, host: 'local', mutates: true, forbid: ['*.cred'] });
  expect(ok.ok && ok.excluded).toEqual([{ path: 'ignored.cred', why: 'export-ignore (.gitattributes)' }]);
  writeFileSync(join(dir, 'shipped.cred'), 'y\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'two');
  const out2 = tmp('gaterun-hasher-out-');
  const bad = await buildArtifact(ctx, {
    repo: dir,
    commit: 'HEAD',
    name: 'x',
    out: out2,
    host: 'local',
    mutates: true,
    forbid: ['*.cred'],
  });
  expect(bad.ok ? [] : bad.forbidden).toEqual(['shipped.cred']);
  expect(readdirSync(out2)).toEqual([]);
});
