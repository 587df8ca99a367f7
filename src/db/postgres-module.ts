// postgres.js, loaded on first use: a run, plan or verify that opens no database never pays for loading it.
import type postgresType from 'postgres';
import { createRequire } from 'node:module';

let loaded: typeof postgresType | undefined;

/** The postgres.js factory (its CommonJS build, loaded synchronously on the first call). */
export function postgresJs(): typeof postgresType {
  return (loaded ??= createRequire(import.meta.url)('postgres') as typeof postgresType);
}
