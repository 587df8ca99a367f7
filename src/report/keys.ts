// Ed25519 signing keys: generation, discovery and loading (node:crypto only).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { errors } from '../errors.js';

/** File name of a generated private key; the public key sits next to it as `<name>.pub.pem`. */
export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

export type KeySource = 'flag' | 'env' | 'target' | 'default';

export interface KeyLocation {
  path: string;
  source: KeySource;
}

export interface LoadedPrivateKey {
  key: KeyObject;
  publicKey: KeyObject;
  keyid: string;
  path: string;
  /** Set when the file is readable by group or others (the key still loads). */
  warning?: string;
}

export interface LoadedPublicKey {
  key: KeyObject;
  keyid: string;
  path: string;
}

/** The per-user config dir: `$XDG_CONFIG_HOME/gaterun` or `~/.config/gaterun`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'gaterun');
}

/** Path of the default signing key, `~/.config/gaterun/signing-key.pem`. */
export function defaultSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), PRIVATE_KEY_FILE);
}

/** The public key file that belongs next to a private key file (`x.pem` → `x.pub.pem`). */
export function publicKeyPathFor(privatePath: string): string {
  return privatePath.endsWith('.pem') ? privatePath.slice(0, -'.pem'.length) + '.pub.pem' : privatePath + '.pub.pem';
}

/** keyid of a key: sha256 hex of the public key's SPKI DER (a private key is reduced to its public half). */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function writeNew(path: string, data: string, mode: number): void {
  // 'wx' fails if the file appeared since we checked: never overwrite a key.
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates an Ed25519 key pair in outDir (private pkcs8 PEM, mode 0600; public spki PEM); refuses to overwrite. */
export function generateKeyPair(outDir: string): { privatePath: string; publicPath: string; keyid: string } {
  const privatePath = resolve(outDir, PRIVATE_KEY_FILE);
  const publicPath = resolve(outDir, PUBLIC_KEY_FILE);
  const present = [privatePath, publicPath].filter((p) => existsSync(p));
  if (present.length) {
    throw errors.key(
      `refusing to overwrite ${present.join(' and ')}`,
      'move the old key away first, or pass --out DIR for a new place; a lost key cannot sign again and a replaced one breaks verification of old runs',
    );
  }
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeNew(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  try {
    writeNew(publicPath, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  } catch (e) {
    unlinkSync(privatePath); // half a key pair is worse than none
    throw e;
  }
  return { privatePath, publicPath, keyid: keyIdOf(publicKey) };
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? join(env.HOME || homedir(), p.slice(1)) : p;
}

/**
 * Finds the signing key: `--key FILE`, then $GATERUN_SIGNING_KEY (a path), then the target's
 * `signing_key` (relative to targetDir), then ~/.config/gaterun/signing-key.pem. null when none is configured.
 */
export function findSigningKey(
  options: { flag?: string; env?: NodeJS.ProcessEnv; targetKey?: string; targetDir?: string } = {},
): KeyLocation | null {
  const env = options.env ?? process.env;
  const explicit: [string | undefined, KeySource, string][] = [
    [options.flag, 'flag', '--key'],
    [env.GATERUN_SIGNING_KEY, 'env', 'GATERUN_SIGNING_KEY'],
    [options.targetKey, 'target', "the target's signing_key"],
  ];
  for (const [value, source, where] of explicit) {
    if (!value) continue;
    const path = resolve(source === 'target' && options.targetDir ? options.targetDir : process.cwd(), expandHome(value, env));
    // An explicitly named key that is missing is an error, not a reason to fall through to another key.
    if (!existsSync(path)) throw errors.key(`signing key ${path} (from ${where}) does not exist`, 'run `gaterun keygen` or fix the path');
    return { path, source };
  }
  const fallback = defaultSigningKeyPath(env);
  return existsSync(fallback) ? { path: fallback, source: 'default' } : null;
}

/** Loads an Ed25519 private key (PEM); warns (does not fail) when group/others can read the file. */
export function loadPrivateKey(path: string): LoadedPrivateKey {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (e) {
    throw errors.key(`cannot read signing key ${path}: ${(e as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw errors.key(`${path} is not a private key in PEM: ${(e as Error).message}`, 'create one with `gaterun keygen`');
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw errors.key(`${path} is a ${key.asymmetricKeyType} key; gaterun signs with ed25519`, 'create one with `gaterun keygen`');
  const publicKey = createPublicKey(key);
  const out: LoadedPrivateKey = { key, publicKey, keyid: keyIdOf(publicKey), path };
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o044) {
    const who = [mode & 0o040 ? 'group' : '', mode & 0o004 ? 'others' : ''].filter(Boolean).join(' and ');
    out.warning = `warning: signing key ${path} is readable by ${who} (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${path}`;
  }
  return out;
}

/** Loads Ed25519 public keys (spki PEM; a private key file yields its public half). */
export function loadPublicKeys(paths: string[]): LoadedPublicKey[] {
  return paths.map((path) => {
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (e) {
      throw errors.key(`cannot load public key ${path}: ${(e as Error).message}`, 'pass the .pub.pem written by `gaterun keygen`');
    }
    return publicKeyFromPem(pem, path);
  });
}

/** An Ed25519 public key from PEM bytes already read (e.g. through ctx.files); `path` names it in errors. */
export function publicKeyFromPem(pem: Buffer | string, path: string): LoadedPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw errors.key(`cannot load public key ${path}: ${(e as Error).message}`, 'pass the .pub.pem written by `gaterun keygen`');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw errors.key(`${path} is a ${key.asymmetricKeyType} key; gaterun verifies ed25519`);
  return { key, keyid: keyIdOf(key), path };
}

/** The signature label of the final-outcome block: `ed25519 <first 16 hex of keyid>`, or UNSIGNED. */
export function signatureLabel(keyid: string | null | undefined): string {
  return keyid ? `ed25519 ${keyid.slice(0, 16)}` : 'UNSIGNED';
}
