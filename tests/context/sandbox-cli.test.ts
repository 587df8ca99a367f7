// The sandbox through the built CLI: a mutation: none macro that writes outside its run dir is stopped
// inside the command, and a gate whose command left an escaped child still lets gaterun end.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const macro = (command: string, more = '') => `id: T1
macro: sandbox-test
title: sandbox test
mutation: none
outcome: T1_PASS
gates:
  - id: G0
    title: write-outside
    kind: command
${more}    with:
      command: ${JSON.stringify(command)}
`;

function setup(text: string) {
  const dir = tempDir();
  writeFiles(dir, { 'm.yaml': text });
  return { dir, file: join(dir, 'm.yaml'), out: join(dir, 'run') };
}

const ledger = (out: string) =>
  readFileSync(join(out, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; detail?: Record<string, unknown> });

function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('gaterun run with the sandbox', () => {
  test('mutation: none, `touch` outside the run dir: C at G0, Read-only file system in the report, no file', async () => {
    const { dir, file, out } = setup(macro(''));
    const outside = join(dir, 'some', 'outside', 'path');
    writeFiles(dir, { 'some/outside/.keep': '' });
    writeFiles(dir, { 'm.yaml': macro(`touch ${outside}`) });
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('final_outcome: C — FAIL at G0');
    expect(existsSync(outside)).toBe(false);
    expect(readFileSync(join(out, '01-write-outside.md'), 'utf8')).toContain('Read-only file system');
    expect(ledger(out).filter((e) => e.action === 'exec')[0].detail).toMatchObject({ sandbox: 'bwrap', writable: [out] });
  });

  test('GATERUN_SANDBOX=off: the write happens and the ledger says sandbox none (the attestation cannot claim enforcement)', async () => {
    const { dir, file, out } = setup(macro(''));
    const outside = join(dir, 'written');
    writeFiles(dir, { 'm.yaml': macro(`touch ${outside}`) });
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent'], { env: { GATERUN_SANDBOX: 'off' } });
    expect(existsSync(outside)).toBe(true);
    expect(r.exitCode).not.toBe(70);
    expect(ledger(out).filter((e) => e.action === 'exec')[0].detail).toMatchObject({
      sandbox: 'none',
      writable: [],
      sandboxNote: 'switched off by GATERUN_SANDBOX=off',
    });
  });

  test('issue 13 item 5: an escaped setsid child does not keep gaterun running after a timeout, and is gone', async () => {
    const marker = `1002.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const { file, out } = setup(macro(`setsid sh -c 'exec sleep ${marker}' & sleep 1000`, '    timeout: 2\n'));
    // Without the PID namespace this await lasts until the child's 1002 s sleep ends (the jest timeout fails it first).
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('final_outcome: C — FAIL at G0');
    expect(processesWith(`sleep\0${marker}`)).toEqual([]);
  });
});
