// Secret redaction: collects secret values (env, .env files, URL passwords) and replaces them by [secure]; scans outputs for leaks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvText } from '../db/env-file.js';

export const SECURE = '[secure]';
/** Env var names that hold secrets. */
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|DSN/i;
/** Values found by name or in .env files shorter than this are ignored: `on`, `5432`-like noise would shred every report. */
export const MIN_SECRET_LENGTH = 4;

// ://user:password@ — anchored on "://" (any scheme, even glued to preceding text); the password may not
// contain whitespace, quotes, / ? # or @ (URL syntax). Bounded lengths keep it linear on long lines.
const URL_PASSWORD = /(:\/\/[^\s:/?#@'"<>`]{0,256}:)([^\s/?#@'"<>`]{1,256})@/g;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The forms a secret may take in output: raw, URL-encoded, base64 (standard and URL-safe, unpadded so a padded copy matches too). */
export function secretForms(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value)]);
  const b64 = Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, '');
  forms.add(b64);
  forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
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
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    return new Redactor().addEnv(env);
  }

  /** Number of distinct secret values known (forms not counted). */
  get size(): number {
    return this.secrets.size;
  }

  /** Adds one secret value (any non-empty string: the caller says it is secret). */
  add(value: string | undefined | null): this {
    if (value && value !== SECURE && !this.secrets.has(value)) {
      this.secrets.add(value);
      this.textPattern = this.bytePattern = null;
    }
    return this;
  }

  /** Adds values of env vars whose names say secret (length ≥ 4) and passwords of URLs in any value. */
  addEnv(env: NodeJS.ProcessEnv): this {
    for (const [name, value] of Object.entries(env)) {
      if (!value) continue;
      if (SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH) this.add(value);
      this.learnUrlPasswords(value);
    }
    return this;
  }

  /**
   * Adds the values of a .env file (length ≥ 4) and the passwords of URLs in them; returns the parsed variables.
   * Plain numbers and booleans are skipped unless the name says secret: `PORT=5432` would otherwise turn every
   * 5432 (and every sha256 containing it) into [secure]; `PIN_SECRET=5555` is still taken.
   */
  addEnvFile(path: string): Record<string, string> {
    const vars = parseEnvText(readFileSync(path, 'utf8'));
    for (const [name, value] of Object.entries(vars)) {
      const plain = /^(?:\d+|true|false|yes|no|on|off)$/i.test(value);
      if (value.length >= MIN_SECRET_LENGTH && (!plain || SECRET_NAME.test(name))) this.add(value);
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
