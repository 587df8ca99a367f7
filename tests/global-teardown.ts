// Jest global teardown: stops the embedded PostgreSQL started by global-setup.ts.
import type { EmbeddedPostgres } from '../src/pg/embedded-server.js';

/** Stops the server (if this run started one). */
export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __GATERUN_TEST_PG__?: EmbeddedPostgres }).__GATERUN_TEST_PG__;
  if (server) await server.stop();
}
