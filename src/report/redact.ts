// Secret redaction: collects secret values (secret-named env/.env variables, the target's `secrets:`, URL passwords),
// replaces them and their encoded forms by [secure]; scans outputs for leaks.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnvText } from '../db/env-file.js';

export const SECURE = '[secure]';
/**
 * What is a secret (README "What counts as a secret"): the value of a variable whose name says so (this pattern:
 * PASSWORD, PASSWD, PGPASS, SECRET, TOKEN, KEY, DSN, CREDENTIAL…), the password of a `scheme://user:pass@` URL,
 * and the value of every variable the target lists under `secrets:`. Other .env values are not secrets:
 * `APP_ENV=production` would otherwise turn every "production" in a report into a leak.
 */
export const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|DSN|CREDENTIAL|PRIVATE|COOKIE/i;
/** Values found by name or in .env files shorter than this are ignored: `on`, `5432`-like noise would shred every report. */
export const MIN_SECRET_LENGTH = 4;
/** Base64 of a secret at an unknown offset (`user:secret` in Basic auth) is only matched when this long: shorter fragments collide with ordinary text. */
const MIN_SHIFTED_BASE64 = 8;

/** Whether a variable's value is a secret: its name says so, or the target lists it under `secrets:`. */
export function isSecretName(name: string, listed: ReadonlySet<string> | readonly string[] = []): boolean {
  return SECRET_NAME.test(name) || ('has' in listed ? listed.has(name) : listed.includes(name));
}

// ://user:password@ — anchored on "://" (any scheme, even glued to preceding text); the password may not
// contain whitespace, quotes, / ? # or @ (URL syntax). Bounded lengths keep it linear on long lines.
const URL_PASSWORD = /(:\/\/[^\s:/?#@'"<>`]{0,256}:)([^\s/?#@'"<>`]{1,256})@/g;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The forms a secret may take in output: raw; JSON-escaped (once and twice: a JSON string inside JSON); percent-encoded
 * with upper- and lower-case hex (and `+` for spaces); base64 (standard and URL-safe, unpadded so a padded copy
 * matches too) at all three byte offsets, so a secret inside a longer base64 text (`Basic base64(user:secret)`) is
 * found whatever comes before it.
 */
export function secretForms(value: string): string[] {
  const forms = new Set([value]);
  let json = value;
  for (let i = 0; i < 2; i++) {
    json = JSON.stringify(json).slice(1, -1);
    forms.add(json);
  }
  const pct = encodeURIComponent(value);
  for (const p of [pct, pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())]) {
    forms.add(p);
    forms.add(p.replace(/%20/g, '+')); // form encoding
  }
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Characters that depend only on the secret's bits: drop those shared with the `shift` bytes before it and
    // the one shared with whatever follows it.
    const middle = shift === 0 ? b64 : b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    if (shift === 0 || middle.length >= MIN_SHIFTED_BASE64) {
      forms.add(middle);
      forms.add(middle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  forms.delete('');
  return [...forms];
}

/** Relative paths (sorted) of every regular file under dir. */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(dir, name));
    else if (entry.isFile()) out.push(name);
  }
  return out.sort();
}

/** Collects secret values and removes them from text; one instance per run. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private textPattern: RegExp | null = null;
  private bytePattern: RegExp | null = null;

  /** A redactor primed with the secrets of an environment (default: process.env). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, listed: readonly string[] = []): Redactor {
    return new Redactor().addEnv(env, listed);
  }

  /**
   * The redactor of a run on a target: the environment's secrets, the secrets of the target's .env files
   * (databases' `env_file`), and every variable the target lists under `secrets:`.
   */
  static forTarget(target: { secrets?: unknown; databases?: unknown; baseDir?: string }, env: NodeJS.ProcessEnv = process.env): Redactor {
    const listed = Array.isArray(target.secrets) ? target.secrets.filter((x): x is string => typeof x === 'string') : [];
    const r = Redactor.fromEnv(env, listed);
    for (const db of Object.values((target.databases ?? {}) as Record<string, { env_file?: string }>)) {
      if (!db.env_file) continue;
      const f = isAbsolute(db.env_file) ? db.env_file : resolve(target.baseDir ?? '.', db.env_file);
      if (existsSync(f)) r.addEnvFile(f, listed);
    }
    return r;
  }

  /** Number of distinct secret values known (forms not counted). */
  get size(): number {
    return this.secrets.size;
  }

  /**
   * Adds one secret value (any non-empty string: the caller says it is secret). Each line of a multi-line value
   * (length ≥ 4, PEM armour lines aside) is a secret too: a report may show the lines apart.
   */
  add(value: string | undefined | null): this {
    if (value && value !== SECURE && !this.secrets.has(value)) {
      this.secrets.add(value);
      this.textPattern = this.bytePattern = null;
      if (/[\r\n]/.test(value))
        for (const line of value.split(/\r?\n|\r/)) {
          const t = line.trim();
          if (t.length >= MIN_SECRET_LENGTH && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t)) this.add(t);
        }
    }
    return this;
  }

  /**
   * Adds the values (length ≥ 4) of env vars whose names say secret or that `listed` names (the target's
   * `secrets:`), and the passwords of URLs in any value.
   */
  addEnv(env: NodeJS.ProcessEnv, listed: readonly string[] = []): this {
    const names = new Set(listed);
    for (const [name, value] of Object.entries(env)) {
      if (!value) continue;
      if (isSecretName(name, names) && value.length >= MIN_SECRET_LENGTH) this.add(value);
      this.learnUrlPasswords(value);
    }
    return this;
  }

  /**
   * Adds the secrets of a .env file and returns the parsed variables: values (length ≥ 4) of secret-named
   * variables and of those `listed` names (the target's `secrets:`), and the passwords of URLs in any value.
   * Other values are not secrets (`APP_ENV=production`, `REGION=local`): see SECRET_NAME.
   */
  addEnvFile(path: string, listed: readonly string[] = []): Record<string, string> {
    const vars = parseEnvText(readFileSync(path, 'utf8'));
    const names = new Set(listed);
    for (const [name, value] of Object.entries(vars)) {
      if (value.length >= MIN_SECRET_LENGTH && isSecretName(name, names)) {
        this.add(value);
        // dotenv keeps `\"` inside double quotes as written; a shell that sources the file sees `"`: learn both.
        if (value.includes('\\"')) this.add(value.replace(/\\"/g, '"'));
      }
      this.learnUrlPasswords(value);
    }
    return vars;
  }

  /** Learns the passwords of `scheme://user:pass@host` URLs in text (raw and percent-decoded). */
  learnUrlPasswords(text: string): this {
    if (!text.includes('://')) return this;
    for (const m of text.matchAll(URL_PASSWORD)) {
      const pass = m[2];
      if (pass === SECURE || pass.length < MIN_SECRET_LENGTH) continue;
      this.add(pass);
      try {
        this.add(decodeURIComponent(pass));
      } catch {
        // not valid percent-encoding: the raw form is enough
      }
    }
    return this;
  }

  /** Replaces every known secret (longest first, in one pass) and any URL password in text by [secure]. */
  redact(text: string): string {
    this.learnUrlPasswords(text);
    const pattern = this.pattern('text');
    const out = pattern ? text.replace(pattern, SECURE) : text;
    return out.includes('://') ? out.replace(URL_PASSWORD, (_m, head: string) => `${head}${SECURE}@`) : out;
  }

  /** Whether text still contains a known secret (in any form) or a URL with a password. */
  containsSecret(text: string): boolean {
    return this.findIn(text, 'text');
  }

  /** Files under dir (relative paths) that contain a known secret in any form, or a URL with a password. */
  scanFiles(dir: string): string[] {
    // latin1 maps each byte to one char, so the byte-level pattern also works on binary files.
    return filesUnder(dir).filter((name) => this.findIn(readFileSync(join(dir, name)).toString('latin1'), 'bytes'));
  }

  private findIn(text: string, kind: 'text' | 'bytes'): boolean {
    const pattern = this.pattern(kind);
    if (pattern) {
      pattern.lastIndex = 0;
      if (pattern.test(text)) return true;
    }
    for (const m of text.matchAll(URL_PASSWORD)) if (m[2] !== SECURE) return true;
    return false;
  }

  private pattern(kind: 'text' | 'bytes'): RegExp | null {
    if (!this.secrets.size) return null;
    if (kind === 'text' && this.textPattern) return this.textPattern;
    if (kind === 'bytes' && this.bytePattern) return this.bytePattern;
    const forms = new Set<string>();
    for (const s of this.secrets)
      for (const f of secretForms(s)) forms.add(kind === 'bytes' ? Buffer.from(f, 'utf8').toString('latin1') : f);
    // Longest first: the regex alternation takes the first alternative that matches at a position.
    const source = [...forms]
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
      .map(escapeRegExp)
      .join('|');
    const re = new RegExp(source, 'g');
    if (kind === 'text') this.textPattern = re;
    else this.bytePattern = re;
    return re;
  }
}
