// The per-host method line of changes_outside_run_dir, computed from real ledger entries.
import { afterAll, afterEach, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { clearSandboxCache, SANDBOX_ENV } from '../../src/context/sandbox.js';
import { filesMethodByHost } from '../../src/observe/files-method.js';
import { testContext } from '../helpers/host-context.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

const saved = process.env[SANDBOX_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[SANDBOX_ENV];
  else process.env[SANDBOX_ENV] = saved;
  clearSandboxCache();
});
afterAll(cleanupTemp);

test('all commands sandboxed: enforced with the count; protected paths add observed; none is never called enforced', async () => {
  const { ctx, ledger } = testContext({ policy: 'deploy' });
  await ctx.exec('true', []);
  await ctx.shell('echo hi');
  expect(filesMethodByHost(ledger.entries, { local: ['/opt/a', '/opt/b'] })).toEqual([
    expect.objectContaining({
      host: 'local',
      commands: 2,
      enforced: 2,
      method: 'enforced',
      text: 'enforced (sandbox, 2 commands); observed (2 protected paths)',
    }),
  ]);
  // One command without the sandbox on the same host: no longer "enforced" for the host, and it is named.
  process.env[SANDBOX_ENV] = 'off';
  clearSandboxCache();
  await ctx.exec('true', []);
  const [m] = filesMethodByHost(ledger.entries, {});
  expect(m).toMatchObject({ commands: 3, enforced: 2, method: 'declared only' });
  expect(m.text).toBe(`enforced for 2 of 3 commands (unconfined: #3 switched off by ${SANDBOX_ENV}=off)`);
});

test('no sandbox at all: observed when paths are protected, else declared only with the reason; copies are not commands', async () => {
  process.env[SANDBOX_ENV] = 'off';
  const { ctx, ledger } = testContext({ policy: 'deploy' });
  await ctx.exec('true', []);
  const src = join(tempDir(), 'f');
  writeFileSync(src, 'x');
  await ctx.hosts.copy(src, 'local', join(tempDir(), 'g'));
  expect(filesMethodByHost(ledger.entries, { local: ['/opt/a'] })[0]).toMatchObject({
    commands: 1,
    method: 'observed',
    text: 'observed (1 protected path)',
  });
  expect(filesMethodByHost(ledger.entries)[0]).toMatchObject({
    method: 'declared only',
    text: `declared only (no sandbox: switched off by ${SANDBOX_ENV}=off)`,
  });
});
