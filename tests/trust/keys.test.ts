import { createPrivateKey, sign, verify } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GaterunError } from '../../src/errors.js';
import { findSigningKey, generateKeyPair, keyIdOf, loadPrivateKey, loadPublicKeys, signatureLabel } from '../../src/report/keys.js';
import { cleanupTempDirs, tempDir } from './fixtures.js';

afterAll(cleanupTempDirs);

describe('generateKeyPair', () => {
  test('writes a pkcs8 private key with mode 0600 and a matching spki public key', () => {
    const dir = join(tempDir(), 'keys');
    const { privatePath, publicPath, keyid } = generateKeyPair(dir);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(privatePath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const priv = loadPrivateKey(privatePath);
    const [pub] = loadPublicKeys([publicPath]);
    expect(priv.warning).toBeUndefined();
    expect(priv.keyid).toBe(keyid);
    expect(pub.keyid).toBe(keyid);
    expect(keyid).toMatch(/^[0-9a-f]{64}$/);
    const sig = sign(null, Buffer.from('x'), priv.key);
    expect(verify(null, Buffer.from('x'), pub.key, sig)).toBe(true);
  });

  test('refuses to overwrite an existing key and leaves it intact', () => {
    const dir = tempDir();
    const first = generateKeyPair(dir);
    const before = readFileSync(first.privatePath);
    let error: unknown;
    try {
      generateKeyPair(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GaterunError);
    expect((error as GaterunError).code).toBe('EKEY');
    expect((error as GaterunError).message).toMatch(/refusing to overwrite .*signing-key\.pem/);
    expect(readFileSync(first.privatePath)).toEqual(before);
  });

  test('refuses when only the public half exists', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'signing-key.pub.pem'), 'x');
    expect(() => generateKeyPair(dir)).toThrow(/refusing to overwrite .*signing-key\.pub\.pem/);
    expect(existsSync(join(dir, 'signing-key.pem'))).toBe(false);
  });
});

describe('loadPrivateKey', () => {
  test('a group/other-readable key loads with a warning', () => {
    const { privatePath } = generateKeyPair(tempDir());
    chmodSync(privatePath, 0o644);
    const k = loadPrivateKey(privatePath);
    expect(k.warning).toMatch(/readable by group and others .*0644.*chmod 600/);
    chmodSync(privatePath, 0o640);
    expect(loadPrivateKey(privatePath).warning).toMatch(/readable by group \(mode 0640\)/);
    chmodSync(privatePath, 0o600);
    expect(loadPrivateKey(privatePath).warning).toBeUndefined();
  });
  test('signatureLabel', () => {
    expect(signatureLabel('3f9c0a1b2c3d4e5f' + '0'.repeat(48))).toBe('ed25519 3f9c0a1b2c3d4e5f');
    expect(signatureLabel(null)).toBe('UNSIGNED');
  });
  test('a non-key file is a coded error', () => {
    const p = join(tempDir(), 'junk.pem');
    writeFileSync(p, 'not a key');
    expect(() => loadPrivateKey(p)).toThrow(GaterunError);
  });
  test('keyIdOf gives the same id for the private and public halves', () => {
    const { privatePath, keyid } = generateKeyPair(tempDir());
    expect(keyIdOf(createPrivateKey(readFileSync(privatePath)))).toBe(keyid);
  });
});

describe('findSigningKey', () => {
  const setup = () => {
    const home = tempDir();
    const cfg = join(home, '.config', 'gaterun');
    mkdirSync(cfg, { recursive: true });
    const files = Object.fromEntries(
      ['flag', 'env', 'target', 'default'].map((n) => {
        const p = n === 'default' ? join(cfg, 'signing-key.pem') : join(home, `${n}.pem`);
        writeFileSync(p, 'k');
        return [n, p];
      }),
    );
    return { home, files };
  };
  test('order: --key, GATERUN_SIGNING_KEY, target signing_key, ~/.config/gaterun/signing-key.pem', () => {
    const { home, files } = setup();
    const env = { HOME: home, GATERUN_SIGNING_KEY: files.env };
    expect(findSigningKey({ flag: files.flag, env, targetKey: 'target.pem', targetDir: home })).toEqual({
      path: files.flag,
      source: 'flag',
    });
    expect(findSigningKey({ env, targetKey: 'target.pem', targetDir: home })).toEqual({ path: files.env, source: 'env' });
    expect(findSigningKey({ env: { HOME: home }, targetKey: 'target.pem', targetDir: home })).toEqual({
      path: files.target,
      source: 'target',
    });
    expect(findSigningKey({ env: { HOME: home } })).toEqual({ path: files.default, source: 'default' });
    expect(findSigningKey({ env: { HOME: tempDir() } })).toBeNull();
  });
  test('an explicitly named key that does not exist is an error, not a fall-through', () => {
    const { home } = setup();
    expect(() => findSigningKey({ flag: join(home, 'nope.pem'), env: { HOME: home } })).toThrow(/nope\.pem \(from --key\) does not exist/);
  });
});
