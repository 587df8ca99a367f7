// `gaterun verify` with a policy (--require, --macro, --max-age, --key) on real signed runs made by the CLI.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { signBundle } from '../../src/report/sign-bundle.js';
import { checkPolicy, formatAge, parseDuration, type VerifiedOutcome } from '../../src/report/verify-bundle.js';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

async function keys(dir: string) {
  await gaterun(['keygen', '--out', join(dir, 'keys')]);
  return { priv: join(dir, 'keys', 'signing-key.pem'), pub: join(dir, 'keys', 'signing-key.pub.pem') };
}

async function run(dir: string, id: string, command: string, key: string): Promise<string> {
  writeFiles(dir, {
    [`${id}.yaml`]: `id: ${id}\nmacro: m-${id}\ntitle: t\noutcome: ${id}_OK\ngates:\n  - id: G0\n    title: one\n    kind: command\n    with: { command: "${command}" }\n`,
  });
  const out = join(dir, 'reports', id, `run-${command}`);
  await gaterun(['run', join(dir, `${id}.yaml`), '--out', out, '--key', key, '--renderer', 'silent']);
  return out;
}

describe('gaterun verify with a policy', () => {
  test('--require A fails a C bundle with exit 4 naming the policy; an A bundle passes; tampering is exit 5', async () => {
    const dir = tempDir();
    const k = await keys(dir);
    const c = await run(dir, 'O8B', 'false', k.priv);
    const a = await run(dir, 'O8B', 'true', k.priv);

    const integrityOnly = await gaterun(['verify', c, '--key', k.pub]);
    expect(integrityOnly.exitCode).toBe(0); // no policy asked: an intact C bundle verifies

    const wantA = await gaterun(['verify', c, '--key', k.pub, '--require', 'A']);
    expect(wantA.exitCode).toBe(4);
    expect(wantA.stdout).toMatch(/^POLICY NOT MET .*: outcome C, wanted A$/m);

    const both = await gaterun(['verify', c, '--key', k.pub, '--require', 'A', '--macro', 'O8C']);
    expect(both.exitCode).toBe(4);
    expect(both.stdout).toContain('outcome C, wanted A; macro O8B, wanted O8C');

    const ok = await gaterun(['verify', a, '--key', k.pub, '--require', 'A', '--macro', 'O8B', '--max-age', '1d']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^OK /);

    const json = JSON.parse((await gaterun(['verify', c, '--key', k.pub, '--require', 'A', '--json'])).stdout);
    expect(json).toMatchObject({
      status: 'policy_not_met',
      bundle_ok: true,
      outcome: { code: 'C', macro_id: 'O8B' },
      policy_problems: [{ policy: 'require' }],
    });

    // The policy reads the signed statement, not run.json: rewriting run.json to claim A is tampering (exit 5), never OK.
    const record = JSON.parse(readFileSync(join(c, 'run.json'), 'utf8'));
    record.outcome.code = 'A';
    record.macro.id = 'O8C';
    writeFileSync(join(c, 'run.json'), JSON.stringify(record, null, 2));
    const forged = await gaterun(['verify', c, '--key', k.pub, '--require', 'A', '--macro', 'O8C']);
    expect(forged.exitCode).toBe(5);
    expect(forged.stdout).toMatch(/changed\s+run\.json was changed/);
    expect(forged.stdout).toContain('policy not checked: the bundle does not verify');
  });

  test('--max-age: a bundle signed 3 days ago fails max 1d with exit 4; bad flag values are usage errors', async () => {
    const dir = tempDir();
    const k = await keys(dir);
    const a = await run(dir, 'O8B', 'true', k.priv);
    // Re-sign the same run as if it had been signed three days ago.
    signBundle(a, {
      privateKey: createPrivateKey(readFileSync(k.priv)),
      macroFile: join(dir, 'O8B.yaml'),
      macroSha256: 'a'.repeat(64),
      target: 'local',
      outcomeCode: 'A',
      version: '0.0.0',
      now: new Date(Date.now() - 3 * 86_400_000 - 60_000),
    });
    const old = await gaterun(['verify', a, '--key', k.pub, '--max-age', '1d']);
    expect(old.exitCode).toBe(4);
    expect(old.stdout).toMatch(/signed 3 days ago, max 1d/);
    expect((await gaterun(['verify', a, '--key', k.pub, '--max-age', '4d'])).exitCode).toBe(0);

    const bad = await gaterun(['verify', a, '--key', k.pub, '--max-age', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--max-age soon: expected a duration/);
    expect((await gaterun(['verify', a, '--key', k.pub, '--require', 'E'])).exitCode).toBe(2);
  });
});

describe('checkPolicy, parseDuration, formatAge', () => {
  const outcome: VerifiedOutcome = {
    code: 'A',
    verificationResult: 'PASSED',
    verifier: 'gaterun@0.1.0',
    timeVerified: '2026-11-20T00:00:00.000Z',
    resourceUri: 't',
    policy: { uri: 'macros/O8B.yaml', sha256: 'c'.repeat(64) },
    macroId: 'O8B',
    files: 3,
  };
  const now = new Date('2026-11-23T00:00:00.000Z');

  test('each policy not met is named; all met gives none', () => {
    expect(
      checkPolicy(outcome, { require: 'A', macro: 'O8B', macroSha256: 'c'.repeat(64), maxAge: { ms: 4 * 86_400_000, text: '4d' }, now }),
    ).toEqual([]);
    expect(
      checkPolicy(outcome, { require: 'C', macro: 'O8C', macroSha256: 'd'.repeat(64), maxAge: { ms: 86_400_000, text: '1d' }, now }).map(
        (p) => p.message,
      ),
    ).toEqual([
      'outcome A, wanted C',
      'macro O8B, wanted O8C',
      `macro file sha256 ${'c'.repeat(16)}…, wanted ${'d'.repeat(16)}…`,
      'signed 3 days ago, max 1d',
    ]);
    const { macroId: _omit, ...unnamed } = outcome;
    expect(checkPolicy(unnamed, { macro: 'O8B' })[0].message).toMatch(/names no macro id/);
    expect(
      checkPolicy({ ...outcome, timeVerified: '2026-11-24T00:00:00.000Z' }, { maxAge: { ms: 86_400_000, text: '1d' }, now })[0].message,
    ).toMatch(/1 day in the future/);
  });

  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['1d', 86_400_000],
    ['2w', 1_209_600_000],
    ['1d12h', 129_600_000],
    ['1.5h', 5_400_000],
    ['soon', null],
    ['1', null],
    ['0d', null],
    ['-1d', null],
  ])('parseDuration(%j) = %j', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test('formatAge uses the largest whole unit', () => {
    expect([formatAge(3 * 86_400_000 + 5), formatAge(3_600_000), formatAge(125_000), formatAge(1000)]).toEqual([
      '3 days',
      '1 hour',
      '2 minutes',
      '1 second',
    ]);
  });
});
