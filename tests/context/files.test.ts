// ctx.files on the local host and on a real sshd: same answers both ways, every call a non-mutating ledger entry.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeHosts, type HostSpec } from '../../src/context/hosts.js';
import { FileAccessError } from '../../src/gate.js';
import { testContext } from '../helpers/host-context.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

afterAll(cleanupTemp);

function tree(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'bin.dat'), Buffer.from([0, 255, 10, 13, 0x80, 0]));
  writeFileSync(join(dir, 'odd name\nwith newline'), 'x');
  symlinkSync('/etc/hostname', join(dir, 'link'));
  return dir;
}

describe('ctx.files', () => {
  let sshd: TestSshd;
  let spec: HostSpec;
  beforeAll(async () => {
    sshd = await startSshd();
    spec = { ...sshd.spec(), name: 'vps' };
  });
  afterAll(async () => {
    await closeHosts();
    await sshd.stop();
  });

  test.each(['local', 'vps'])(
    'on %s: read (bytes intact), list (types, odd names, symlink not followed), exists; all ledgered',
    async (host) => {
      const dir = tree();
      const { ctx, ledger } = testContext({ host, hosts: { vps: spec }, policy: 'none' });
      expect(await ctx.files.read(join(dir, 'bin.dat'))).toEqual(Buffer.from([0, 255, 10, 13, 0x80, 0]));
      expect(await ctx.files.list(dir)).toEqual([
        { name: 'a.txt', type: 'file' },
        { name: 'bin.dat', type: 'file' },
        { name: 'link', type: 'other' },
        { name: 'odd name\nwith newline', type: 'file' },
        { name: 'sub', type: 'dir' },
      ]);
      expect(await ctx.files.exists(join(dir, 'a.txt'))).toBe(true);
      expect(await ctx.files.exists(join(dir, 'nope'))).toBe(false);
      await expect(ctx.files.read(join(dir, 'nope'))).rejects.toThrow(FileAccessError);
      await expect(ctx.files.read(join(dir, 'nope'))).rejects.toThrow(/cannot read .*nope/);
      await expect(ctx.files.list(join(dir, 'nope'))).rejects.toThrow(/cannot list .*nope/);
      const entries = ledger.entries.map((e) => [e.action, e.host, e.mutating, e.outcome]);
      expect(entries).toEqual([
        ['file.read', host, false, 'ok'],
        ['file.list', host, false, 'ok'],
        ['file.list', host, false, 'ok'],
        ['file.list', host, false, 'ok'],
        ['file.read', host, false, 'error'],
        ['file.read', host, false, 'error'],
        ['file.list', host, false, 'error'],
      ]);
      expect(ledger.mutations()).toEqual([]); // reads never count as changes, even under mutation: none
    },
  );

  test('options.host reads on another host than the gate runs on', async () => {
    const dir = tree();
    const { ctx, ledger } = testContext({ host: 'vps', hosts: { vps: spec } });
    expect((await ctx.files.read(join(dir, 'a.txt'), { host: 'local' })).toString()).toBe('alpha\n');
    expect(ledger.entries[0]).toMatchObject({ action: 'file.read', host: 'local', target: join(dir, 'a.txt') });
  });
});
