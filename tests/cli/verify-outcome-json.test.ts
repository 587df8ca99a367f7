// `verify --json` and `outcome --json` v1 on real signed runs made by the CLI: every document validates against its
// schema, status and exit code agree (0 verified · 4 policy · 5 tampered), and errors are JSON on stdout.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const schema = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', name), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(schema('final-outcome.schema.json'), 'final-outcome.schema.json');
const validateVerify = ajv.compile(schema('verify-output.schema.json'));
const validateOutcome = ajv.compile(schema('outcome-output.schema.json'));
const validateError = ajv.compile(schema('error-output.schema.json'));

const dir = tempDir('gaterun-vo-json-');
let key: { priv: string; pub: string; keyid: string };
let other: { pub: string };

async function keygen(out: string) {
  const r = await gaterun(['keygen', '--out', out]);
  expect(r.exitCode).toBe(0);
  return { priv: join(out, 'signing-key.pem'), pub: join(out, 'signing-key.pub.pem'), keyid: /keyid:\s+([0-9a-f]{64})/.exec(r.stdout)![1] };
}

/** A fresh signed run of a one- or two-gate macro; `fails` makes G1 fail (outcome C). */
async function signedRun(name: string, fails = false, sign = true): Promise<string> {
  const gates = `gates:\n  - id: G0\n    title: first\n    kind: command\n    with: { command: "echo one" }\n${
    fails ? '  - id: G1\n    title: breaks\n    kind: command\n    with: { command: "echo disk full >&2; exit 3" }\n' : ''
  }`;
  writeFiles(dir, { [`${name}.yaml`]: `id: VJ\nmacro: verify-json-test\ntitle: verify json test\noutcome: VJ_OK\n${gates}` });
  const out = join(dir, 'runs', name);
  const r = await gaterun(['run', join(dir, `${name}.yaml`), '--out', out, '--renderer', 'silent', ...(sign ? ['--key', key.priv] : [])]);
  expect(r.exitCode).toBe(fails ? 1 : 0);
  return out;
}

/** Runs `gaterun verify … --json`; the document must be the whole of stdout and valid, and agree with the exit code. */
async function verifyDoc(args: string[]) {
  const r = await gaterun(['verify', ...args, '--json']);
  const doc = JSON.parse(r.stdout);
  expect(validateVerify(doc) ? [] : validateVerify.errors).toEqual([]);
  expect(doc.exit_code).toBe(r.exitCode);
  return doc;
}

beforeAll(async () => {
  key = await keygen(join(dir, 'keys'));
  other = await keygen(join(dir, 'other-keys'));
}, 30000);

describe('verify --json', () => {
  test('an intact A bundle: verified, exit 0, the signed outcome and the key that signed it', async () => {
    const out = await signedRun('intact');
    const doc = await verifyDoc([out, '--key', key.pub, '--require', 'A', '--macro', 'VJ', '--max-age', '1h']);
    expect(doc).toMatchObject({
      format_version: 1,
      run_dir: out,
      status: 'verified',
      exit_code: 0,
      bundle_ok: true,
      keyid: key.keyid,
      problems: [],
      outcome: { code: 'A', verification_result: 'PASSED', macro_id: 'VJ' },
      policy: { require: 'A', macro: 'VJ', max_age: '1h' },
      policy_checked: true,
      policy_problems: [],
    });
    expect(doc.outcome.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a C bundle under --require A: policy_not_met, exit 4, the policy named', async () => {
    const out = await signedRun('c-run', true);
    const doc = await verifyDoc([out, '--key', key.pub, '--require', 'A']);
    expect(doc).toMatchObject({
      status: 'policy_not_met',
      exit_code: 4,
      bundle_ok: true,
      outcome: { code: 'C', verification_result: 'FAILED' },
      policy_problems: [{ policy: 'require', message: 'outcome C, wanted A' }],
    });
  });

  test('a changed, a removed and an added file: invalid, exit 5, each named; the policy is not checked', async () => {
    const out = await signedRun('tampered');
    const report = join(out, '01-first.md');
    writeFileSync(report, readFileSync(report, 'utf8').replace('PASS', 'PASS!'));
    rmSync(join(out, 'ledger.jsonl'));
    writeFileSync(join(out, 'later.md'), 'added after signing\n');
    const doc = await verifyDoc([out, '--key', key.pub, '--require', 'A']);
    expect(doc).toMatchObject({ status: 'invalid', exit_code: 5, bundle_ok: false, policy_checked: false, policy_problems: [] });
    expect(doc.problems.map((p: { code: string; file: string }) => `${p.code} ${p.file}`).sort()).toEqual([
      'changed 01-first.md',
      'extra later.md',
      'missing ledger.jsonl',
    ]);
    // The signature itself held: the statement's outcome is still reported, and says which key.
    expect(doc.outcome.code).toBe('A');
    expect(doc.keyid).toBe(key.keyid);
  });

  test('signed by a key that is not trusted: policy_not_met (exit 4), no outcome read', async () => {
    const out = await signedRun('untrusted');
    const doc = await verifyDoc([out, '--key', other.pub]);
    expect(doc).toMatchObject({ status: 'policy_not_met', exit_code: 4, bundle_ok: false, outcome: null });
    expect(doc.problems.map((p: { code: string }) => p.code)).toEqual(['unknown-key']);
  });

  test('unsigned, or a forged envelope: invalid, exit 5', async () => {
    const unsigned = await signedRun('unsigned', false, false);
    expect(await verifyDoc([unsigned, '--key', key.pub])).toMatchObject({
      status: 'invalid',
      problems: [{ code: 'unsigned', file: 'run.intoto.json' }],
      outcome: null,
    });
    const forged = await signedRun('forged');
    const envelope = JSON.parse(readFileSync(join(forged, 'run.intoto.json'), 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    statement.predicate.verifiedLevels = ['A'];
    statement.predicate.verificationResult = 'PASSED';
    statement.subject = statement.subject.slice(1); // drop a subject: the signature no longer matches
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(join(forged, 'run.intoto.json'), JSON.stringify(envelope));
    const doc = await verifyDoc([forged, '--key', key.pub, '--require', 'A']);
    expect(doc).toMatchObject({ status: 'invalid', exit_code: 5, bundle_ok: false, outcome: null, policy_checked: false });
    expect(doc.problems.map((p: { code: string }) => p.code)).toEqual(['bad-signature']);
  });

  test('usage errors are one JSON error document on stdout, exit 2', async () => {
    for (const args of [[join(dir, 'no-such-dir')], [dir, '--max-age', 'soon'], [dir, '--require', 'E'], [dir, '--requier', 'A']]) {
      const r = await gaterun(['verify', ...args, '--json']);
      expect(r.exitCode).toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(validateError(doc) ? [] : validateError.errors).toEqual([]);
      expect(doc.error.exit_code).toBe(2);
    }
  });

  test('the schema is not a rubber stamp: a status that contradicts the exit code or the problems fails it', async () => {
    const out = await signedRun('schema-check');
    const good = await verifyDoc([out, '--key', key.pub]);
    for (const bad of [
      { ...good, exit_code: 4 },
      { ...good, status: 'invalid' },
      { ...good, bundle_ok: false },
      { ...good, problems: [{ code: 'changed', file: 'x', message: 'x was changed' }] },
      { ...good, format_version: 2 },
      { ...good, outcome: { ...good.outcome, code: 'E' } },
    ])
      expect(validateVerify(bad)).toBe(false);
  });
});

describe('outcome --json', () => {
  test('an A run and a C run: the letter, the cause and the block; verified is false (run.json is not checked)', async () => {
    const a = await signedRun('outcome-a');
    const ra = await gaterun(['outcome', a, '--json']);
    expect(ra.exitCode).toBe(0);
    const da = JSON.parse(ra.stdout);
    expect(validateOutcome(da) ? [] : validateOutcome.errors).toEqual([]);
    expect(da).toMatchObject({
      format_version: 1,
      run_dir: a,
      outcome: 'A',
      outcome_text: 'A — VJ_OK',
      stopped_at: null,
      reason: null,
      final_report: join(a, '02-final-vj-report.md'),
      final_outcome: { final_outcome: 'A — VJ_OK', signature: `ed25519 ${key.keyid.slice(0, 16)}` },
      verified: false,
    });
    expect(readFileSync(da.final_report, 'utf8')).toContain('A — VJ_OK');

    const c = await signedRun('outcome-c', true);
    const dc = JSON.parse((await gaterun(['outcome', c, '--json'])).stdout);
    expect(validateOutcome(dc) ? [] : validateOutcome.errors).toEqual([]);
    expect(dc).toMatchObject({ outcome: 'C', stopped_at: 'G1', final_outcome: { final_outcome: 'C — FAIL at G1', stopped_at: 'G1' } });
    expect(dc.reason).toMatch(/exit code 3/);
  });

  test('a run dir without a usable run.json is a JSON error on stdout, exit 2', async () => {
    const broken = await signedRun('outcome-broken');
    const record = JSON.parse(readFileSync(join(broken, 'run.json'), 'utf8'));
    delete record.outcome;
    writeFileSync(join(broken, 'run.json'), JSON.stringify(record));
    const notJson = await signedRun('outcome-not-json');
    writeFileSync(join(notJson, 'run.json'), '{ nope');
    for (const [d, why] of [
      [broken, 'run.json has no outcome.code'],
      [notJson, 'run.json is not valid JSON'],
      [tempDir(), 'no run.json here'],
    ]) {
      const r = await gaterun(['outcome', d, '--json']);
      expect(r.exitCode).toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(validateError(doc) ? [] : validateError.errors).toEqual([]);
      expect(doc.error).toMatchObject({ code: 'ERUNDIR' });
      expect(doc.error.message).toContain(why);
    }
  });

  test('the schema rejects an A that names a stopping gate, a claim of verification, or an unknown letter', async () => {
    const a = await signedRun('outcome-schema');
    const good = JSON.parse((await gaterun(['outcome', a, '--json'])).stdout);
    expect(validateOutcome(good)).toBe(true);
    for (const bad of [
      { ...good, stopped_at: 'G0' },
      { ...good, verified: true },
      { ...good, outcome: 'E' },
      { ...good, final_outcome: {} },
    ])
      expect(validateOutcome(bad)).toBe(false);
  });
});
