import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/files/sha256.js';
import { decodeBase64, encodeBase64, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/report/dsse.js';
import { generateKeyPair, keyIdOf } from '../../src/report/keys.js';
import { ENVELOPE_FILE, listRunFiles, signBundle } from '../../src/report/sign-bundle.js';
import { defaultTrustedKeys, formatVerifyResult, verifyBundle, type VerifyResult } from '../../src/report/verify-bundle.js';
import { cleanupTempDirs, keyPair, makeRunDir, SIGN_OPTIONS, tempDir } from './fixtures.js';

afterAll(cleanupTempDirs);

const { privateKey, publicKey } = keyPair();
const trust = { trustedKeys: [publicKey] };

function signedRun(outcomeCode = 'A'): string {
  const dir = makeRunDir();
  signBundle(dir, { ...SIGN_OPTIONS, outcomeCode, privateKey, now: new Date('2026-11-21T10:30:00Z') });
  return dir;
}
const envelopeOf = (dir: string) => JSON.parse(readFileSync(join(dir, ENVELOPE_FILE), 'utf8'));
const statementOf = (dir: string) => JSON.parse(decodeBase64(envelopeOf(dir).payload).toString());
const codes = (r: VerifyResult) => r.problems.map((p) => `${p.code}:${p.file ?? ''}`);

describe('signBundle', () => {
  test('writes a DSSE envelope of an in-toto Statement over every other file', () => {
    const dir = signedRun();
    const env = envelopeOf(dir);
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(env.signatures).toEqual([{ keyid: keyIdOf(publicKey), sig: expect.any(String) }]);
    const st = statementOf(dir);
    expect(st._type).toBe('https://in-toto.io/Statement/v1');
    expect(st.predicateType).toBe('https://slsa.dev/verification_summary/v1');
    const names = st.subject.map((s: { name: string }) => s.name);
    expect(names).toEqual(listRunFiles(dir));
    expect(names).toContain('evidence/g4-rows.json');
    expect(names).not.toContain(ENVELOPE_FILE);
    expect(names).toHaveLength(15);
    for (const s of st.subject) expect(s.digest.sha256).toBe(sha256Hex(readFileSync(join(dir, s.name))));
    expect(st.predicate).toEqual({
      verifier: { id: 'gaterun@0.1.0' },
      timeVerified: '2026-11-21T10:30:00.000Z',
      resourceUri: 'examples/iu-cutter/target.yaml',
      policy: { uri: 'macros/O8C.yaml', digest: { sha256: 'a'.repeat(64) } },
      inputAttestations: [{ uri: 'ledger.jsonl', digest: { sha256: sha256Hex(readFileSync(join(dir, 'ledger.jsonl'))) } }],
      verificationResult: 'PASSED',
      verifiedLevels: ['A'],
    });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('the statement names the macro id (policy.name): from the option, else from run.json', () => {
    const dir = makeRunDir();
    signBundle(dir, { ...SIGN_OPTIONS, macroId: 'O8C', privateKey });
    expect(statementOf(dir).predicate.policy).toEqual({ uri: 'macros/O8C.yaml', name: 'O8C', digest: { sha256: 'a'.repeat(64) } });
    expect(verifyBundle(dir, trust).outcome?.macroId).toBe('O8C');
    const dir2 = makeRunDir();
    writeFileSync(join(dir2, 'run.json'), JSON.stringify({ run_id: 'r', macro: { id: 'O8D' } }));
    signBundle(dir2, { ...SIGN_OPTIONS, privateKey });
    expect(statementOf(dir2).predicate.policy.name).toBe('O8D');
  });

  test.each(['B', 'C', 'D'])('outcome %s is FAILED', (code) => {
    const st = statementOf(signedRun(code));
    expect(st.predicate.verificationResult).toBe('FAILED');
    expect(st.predicate.verifiedLevels).toEqual([code]);
  });

  test('refuses a run dir without a ledger, and one with a symlink', () => {
    const dir = makeRunDir();
    unlinkSync(join(dir, 'ledger.jsonl'));
    expect(() => signBundle(dir, { ...SIGN_OPTIONS, privateKey })).toThrow(/ledger\.jsonl is missing/);
    const dir2 = makeRunDir();
    symlinkSync('/etc/hostname', join(dir2, 'link.md'));
    expect(() => signBundle(dir2, { ...SIGN_OPTIONS, privateKey })).toThrow(/link\.md is not a regular file/);
  });
});

describe('verifyBundle', () => {
  test('an untouched bundle verifies and reports its outcome', () => {
    const dir = signedRun();
    const r = verifyBundle(dir, trust);
    expect(r).toMatchObject({ ok: true, keyid: keyIdOf(publicKey), problems: [] });
    expect(r.outcome).toMatchObject({
      code: 'A',
      verificationResult: 'PASSED',
      verifier: 'gaterun@0.1.0',
      files: 15,
      policy: { uri: 'macros/O8C.yaml' },
    });
  });

  test('unsigned', () => {
    const dir = makeRunDir();
    expect(codes(verifyBundle(dir, trust))).toEqual([`unsigned:${ENVELOPE_FILE}`]);
  });

  test('not a directory is a coded error', () => {
    expect(() => verifyBundle('/nonexistent/run', trust)).toThrow(/not a directory/);
  });

  describe('tamper corpus', () => {
    const dir = signedRun();
    const files = listRunFiles(dir);

    test.each(files)('one byte changed in %s → changed, named', (name) => {
      const d = signedRun();
      const p = join(d, name);
      const buf = readFileSync(p);
      buf[buf.length >> 1] ^= 0x01;
      writeFileSync(p, buf);
      const r = verifyBundle(d, trust);
      expect(r.ok).toBe(false);
      expect(codes(r)).toEqual([`changed:${name}`]);
      expect(r.problems[0].message).toMatch(new RegExp(`^${name.replace('.', '\\.')} was changed`));
    });

    test('one byte appended to a report → changed', () => {
      const d = signedRun();
      writeFileSync(join(d, '05-rollback-proof.md'), '\n', { flag: 'a' });
      expect(codes(verifyBundle(d, trust))).toEqual(['changed:05-rollback-proof.md']);
    });

    test('every single-byte change inside the envelope payload or signature is rejected', () => {
      const d = signedRun();
      const path = join(d, ENVELOPE_FILE);
      const original = readFileSync(path, 'utf8');
      const env = JSON.parse(original);
      const regions = [env.payload, env.signatures[0].sig].map((s: string) => {
        const start = original.indexOf(s);
        return [start, start + s.length];
      });
      let tried = 0;
      for (const [start, end] of regions) {
        for (let i = start; i < end; i++) {
          const b = Buffer.from(original);
          b[i] ^= 0x01;
          writeFileSync(path, b);
          const r = verifyBundle(d, trust);
          if (r.ok || !['malformed-envelope', 'bad-signature'].includes(r.problems[0].code) || r.problems[0].file !== ENVELOPE_FILE) {
            throw new Error(`byte ${i} (${original[i]}) change accepted or misreported: ${JSON.stringify(r.problems)}`);
          }
          tried++;
        }
      }
      expect(tried).toBeGreaterThan(1000);
      writeFileSync(path, original);
      expect(verifyBundle(d, trust).ok).toBe(true);
    });

    test('the middle byte of run.intoto.json changed → rejected, names the envelope', () => {
      const d = signedRun();
      const p = join(d, ENVELOPE_FILE);
      const buf = readFileSync(p);
      buf[buf.length >> 1] ^= 0x01;
      writeFileSync(p, buf);
      const r = verifyBundle(d, trust);
      expect(r.ok).toBe(false);
      expect(r.problems[0].file).toBe(ENVELOPE_FILE);
    });

    test('a file deleted → missing', () => {
      const d = signedRun();
      unlinkSync(join(d, '03-baseline-tests.md'));
      expect(codes(verifyBundle(d, trust))).toEqual(['missing:03-baseline-tests.md']);
    });

    test('the ledger deleted → missing', () => {
      const d = signedRun();
      unlinkSync(join(d, 'ledger.jsonl'));
      expect(codes(verifyBundle(d, trust))).toEqual(['missing:ledger.jsonl']);
    });

    test('a file added (top level and nested) → extra', () => {
      const d = signedRun();
      writeFileSync(join(d, '13-extra.md'), 'added later\n');
      mkdirSync(join(d, 'evidence', 'late'));
      writeFileSync(join(d, 'evidence', 'late', 'x.txt'), 'x');
      expect(codes(verifyBundle(d, trust))).toEqual(['extra:13-extra.md', 'extra:evidence/late/x.txt']);
    });

    test('a signed file replaced by a symlink → changed, not followed', () => {
      const d = signedRun();
      const p = join(d, '02-version-survey.md');
      const copy = join(d, '..', 'copy.md');
      renameSync(p, copy);
      symlinkSync(copy, p);
      expect(codes(verifyBundle(d, trust))).toEqual(['changed:02-version-survey.md']);
    });

    test('two reports swapped → both changed', () => {
      const d = signedRun();
      const a = join(d, '04-proof-design.md');
      const b = join(d, '05-rollback-proof.md');
      const [ta, tb] = [readFileSync(a), readFileSync(b)];
      writeFileSync(a, tb);
      writeFileSync(b, ta);
      expect(codes(verifyBundle(d, trust))).toEqual(['changed:04-proof-design.md', 'changed:05-rollback-proof.md']);
    });

    test("the envelope's signature replaced → bad-signature", () => {
      const d = signedRun();
      const env = envelopeOf(d);
      const other = keyPair();
      env.signatures[0].sig = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from('{}'), other.privateKey, 'x').signatures[0].sig;
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      const r = verifyBundle(d, trust);
      expect(codes(r)).toEqual([`bad-signature:${ENVELOPE_FILE}`]);
      expect(r.problems[0].message).toMatch(/does not verify/);
    });

    test('payload re-encoded with different whitespace → bad-signature', () => {
      const d = signedRun();
      const env = envelopeOf(d);
      const st = statementOf(d);
      env.payload = encodeBase64(Buffer.from(JSON.stringify(st, null, 2)));
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      expect(codes(verifyBundle(d, trust))).toEqual([`bad-signature:${ENVELOPE_FILE}`]);
    });

    test('a report edited and the statement digest updated to match (without the key) → bad-signature', () => {
      const d = signedRun();
      writeFileSync(join(d, '12-final-o8c-report.md'), 'FINAL RESULT: A\n');
      const env = envelopeOf(d);
      const st = statementOf(d);
      st.subject.find((s: { name: string }) => s.name === '12-final-o8c-report.md').digest.sha256 = sha256Hex('FINAL RESULT: A\n');
      env.payload = encodeBase64(Buffer.from(JSON.stringify(st)));
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      expect(codes(verifyBundle(d, trust))).toEqual([`bad-signature:${ENVELOPE_FILE}`]);
    });

    test('signed by an untrusted key → unknown-key', () => {
      const d = makeRunDir();
      const stranger = keyPair();
      signBundle(d, { ...SIGN_OPTIONS, privateKey: stranger.privateKey });
      const r = verifyBundle(d, trust);
      expect(codes(r)).toEqual([`unknown-key:${ENVELOPE_FILE}`]);
      expect(r.problems[0].message).toContain(keyIdOf(stranger.publicKey).slice(0, 16));
      expect(verifyBundle(d, { trustedKeys: [stranger.publicKey] }).ok).toBe(true);
    });

    test('an untrusted key that claims a trusted keyid → bad-signature', () => {
      const d = makeRunDir();
      const stranger = keyPair();
      signBundle(d, { ...SIGN_OPTIONS, privateKey: stranger.privateKey });
      const env = envelopeOf(d);
      env.signatures[0].keyid = keyIdOf(publicKey);
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      expect(codes(verifyBundle(d, trust))).toEqual([`bad-signature:${ENVELOPE_FILE}`]);
    });

    test('no trusted keys at all → unknown-key that says so', () => {
      const r = verifyBundle(signedRun(), { trustedKeys: [] });
      expect(codes(r)).toEqual([`unknown-key:${ENVELOPE_FILE}`]);
      expect(r.problems[0].message).toMatch(/no keys are trusted/);
    });

    test('wrong payloadType → wrong-payload-type', () => {
      const d = signedRun();
      const env = envelopeOf(d);
      env.payloadType = 'application/json';
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      expect(codes(verifyBundle(d, trust))).toEqual([`wrong-payload-type:${ENVELOPE_FILE}`]);
    });

    test.each([
      ['not JSON', '{"payloadType":'],
      ['no signatures', JSON.stringify({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: 'e30', signatures: [] })],
      ['an array', '[]'],
    ])('malformed envelope: %s', (_n, text) => {
      const d = signedRun();
      writeFileSync(join(d, ENVELOPE_FILE), text);
      expect(codes(verifyBundle(d, trust))).toEqual([`malformed-envelope:${ENVELOPE_FILE}`]);
    });

    test('a validly signed payload that is not a gaterun statement → malformed-statement', () => {
      const d = makeRunDir();
      const env = signEnvelope(
        IN_TOTO_PAYLOAD_TYPE,
        Buffer.from(
          JSON.stringify({
            _type: 'https://in-toto.io/Statement/v1',
            subject: [{ name: '../../etc/passwd', digest: { sha256: 'a'.repeat(64) } }],
          }),
        ),
        privateKey,
        keyIdOf(publicKey),
      );
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      expect(codes(verifyBundle(d, trust))).toEqual([`malformed-statement:${ENVELOPE_FILE}`]);
    });
  });

  describe('conforming DSSE envelopes from other writers', () => {
    test('URL-safe unpadded base64, extra fields, several signatures (one valid) are accepted', () => {
      const d = signedRun();
      const env = envelopeOf(d);
      const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const stranger = keyPair();
      const strangerSig = signEnvelope(IN_TOTO_PAYLOAD_TYPE, decodeBase64(env.payload), stranger.privateKey, keyIdOf(stranger.publicKey))
        .signatures[0];
      const rewritten = {
        x_extra: { note: 'unknown fields are fine' },
        payload: urlSafe(env.payload),
        payloadType: env.payloadType,
        signatures: [
          { keyid: 'f'.repeat(64), sig: urlSafe(env.signatures[0].sig) },
          strangerSig,
          { ...env.signatures[0], sig: urlSafe(env.signatures[0].sig), x_cert: null },
        ],
      };
      expect(env.payload).toMatch(/[+/=]/); // the conversion really changed something
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(rewritten));
      expect(verifyBundle(d, trust)).toMatchObject({ ok: true, keyid: keyIdOf(publicKey) });
    });

    test('a signature without keyid is tried against every trusted key', () => {
      const d = signedRun();
      const env = envelopeOf(d);
      delete env.signatures[0].keyid;
      writeFileSync(join(d, ENVELOPE_FILE), JSON.stringify(env));
      const other = generateKeyPairSync('ed25519').publicKey;
      expect(verifyBundle(d, { trustedKeys: [other, publicKey] })).toMatchObject({ ok: true, keyid: keyIdOf(publicKey) });
    });
  });

  test('re-signing after a change makes the bundle verify again (the envelope is written atomically)', () => {
    const d = signedRun();
    writeFileSync(join(d, '01-precheck-live.md'), 'v2\n');
    expect(verifyBundle(d, trust).ok).toBe(false);
    const before = statSync(join(d, ENVELOPE_FILE)).ino;
    signBundle(d, { ...SIGN_OPTIONS, privateKey });
    expect(statSync(join(d, ENVELOPE_FILE)).ino).not.toBe(before);
    expect(verifyBundle(d, trust).ok).toBe(true);
  });
});

describe('defaultTrustedKeys', () => {
  test('loads ~/.config/gaterun/trusted/*.pem and the public key next to the default signing key, once each', () => {
    const home = tempDir();
    const env = { HOME: home };
    expect(defaultTrustedKeys(env)).toEqual([]);
    const own = generateKeyPair(join(home, '.config', 'gaterun'));
    const colleague = generateKeyPair(join(home, 'elsewhere'));
    mkdirSync(join(home, '.config', 'gaterun', 'trusted'));
    copyFileSync(colleague.publicPath, join(home, '.config', 'gaterun', 'trusted', 'colleague.pem'));
    copyFileSync(own.publicPath, join(home, '.config', 'gaterun', 'trusted', 'me-again.pem'));
    writeFileSync(join(home, '.config', 'gaterun', 'trusted', 'notes.txt'), 'not a key');
    expect(
      defaultTrustedKeys(env)
        .map((k) => k.keyid)
        .sort(),
    ).toEqual([own.keyid, colleague.keyid].sort());
    expect(defaultTrustedKeys({ HOME: home, XDG_CONFIG_HOME: join(home, 'nowhere') })).toEqual([]);
  });
});

describe('formatVerifyResult', () => {
  test('OK line and FAILED lines name what is wrong', () => {
    const d = signedRun();
    expect(formatVerifyResult(d, verifyBundle(d, trust))).toBe(
      `OK ${d}: 15 files match, signed by ed25519 keyid ${keyIdOf(publicKey).slice(0, 16)}; outcome A (PASSED), gaterun@0.1.0, 2026-11-21T10:30:00.000Z`,
    );
    unlinkSync(join(d, '03-baseline-tests.md'));
    writeFileSync(join(d, '13-extra.md'), 'x');
    const text = formatVerifyResult(d, verifyBundle(d, trust));
    expect(text.split('\n')).toEqual([
      `FAILED ${d}: 2 problems`,
      expect.stringMatching(/^ {2}missing {13}03-baseline-tests\.md is missing \(signed sha256 [0-9a-f]{16}…\)$/),
      '  extra               13-extra.md is not part of the signed run',
    ]);
  });
});
