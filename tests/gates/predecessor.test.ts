// The `predecessor` gate on real signed bundles made by the CLI.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import predecessor from '../../gates/predecessor.js';
import { runGateKind, testGate } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

async function signedRun(dir: string, runName: string, command: string, key: string, id = 'PREV') {
  const file = `${id.toLowerCase()}.yaml`;
  writeFiles(dir, {
    [file]: `id: ${id}\nmacro: ${id.toLowerCase()}\ntitle: ${id.toLowerCase()}\noutcome: ${id}_OK\ngates:\n  - id: G0\n    title: one\n    kind: command\n    with: { command: "${command}" }\n`,
  });
  const out = join(dir, 'reports', id, runName);
  await gaterun(['run', join(dir, file), '--out', out, '--key', key, '--renderer', 'silent']);
  return out;
}

const fx = { dir: '', pub: '', good: '', older: '', tampered: '' };
beforeAll(async () => {
  fx.dir = tempDir();
  const keys = join(fx.dir, 'keys');
  await gaterun(['keygen', '--out', keys]);
  fx.pub = join(keys, 'signing-key.pub.pem');
  fx.older = await signedRun(fx.dir, '20260101T000000Z-prev-0001', 'false', join(keys, 'signing-key.pem'));
  fx.good = await signedRun(fx.dir, '20260102T000000Z-prev-0002', 'true', join(keys, 'signing-key.pem'));
  fx.tampered = join(tempDir(), 'tampered');
  cpSync(fx.good, fx.tampered, { recursive: true });
  writeFileSync(join(fx.tampered, '01-one.md'), readFileSync(join(fx.tampered, '01-one.md'), 'utf8') + '\nedited\n');
});

const latest = () => ({ run: fx.good, keys: [fx.pub] });

testGate(predecessor, {
  pass: [
    {
      name: 'the latest run of the macro verifies and is A',
      params: () => ({ macro: 'PREV', reports: join(fx.dir, 'reports'), keys: [fx.pub] }),
    },
    {
      name: 'with a passing composed precheck',
      params: () => ({ ...latest(), precheck: { probes: [{ name: 'x', command: 'echo 1', equals: 1 }] } }),
    },
  ],
  fail: [
    {
      name: 'no run of the macro',
      params: () => ({ macro: 'NOPE', reports: join(fx.dir, 'reports'), keys: [fx.pub] }),
      messageId: 'noRun',
      summary: /^no run of NOPE under/,
    },
    {
      name: 'a tampered bundle',
      params: () => ({ run: fx.tampered, keys: [fx.pub] }),
      messageId: 'notVerified',
      summary: /does not verify: changed 01-one\.md/,
    },
    {
      name: 'an outcome below the required one',
      params: () => ({ run: fx.older, keys: [fx.pub] }),
      messageId: 'outcome',
      summary: /C — FAIL at G0, A required$/,
    },
    {
      name: 'the final block names no manifest',
      params: () => ({ ...latest(), manifest: { path: fx.dir, from_final: 'deployed_manifest' } }),
      messageId: 'noManifest',
    },
    {
      name: 'a composed check fails',
      params: () => ({ ...latest(), precheck: { probes: [{ name: 'x', command: 'echo 1', equals: 2 }] } }),
      messageId: 'subCheck',
      summary: /precheck: probe x read "1", expected "2"$/,
    },
    {
      name: 'a composed check is blocked',
      params: () => ({ ...latest(), precheck: { hostname: { equals: 'no-such-host.invalid' } } }),
      messageId: 'subBlocked',
      status: 'BLOCKED',
      summary: /precheck: wrong host/,
    },
  ],
  invalid: [
    { macro: 'X', keys: ['/k.pem'] },
    { run: '/x', keys: [] },
    { run: '/x', keys: ['/k.pem'], manifest: { path: '/t' } },
    { run: '/x', keys: ['/k.pem'], precheck: { probes: [{ name: 'x' }] } },
  ],
});

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

  test('composed checks: kill-switch probe, deployed tree == the manifest inside the bundle, sibling untouched; any failing one FAILs the gate', async () => {
    const dir = tempDir();
    const keys = join(dir, 'keys');
    await gaterun(['keygen', '--out', keys]);
    const tree = join(dir, 'tree');
    writeFiles(dir, { 'tree/a.txt': 'alpha\n', 'tree/flag.txt': 'False\n', 'v04/readme': 'v0.4\n' });
    // The previous macro leaves the tree's manifest inside its own (signed) run dir.
    const run = await signedRun(
      dir,
      '20260103T000000Z-prev-0003',
      `mkdir -p \${run.dir}/artifacts && cd ${tree} && sha256sum a.txt flag.txt > \${run.dir}/artifacts/MANIFEST.txt`,
      join(keys, 'signing-key.pem'),
    );
    const params = {
      run,
      keys: [join(keys, 'signing-key.pub.pem')],
      precheck: { probes: [{ name: 'execution_enabled', command: `cat ${join(tree, 'flag.txt')}`, equals: 'False' }] },
      manifest: { path: tree, file: 'artifacts/MANIFEST.txt' },
      untouched: { path: join(dir, 'v04') },
    };
    const ok = await runGateKind('predecessor', params);
    expect(ok.result.status).toBe('PASS');
    expect(ok.result.facts).toMatchObject({
      execution_enabled: 'False',
      manifest: { matched: 2, total: 2, in_bundle: true },
      untouched: { files: 1 },
    });
    expect(ok.result.checks.map((c) => c.text)).toContain('manifest artifacts/MANIFEST.txt is a file of the verified PREV bundle');

    writeFileSync(join(tree, 'flag.txt'), 'True\n');
    const bad = await runGateKind('predecessor', params);
    expect(bad.result.status).toBe('FAIL');
    expect(bad.result.summary).toMatch(/precheck: probe execution_enabled read "True", expected "False"; manifest: 1\/2 sha256 match/);
    expect(bad.result.facts).toMatchObject({ execution_enabled: 'True' });
  });
});

describe('predecessor picks by signed time and checks the signed macro id', () => {
  async function setup() {
    const dir = tempDir();
    const keys = join(dir, 'keys');
    await gaterun(['keygen', '--out', keys]);
    return { dir, key: join(keys, 'signing-key.pem'), pub: join(keys, 'signing-key.pub.pem') };
  }

  test("another macro's signed bundle copied into reports/PREV/<newer-name>/ is refused", async () => {
    const { dir, key, pub } = await setup();
    await signedRun(dir, '20260101T000000Z-prev-0001', 'true', key);
    const other = await signedRun(dir, '20260102T000000Z-other-0001', 'true', key, 'OTHER');
    cpSync(other, join(dir, 'reports', 'PREV', '20991231T000000Z-prev-9999'), { recursive: true });
    const r = await runGateKind('predecessor', { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] });
    expect(r.result.status).toBe('FAIL');
    expect(r.result.messageId).toBe('wrongMacro');
    expect(r.result.summary).toMatch(/20991231T000000Z-prev-9999 is a signed bundle of OTHER, not PREV: refused/);
  });

  test('a newer-named dir with an older signed time loses; the report names the bundle used and when it was signed', async () => {
    const { dir, key, pub } = await setup();
    const failed = await signedRun(dir, '20260101T000000Z-prev-0001', 'false', key); // C, signed first
    const good = await signedRun(dir, '20260102T000000Z-prev-0002', 'true', key); // A, signed later
    cpSync(failed, join(dir, 'reports', 'PREV', '20991231T000000Z-prev-9999'), { recursive: true });
    const r = await runGateKind('predecessor', { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] });
    expect(r.result.status).toBe('PASS');
    expect(r.result.facts).toMatchObject({ run: good, macro: 'PREV', outcome_code: 'A' });
    const signedAt = String(r.result.facts.signed_at);
    expect(r.result.summary).toContain(`(signed ${signedAt})`);
    const texts = r.result.checks.map((c) => c.text);
    expect(texts).toContainEqual(
      expect.stringMatching(/^chose 20260102T000000Z-prev-0002: signed .*, the newest signed time of 3 signed bundle/),
    );
    expect(texts).toContainEqual(expect.stringMatching(/^20991231T000000Z-prev-9999 has the newest name but was signed earlier/));
    // Every read went through ctx.files and is in the ledger as a non-mutating entry.
    expect(r.ledger.entries.length).toBeGreaterThan(10);
    expect(r.ledger.entries.every((e) => (e.action === 'file.read' || e.action === 'file.list') && !e.mutating)).toBe(true);
    expect(r.ledger.entries.map((e) => e.target)).toContain(join(good, '01-one.md'));
  });

  test('an envelope that does not verify in the folder refuses (the order is unknown), naming it', async () => {
    const { dir, key, pub } = await setup();
    await signedRun(dir, '20260101T000000Z-prev-0001', 'true', key);
    const forged = await signedRun(dir, '20260102T000000Z-prev-0002', 'true', key);
    const envFile = join(forged, 'run.intoto.json');
    const env = JSON.parse(readFileSync(envFile, 'utf8'));
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    st.predicate.timeVerified = '2099-01-01T00:00:00.000Z'; // claim to be the newest
    env.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    writeFileSync(envFile, JSON.stringify(env));
    const r = await runGateKind('predecessor', { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] });
    expect(r.result.status).toBe('FAIL');
    expect(r.result.summary).toMatch(/20260102T000000Z-prev-0002 cannot be ordered by its signed time: bad-signature run\.intoto\.json/);
  });

  test('a pinned macro file sha256 must be the signed one', async () => {
    const { dir, key, pub } = await setup();
    await signedRun(dir, '20260101T000000Z-prev-0001', 'true', key);
    const sha = createHash('sha256')
      .update(readFileSync(join(dir, 'prev.yaml')))
      .digest('hex');
    const base = { macro: 'PREV', reports: join(dir, 'reports'), keys: [pub] };
    expect((await runGateKind('predecessor', { ...base, macro_sha256: sha })).result.status).toBe('PASS');
    const wrong = await runGateKind('predecessor', { ...base, macro_sha256: 'b'.repeat(64) });
    expect(wrong.result.status).toBe('FAIL');
    expect(wrong.result.messageId).toBe('macroSha256');
    expect(wrong.result.summary).toMatch(/the pinned one is bbbbbbbbbbbbbbbb: refused/);
  });
});
