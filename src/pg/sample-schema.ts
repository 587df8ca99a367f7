// The iu-cutter sample system's SQL (examples/iu-cutter/sql), applied without psql.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

/** The files of the sample system, in the order they must be applied. */
export const SAMPLE_SQL_FILES = ['schema.sql', 'roles.sql', 'seed.sql'] as const;

/** The package root (the directory holding package.json), from sources or from dist/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** Absolute paths of the sample system's SQL files. */
export function sampleSqlFiles(): string[] {
  const dir = path.join(packageRoot(), 'examples', 'iu-cutter', 'sql');
  return SAMPLE_SQL_FILES.map((f) => path.join(dir, f));
}

/** Runs SQL files in order, each as one multi-statement simple query, on a short-lived connection. */
export async function applySqlFiles(url: string, files: string[]): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      try {
        await sql.unsafe(text);
      } catch (e) {
        throw new Error(`${path.basename(file)}: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates the iu-cutter schema, roles and seed data (158 units...) in the database at url. */
export async function applySampleSchema(url: string): Promise<void> {
  await applySqlFiles(url, sampleSqlFiles());
}
