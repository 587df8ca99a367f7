// A session killed inside a transaction: the gate gets EDBLOST naming the database, the process survives
// (postgres.js would otherwise write its ROLLBACK to a null socket from a timer), and the next gate reconnects.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import postgres from 'postgres';
import { Ledger } from '../../src/context/ledger.js';
import { displayUrl } from '../../src/db/database-url.js';
import { createDbAccess } from '../../src/db/db-access.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function access() {
  const ledger = new Ledger('none');
  return {
    ledger,
    a: createDbAccess({ databases: { main: { embedded: true } }, baseDir: '.', runId: 'loss', ledger, embeddedUrl: db.url }),
  };
}

// Jest reports an uncaught exception as a failure of the running test; this makes the assertion explicit.
function watchUncaught() {
  const seen: unknown[] = [];
  const on = (e: unknown) => seen.push(e);
  process.on('uncaughtException', on);
  return { seen, stop: () => process.off('uncaughtException', on) };
}

test.each([
  ['between statements', false],
  ['while a statement runs', true],
])('a backend terminated %s: EDBLOST naming the database, no uncaught error, the next transaction works', async (_what, midStatement) => {
  const { a, ledger } = access();
  const admin = postgres(db.url, { max: 1, onnotice: () => undefined });
  const uncaught = watchUncaught();
  try {
    const err = await a
      .db('main')
      .rollbackOnly(async (tx) => {
        const [{ pid }] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        if (midStatement) {
          setTimeout(() => void admin`select pg_terminate_backend(${pid})`.catch(() => undefined), 200);
          await tx`select pg_sleep(5)`;
        } else {
          await admin`select pg_terminate_backend(${pid})`;
          await new Promise((r) => setTimeout(r, 200));
          await tx`select 1`;
        }
        return 'not reached';
      })
      .then(
        () => null,
        (e: unknown) => e as { code?: string; message: string },
      );
    expect(err?.code).toBe('EDBLOST');
    expect(err?.message).toContain(displayUrl(db.url));
    // Let postgres.js's own follow-up (its ROLLBACK on the dead connection) run.
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught.seen).toEqual([]);
    expect(await a.db('main').readOnly(async (tx) => (await tx<{ n: number }[]>`select 41 + 1 as n`)[0].n)).toBe(42);
    expect(ledger.entries.filter((e) => e.action === 'db.tx').map((e) => e.outcome)).toEqual(['error', 'read-only']);
  } finally {
    uncaught.stop();
    await admin.end();
    await a.closeAll();
  }
});
