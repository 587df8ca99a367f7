// A fresh database per test file on the test server, so test files never see each other's rows.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { applySampleSchema } from '../../src/pg/sample-schema.js';

/** The server URL from global setup (or the one the developer exported). */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global-setup.ts starts a server)');
  return url;
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE with a random name (optionally with the iu-cutter sample applied); drop() removes it. */
export async function createTestDatabase(opts: { sample?: boolean } = {}): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `gaterun_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(server, name);
  if (opts.sample) await applySampleSchema(url);
  return {
    name,
    url,
    async drop() {
      const sql = postgres(server, { max: 1, onnotice: () => undefined });
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
