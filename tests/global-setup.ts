// Jest global setup: one embedded PostgreSQL for the whole run unless TEST_DATABASE_URL is given.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmbeddedPostgres } from '../src/pg/embedded-server.js';

declare global {
  var __GATERUN_TEST_PG__: EmbeddedPostgres | undefined;
}

/** Starts the server and exports TEST_DATABASE_URL to the test workers (they inherit process.env). */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  // Jest loads this file outside its module system (no .js→.ts mapping), so use the compiled launcher;
  // the test command runs tsc first.
  const compiled = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'pg', 'embedded-server.js');
  if (!fs.existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npx tsc -p tsconfig.json\` before jest`);
  const mod = (await import(pathToFileURL(compiled).href)) as typeof import('../src/pg/embedded-server.js');
  const server = await mod.startEmbeddedPostgres();
  globalThis.__GATERUN_TEST_PG__ = server;
  process.env.TEST_DATABASE_URL = server.url;
  process.env.TEST_DATABASE_EMBEDDED = '1';
}
