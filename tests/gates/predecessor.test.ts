// The `predecessor` gate on real signed bundles made by the CLI.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { paramsValid, runGateKind } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

async function signedRun(dir: string, runName: string, command: string, key: string) {
  writeFiles(dir, { 'prev.yaml': `id: PREV\nmacro: prev\ntitle: prev\noutcome: PREV_OK\ngates:\n  - id: G0\n    title: one\n    kind: command\n    with: { command: "${command}" }\n` });
  const out = join(dir, 'reports', 'PREV', runName);
  await gaterun(['run', join(dir, 'prev.yaml'), '--out', out, '--key', key, '--renderer', 'silent']);
  return out;
}

describe('predecessor gate', () => {
  test('latest run of the macro verifies and is A → PASS with its facts; tampered → FAIL naming the file; C → FAIL', async () => {
    const dir = tempDir();
    const keys = join(dir, 'keys');
    await gaterun(['keygen', '--out', keys]);
    const key = join(keys, 'signing-key.pem');
    const pub = join(keys, 'signing-key.pub.pem');
    await signedRun(dir, '20260101T000000Z-prev-0001', 'false', key);
    const good = await signedRun(dir, '20260102T000000Z-prev-0002', 'true', key);

    const ok = await runGateKind('predecessor', { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] });
    expect(ok.result.status).toBe('PASS');
    expect(ok.result.facts).toMatchObject({ run: good, outcome: 'A — PREV_OK', outcome_code: 'A', verified: true });

    const older = await runGateKind('predecessor', { run: join(dir, 'reports', 'PREV', '20260101T000000Z-prev-0001'), keys: [pub] });
    expect(older.result.status).toBe('FAIL');
    expect(older.result.summary).toMatch(/C — FAIL at G0, A required/);

    const report = join(good, '01-one.md');
    writeFileSync(report, readFileSync(report, 'utf8') + '\nedited\n');
    const tampered = await runGateKind('predecessor', { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] });
    expect(tampered.result.status).toBe('FAIL');
    expect(tampered.result.summary).toMatch(/does not verify: changed 01-one\.md/);

    const none = await runGateKind('predecessor', { macro: 'NOPE', reports: join(dir, 'reports'), keys: [pub] });
    expect(none.result.summary).toMatch(/no run of NOPE under/);
  });

  test('bad params are rejected by the schema', () => {
    expect(paramsValid('predecessor', { run: '/x', keys: ['/k.pem'] })).toBe(true);
    expect(paramsValid('predecessor', { macro: 'X', keys: ['/k.pem'] })).toBe(false);
    expect(paramsValid('predecessor', { run: '/x', keys: [] })).toBe(false);
  });
});
