// Where a target database's URL comes from (env var, .env file, embedded server) and how it is shown and scrubbed.
import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../errors.js';
import { parseEnvText } from './env-file.js';

/** A database entry of the target file. */
export interface DatabaseEntry {
  url_env?: string;
  env_file?: string;
  key?: string;
  embedded?: boolean;
  /** Seconds to wait for a PostgreSQL session (TCP connect + startup) before the gate ends BLOCKED; default 5. */
  connect_timeout?: number;
}

/** `role@host:port/db` for a postgres URL; never the password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username) || 'postgres';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
    return `${user}@${u.hostname}:${u.port || '5432'}/${db}`;
  } catch {
    return '[unparseable database URL]';
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** The password as written in the URL (percent-encoded) and decoded, plus the URL itself: what must never be shown. */
export function secretsOfUrl(url: string): string[] {
  let raw = '';
  try {
    raw = new URL(url).password;
  } catch {
    /* unparseable: the URL itself is still scrubbed */
  }
  return [...new Set([passwordOf(url), raw, url])].filter((s) => s.length > 0);
}

/** Replaces every secret in text by [secure]. */
export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[secure]');
  return out;
}

/** The URL of a target database, read at run time from its env var, its .env file, or the embedded server. */
export function databaseUrl(databases: Record<string, DatabaseEntry>, name: string, baseDir: string, embeddedUrl?: string): string {
  const entry = databases[name];
  if (!entry) throw errors.dbUnknown(name, Object.keys(databases));
  if (entry.url_env && process.env[entry.url_env]) return process.env[entry.url_env]!;
  if (entry.env_file) {
    const file = path.isAbsolute(entry.env_file) ? entry.env_file : path.join(baseDir, entry.env_file);
    const key = entry.key ?? entry.url_env ?? 'DATABASE_URL';
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw errors.dbUrlMissing(name, `cannot read env_file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const value = parseEnvText(text)[key];
    if (value) return value;
    throw errors.dbUrlMissing(name, `${file} has no ${key}`);
  }
  if (entry.embedded || (!entry.url_env && !entry.env_file)) {
    if (embeddedUrl) return embeddedUrl;
    throw errors.dbUrlMissing(name, 'wants the embedded server, but none was started');
  }
  throw errors.dbUrlMissing(name, `environment variable ${entry.url_env} is not set`);
}
