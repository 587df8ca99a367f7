// takeRunLock: one holder per key; the second taker learns who holds it.
import { randomBytes } from 'node:crypto';
import { takeRunLock } from '../../src/db/run-lock.js';
import { Ledger } from '../../src/context/ledger.js';
import { createDbAccess } from '../../src/db/db-access.js';
import { testServerUrl } from '../helpers/pg.js';
import { restoreEnv, setTestEnv } from '../helpers/env.js';

afterEach(restoreEnv);

test("the second taker gets the holder's identity; after release it can take the lock", async () => {
  const key = `target:${randomBytes(4).toString('hex')}`;
  const first = await takeRunLock(testServerUrl(), key, {
    runId: '20261121T102233Z-o8c-1a2b',
    host: 'engineer-laptop.example.internal',
    pid: 4242,
  });
  expect(first.acquired).toBe(true);
  const second = await takeRunLock(testServerUrl(), key, { runId: 'other-run', host: 'ci', pid: 1 });
  expect(second.acquired).toBe(false);
  if (second.acquired) throw new Error('unreachable');
  expect(second.holder).toMatchObject({ runId: '20261121T102233Z-o8c-1a2b', host: 'engineer-laptop.example.internal', pid: 4242 });
  expect(second.holder.applicationName).toMatch(/^gaterun\/20261121T102233Z-o8c-1a2b /);
  expect(second.holder.backendPid).toBeGreaterThan(0);
  // A different key is independent.
  const other = await takeRunLock(testServerUrl(), key + '-b', { runId: 'x', host: 'h', pid: 2 });
  expect(other.acquired).toBe(true);
  if (other.acquired) await other.release();
  if (first.acquired) await first.release();
  const third = await takeRunLock(testServerUrl(), key, { runId: 'third', host: 'h', pid: 3 });
  expect(third.acquired).toBe(true);
  if (third.acquired) await third.release();
});

test('createDbAccess.lock records db.lock in the ledger, with the holder when held', async () => {
  setTestEnv('GATERUN_TEST_LOCK_URL', testServerUrl());
  const key = `target:${randomBytes(4).toString('hex')}`;
  const l1 = new Ledger();
  const a1 = createDbAccess({ databases: { main: { url_env: 'GATERUN_TEST_LOCK_URL' } }, baseDir: '/', runId: 'run-one', ledger: l1 });
  const l2 = new Ledger();
  const a2 = createDbAccess({ databases: { main: { url_env: 'GATERUN_TEST_LOCK_URL' } }, baseDir: '/', runId: 'run-two', ledger: l2 });
  const got = await a1.lock('main', key, { runId: 'run-one', host: 'h1', pid: 11 });
  const held = await a2.lock('main', key, { runId: 'run-two', host: 'h2', pid: 22 });
  expect(got.acquired).toBe(true);
  expect(held).toMatchObject({ acquired: false, holder: { runId: 'run-one', host: 'h1', pid: 11 } });
  expect(l1.entries.at(-1)).toMatchObject({ action: 'db.lock', outcome: 'ok', mutating: false });
  expect(l2.entries.at(-1)).toMatchObject({ action: 'db.lock', outcome: 'held', detail: { holder: { runId: 'run-one' } } });
  if (got.acquired) await got.release();
  await a1.closeAll();
  await a2.closeAll();
});

test('the holder is found whether hashtext(key) is negative or positive', async () => {
  const postgres = (await import('postgres')).default;
  const sql = postgres(testServerUrl(), { max: 1 });
  const rows = await sql<{ k: string; h: number }[]>`select 'lock-' || g as k, hashtext('lock-' || g) as h from generate_series(1, 50) g`;
  await sql.end();
  const neg = rows.find((r) => r.h < 0)!.k;
  const pos = rows.find((r) => r.h > 0)!.k;
  for (const key of [neg, pos]) {
    const a = await takeRunLock(testServerUrl(), key, { runId: `holder-${key}`, host: 'h', pid: 7 });
    const b = await takeRunLock(testServerUrl(), key, { runId: 'b', host: 'h', pid: 8 });
    expect(b).toMatchObject({ acquired: false, holder: { runId: `holder-${key}` } });
    if (a.acquired) await a.release();
  }
});
