// The trust modules in the order the runner calls them, on real files, plus an independent check of the signature with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors, GaterunError } from '../../src/errors.js';
import { Ledger } from '../../src/context/ledger.js';
import { kbBodyOf } from '../../src/kb/kb-document.js';
import { publishToKbDir, showKb } from '../../src/kb/kb-dir.js';
import { forbiddenAttestation, nonMutationAttestation, parseLedger } from '../../src/report/attest.js';
import { decodeBase64, pae } from '../../src/report/dsse.js';
import { findSigningKey, generateKeyPair, loadPrivateKey, loadPublicKeys, signatureLabel } from '../../src/report/keys.js';
import { Redactor } from '../../src/report/redact.js';
import { ENVELOPE_FILE, signBundle } from '../../src/report/sign-bundle.js';
import { verifyBundle } from '../../src/report/verify-bundle.js';
import { cleanupTempDirs, makeRunDir, SIGN_OPTIONS, tempDir } from './fixtures.js';

afterAll(cleanupTempDirs);

const DB_PASSWORD = 'Pl4nted-DB-Passw0rd';

/** render → run.json + ledger.jsonl → redact/scan → sign; returns the run dir or throws ESECRETLEAK. */
function runPipeline(home: string, leak: boolean): { runDir: string; keyid: string } {
  const env = { HOME: home, DB_PASSWORD, DATABASE_URL: 'postgres://cutter_exec:url-pw-9876@127.0.0.1:5432/directus' };
  const redactor = Redactor.fromEnv(env);
  const ledger = new Ledger('none', (s) => redactor.redact(s));
  ledger.record({
    gate: 'G4',
    action: 'db.tx',
    target: `psql postgres://cutter_exec:url-pw-9876@127.0.0.1:5432/directus`,
    host: 'local',
    mutating: false,
    scope: 'db',
    outcome: 'rolled-back',
  });
  ledger.record({ gate: 'G7', action: 'exec', target: `check --password ${DB_PASSWORD}`, host: 'local', mutating: false, outcome: 'ok' });

  const location = findSigningKey({ env })!;
  const key = loadPrivateKey(location.path);
  const nonMutation = nonMutationAttestation(ledger.entries, 'none');
  const forbidden = forbiddenAttestation([{ name: 'Restart a service', ledger: { matches: 'systemctl' } }], ledger.entries, {});

  const runDir = makeRunDir(tempDir());
  const final =
    [
      '# Final report',
      `signature: ${signatureLabel(key.keyid)}`,
      `production_mutation: ${nonMutation.productionMutation}`,
      ...nonMutation.rows.map((r) => `${r.label}: ${r.value}`),
      ...forbidden.map((r) => `| ${r.name} | ${r.text} |`),
      leak ? `debug: connected with ${DB_PASSWORD}` : `debug: ${redactor.redact(`connected with ${DB_PASSWORD}`)}`,
    ].join('\n') + '\n';
  writeFileSync(join(runDir, '12-final-o8c-report.md'), final);
  writeFileSync(join(runDir, 'ledger.jsonl'), ledger.toJsonl());

  const leaks = redactor.scanFiles(runDir);
  if (leaks.length) throw errors.secretLeak(leaks);
  const { keyid } = signBundle(runDir, { ...SIGN_OPTIONS, privateKey: key.key });
  return { runDir, keyid };
}

describe('runner order: redact/scan → sign → verify → kb publish', () => {
  const home = tempDir();
  const keys = generateKeyPair(join(home, '.config', 'gaterun'));

  test('a clean run is signed, verifies with the default key, and publishes the signed bytes', () => {
    const { runDir, keyid } = runPipeline(home, false);
    expect(keyid).toBe(keys.keyid);
    const final = readFileSync(join(runDir, '12-final-o8c-report.md'), 'utf8');
    expect(final).toContain('production_mutation: NONE');
    expect(final).toContain('db_transactions: 1 rollback-only transaction, rolled back (#1)');
    expect(final).toContain('| Restart a service | NOT DONE — no ledger entry matches /systemctl/ (examined 2 entries: #1, #2) |');
    expect(final).toContain('debug: connected with [secure]');
    const ledgerText = readFileSync(join(runDir, 'ledger.jsonl'), 'utf8');
    expect(ledgerText).not.toContain(DB_PASSWORD);
    expect(ledgerText).not.toContain('url-pw-9876');
    expect(parseLedger(ledgerText)[0].target).toBe('psql postgres://cutter_exec:[secure]@127.0.0.1:5432/directus');

    const trusted = loadPublicKeys([keys.publicPath]).map((k) => k.key);
    expect(verifyBundle(runDir, { trustedKeys: trusted })).toMatchObject({ ok: true, keyid });

    const kb = tempDir();
    publishToKbDir(kb, 'knowledge/o8c', runDir, { tags: ['o8c'], title: 'O8C', signature: keyid });
    expect(kbBodyOf(showKb(kb, 'knowledge/o8c/12-final-o8c-report.md').text)).toBe(final);
  });

  test('a planted secret fails the run closed before signing: ESECRETLEAK naming the file', () => {
    let error: unknown;
    try {
      runPipeline(home, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GaterunError);
    expect((error as GaterunError).code).toBe('ESECRETLEAK');
    expect((error as GaterunError).message).toContain('12-final-o8c-report.md');
  });
});

describe('interop', () => {
  test('the signature verifies with the openssl CLI over the DSSE PAE (an independent Ed25519 implementation)', () => {
    const dir = tempDir();
    const keys = generateKeyPair(join(dir, 'keys'));
    const runDir = makeRunDir(dir);
    signBundle(runDir, { ...SIGN_OPTIONS, privateKey: loadPrivateKey(keys.privatePath).key });
    const env = JSON.parse(readFileSync(join(runDir, ENVELOPE_FILE), 'utf8'));
    writeFileSync(join(dir, 'pae.bin'), pae(env.payloadType, decodeBase64(env.payload)));
    writeFileSync(join(dir, 'sig.bin'), decodeBase64(env.signatures[0].sig));
    const verify = (file: string) => {
      try {
        return execFileSync(
          'openssl',
          ['pkeyutl', '-verify', '-pubin', '-inkey', keys.publicPath, '-rawin', '-in', join(dir, file), '-sigfile', join(dir, 'sig.bin')],
          { encoding: 'utf8', stdio: 'pipe' },
        );
      } catch (e) {
        return String((e as { stdout?: string }).stdout);
      }
    };
    expect(verify('pae.bin')).toMatch(/Signature Verified Successfully/);
    // and openssl rejects the raw payload without PAE: the signature really is over the PAE bytes
    writeFileSync(join(dir, 'payload.bin'), decodeBase64(env.payload));
    expect(verify('payload.bin')).toMatch(/Signature Verification Failure/);
  });
});
