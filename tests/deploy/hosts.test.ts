import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  checkHost,
  closeHosts,
  commandForHost,
  copyToHost,
  newRemotePidFile,
  remoteKillCommand,
  shellQuote,
  sshOptions,
  type HostSpec,
} from '../../src/context/hosts.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

describe('shellQuote', () => {
  test.each([
    ['plain', 'plain'],
    ['', "''"],
    ["it's", `'it'\\''s'`],
    ['a b', "'a b'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
  ])('%j -> %s', (input, quoted) => expect(shellQuote(input)).toBe(quoted));

  test('round-trips awkward words through a real sh', async () => {
    const words = ['a b', "it's", '$HOME', '`x`', 'back\\slash', 'new\nline', '*', '-n', ''];
    const r = await execa('sh', ['-c', `printf '%s\\0' ${shellQuote(words)}`]);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words);
  });
});

describe('ssh hosts against a real sshd', () => {
  let sshd: TestSshd;
  let spec: HostSpec;
  beforeAll(async () => {
    sshd = await startSshd();
    spec = sshd.spec();
  });
  afterAll(async () => {
    await closeHosts();
    await sshd.stop();
  });

  test('commandForHost builds the ssh line with batch mode, control master and pinned host key', () => {
    const cmd = commandForHost(spec, 'echo', ['a b']);
    expect(cmd.file).toBe('ssh');
    const line = cmd.args.join(' ');
    for (const o of [
      'BatchMode=yes',
      'ControlMaster=auto',
      'ControlPersist=60',
      'ConnectTimeout=5',
      'StrictHostKeyChecking=yes',
      `UserKnownHostsFile=${sshd.knownHosts}`,
    ])
      expect(line).toContain(o);
    expect(cmd.args).toContain('-i');
    expect(cmd.args.slice(-3)).toEqual([`${spec.user}@127.0.0.1`, '--', "echo 'a b'"]);
  });

  test('runs a command with awkward arguments, cwd and env on the host', async () => {
    const words = ['a b', "it's", '$HOME', ';', 'x|y'];
    const cmd = commandForHost(spec, 'sh', ['-c', 'printf "%s|" "$@"; printf "%s|%s" "$PWD" "$GR_X"', 'sh', ...words], {
      cwd: '/tmp',
      env: { GR_X: 'v w' },
    });
    const r = await execa(cmd.file, cmd.args, { reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${words.join('|')}|/tmp|v w`);
  });

  test('copyToHost copies a file with scp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gaterun-copy-'));
    writeFileSync(join(dir, 'src file'), 'payload\n');
    const r = await copyToHost(spec, join(dir, 'src file'), join(dir, 'dst file'));
    expect(r).toMatchObject({ ok: true });
    expect(readFileSync(join(dir, 'dst file'), 'utf8')).toBe('payload\n');
  });

  test('remoteKillCommand ends a running remote command and its children (the ControlMaster would keep them)', async () => {
    const pidFile = newRemotePidFile();
    const marker = join(mkdtempSync(join(tmpdir(), 'gaterun-kill-')), 'started');
    const finished = `${marker}.finished`;
    // A sleep length no other process on a shared machine uses, so the ps check below sees only ours.
    const nap = `sleep 30.${String(process.pid).padStart(7, '0')}`;
    const cmd = commandForHost(spec, 'sh', ['-c', `touch ${marker}; ${nap}; touch ${finished}; echo not-killed`], { pidFile });
    const child = execa(cmd.file, cmd.args, { reject: false, stdin: 'ignore' });
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 50));
    const k = remoteKillCommand(spec, pidFile);
    expect((await execa(k.file, k.args, { reject: false })).exitCode).toBe(0);
    const r = await child;
    // The child ended before its sleep could: the kill, not the command, ended it.
    expect(existsSync(finished)).toBe(false);
    expect(r.stdout).not.toContain('not-killed');
    expect(existsSync(pidFile)).toBe(false);
    expect((await execa('sh', ['-c', `ps -eo args | grep -c '^${nap}$' || true`])).stdout.trim()).toBe('0');
  });

  test('closeHosts ends the ControlMaster of every host used, including ones that differ only by port', async () => {
    const c = commandForHost(spec, 'true', []);
    expect((await execa(c.file, c.args, { reject: false })).exitCode).toBe(0);
    await checkHost({ ...spec, port: 1 });
    const check = () =>
      execa('ssh', [...sshOptions(spec), '-p', String(spec.port), '-O', 'check', `${spec.user}@127.0.0.1`], { reject: false });
    expect((await check()).exitCode).toBe(0);
    await closeHosts();
    expect((await check()).exitCode).toBe(255);
  });

  test('checkHost: ok, refused key, unreachable port, untrusted host key', async () => {
    expect(await checkHost(spec)).toEqual({ ok: true });
    const other = mkdtempSync(join(tmpdir(), 'gaterun-key-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, 'k')]);
    const refused = await checkHost({ ...spec, identity: join(other, 'k') });
    expect(refused).toEqual({ ok: false, reason: `host ${spec.user}@127.0.0.1:${sshd.port}: key refused (Permission denied)` });
    expect(JSON.stringify(refused)).not.toContain(readFileSync(join(other, 'k'), 'utf8').split('\n')[1]);
    const down = await checkHost({ ...spec, port: 1 });
    expect(down).toEqual({ ok: false, reason: `host ${spec.user}@127.0.0.1:1: unreachable (connection refused)` });
    writeFileSync(join(other, 'known_hosts'), '');
    const untrusted = await checkHost({ ...spec, knownHosts: join(other, 'known_hosts') });
    expect(untrusted).toMatchObject({ ok: false, reason: expect.stringContaining('host key not trusted') });
  });
});
