// createDbAccess on a real server: rollback on every path, independent counts, ledger, errors.
import postgres from 'postgres';
import type { TxSql } from '../../src/gate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeGateContext, type TestGateContext } from '../helpers/gate-context.js';
import { restoreEnv, setTestEnv } from '../helpers/env.js';

afterEach(restoreEnv);

const IU = 'select count(*) from public.information_unit';
const PROBE = "select count(*) from public.information_unit where canonical_address like 'ICX-CONST/TEST-RB-PROBE%'";

let db: TestDatabase;
let t: TestGateContext;

beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
  t = makeGateContext(db.url);
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

/** Backends of the test database still running a statement containing `text`. */
async function runningQueries(text: string): Promise<number> {
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  try {
    const [{ n }] =
      await sql`select count(*)::int as n from pg_stat_activity where datname = ${db.name} and state = 'active' and pid <> pg_backend_pid() and position(${text} in query) > 0`;
    return n as number;
  } finally {
    await sql.end();
  }
}

async function xactStatus(xid: string): Promise<string> {
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  try {
    const [{ st }] = await sql<{ st: string }[]>`select pg_xact_status(${xid}::xid8) as st`;
    return st;
  } finally {
    await sql.end();
  }
}

test("rollbackOnly returns fn's value, sees its own insert, and leaves nothing behind", async () => {
  const h = t.ctx.db('main');
  const before = await h.count(IU);
  expect(before).toBe(158);
  const seen = await h.rollbackOnly(
    async (sql) => {
      const [{ s }] = await sql`select public.fn_iu_create('ICX-CONST/TEST-RB-PROBE-1', 'T', 'B', 'article', 'clause', 'owner/1') as s`;
      const [{ n }] = await sql`select count(*)::int as n from public.information_unit`;
      return { s, n };
    },
    { role: 'cutter_exec' },
  );
  expect(seen).toEqual({ s: 'created', n: 159 });
  expect(await h.count(IU)).toBe(158);
  expect(await h.count(PROBE)).toBe(0);
  const entry = t.ledger.entries.filter((e) => e.action === 'db.tx').at(-1)!;
  expect(entry).toMatchObject({
    gate: 'G1',
    outcome: 'rolled-back',
    mutating: false,
    host: 'local',
    detail: { mode: 'rollback-only', role: 'cutter_exec', statements: 2 },
  });
  expect(entry.target).toMatch(/^postgres@127\.0\.0\.1:\d+\/gaterun_test_/);
});

test('a throw mid-transaction rolls back and is recorded as error', async () => {
  const h = t.ctx.db('main');
  await expect(
    h.rollbackOnly(async (sql) => {
      await sql`insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-2', 'x')`;
      throw new Error('boom in the middle');
    }),
  ).rejects.toThrow('boom in the middle');
  expect(await h.count(PROBE)).toBe(0);
  expect(t.ledger.entries.filter((e) => e.action === 'db.tx').at(-1)).toMatchObject({ outcome: 'error' });
});

test('a failing SQL statement rolls back the earlier insert', async () => {
  const h = t.ctx.db('main');
  await expect(
    h.rollbackOnly(async (sql) => {
      await sql`insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-3', 'x')`;
      await sql`update public.unit_version set body = 'changed' where id = 1`; // enacted: the trigger refuses
    }),
  ).rejects.toThrow(/enacted and immutable/);
  expect(await h.count(PROBE)).toBe(0);
});

test('no code path commits: success, throw, SQL error, abort each end with the transaction aborted (pg_xact_status)', async () => {
  const insert = (n: number) =>
    `insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-C${n}', 'x')`;
  const xids: string[] = [];
  const begin = async (sql: TxSql, n: number) => {
    await sql.unsafe(insert(n));
    const [{ xid }] = await sql`select pg_current_xact_id()::text as xid`;
    xids.push(xid as string);
  };
  const h = t.ctx.db('main');
  await h.rollbackOnly(async (sql) => {
    await begin(sql, 1);
  });
  await h
    .rollbackOnly(async (sql) => {
      await begin(sql, 2);
      throw new Error('x');
    })
    .catch(() => undefined);
  await h
    .rollbackOnly(async (sql) => {
      await begin(sql, 3);
      await sql`select 1/0`;
    })
    .catch(() => undefined);
  await h
    .readOnly(async (sql) => {
      const [{ xid }] = await sql`select pg_current_xact_id()::text as xid`;
      xids.push(xid as string);
    })
    .catch(() => undefined);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('stop')), 200);
  await t.access
    .db('main', { signal: ac.signal })
    .rollbackOnly(async (sql) => {
      await begin(sql, 4);
      await sql`select pg_sleep(10)`;
    })
    .catch(() => undefined);
  expect(xids).toHaveLength(5);
  for (const xid of xids) expect(await xactStatus(xid)).toBe('aborted');
  expect(await h.count(PROBE)).toBe(0);
});

test('COMMIT, ROLLBACK, END and PREPARE TRANSACTION inside fn are refused before they reach the server', async () => {
  const h = t.ctx.db('main');
  for (const stmt of ['commit', 'COMMIT', '/* x */ end', 'rollback', 'abort', "prepare transaction 'p'", 'begin', 'start transaction']) {
    await expect(
      h.rollbackOnly(async (sql) => {
        await sql.unsafe(
          `insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-X', 'x'); ${stmt}`,
        );
      }),
    ).rejects.toMatchObject({ code: 'ETXCONTROL' });
  }
  await expect(
    h.rollbackOnly(async (sql) => {
      await sql`commit`;
    }),
  ).rejects.toMatchObject({ code: 'ETXCONTROL' });
  await expect(
    h.rollbackOnly(async (sql) => {
      (sql as unknown as { prepare(n: string): void }).prepare('x');
    }),
  ).rejects.toMatchObject({ code: 'ETXCONTROL' });
  // Literals and savepoints are fine.
  const v = await h.rollbackOnly(async (sql) => {
    await sql.savepoint(async (sp) => {
      await sp.unsafe("select 'commit; rollback' as t");
    });
    const [{ t: text }] = await sql.unsafe('select $$commit$$ as t -- rollback\n');
    return text;
  });
  expect(v).toBe('commit');
  expect(await h.count(PROBE)).toBe(0);
});

test('abort during a long statement cancels it and rolls back promptly', async () => {
  const h = t.ctx.db('main');
  const ac = new AbortController();
  const handle = t.access.db('main', { gateId: 'G9', signal: ac.signal });
  setTimeout(() => ac.abort(new Error('gate timeout')), 300);
  await expect(
    handle.rollbackOnly(async (sql) => {
      await sql.unsafe("insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-A', 'x')");
      await sql`select pg_sleep(20)`;
    }),
  ).rejects.toThrow('gate timeout');
  // Cancelled on the server, not left sleeping.
  expect(await runningQueries('pg_sleep(20)')).toBe(0);
  expect(await h.count(PROBE)).toBe(0);
  expect(t.ledger.entries.filter((e) => e.gate === 'G9').at(-1)).toMatchObject({ outcome: 'aborted' });
});

test('readOnly refuses writes', async () => {
  const h = t.ctx.db('main');
  await expect(
    h.readOnly(async (sql) => {
      await sql`insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-R', 'x')`;
    }),
  ).rejects.toThrow(/read-only transaction/);
  const n = await h.readOnly(async (sql) => (await sql`select count(*)::int as n from public.information_unit`)[0].n as number);
  expect(n).toBe(158);
  expect(t.ledger.entries.filter((e) => e.action === 'db.tx').at(-1)).toMatchObject({
    outcome: 'read-only',
    detail: { mode: 'read-only' },
  });
});

test("count runs on an independent connection: it does not see an open transaction's rows", async () => {
  const h = t.ctx.db('main');
  const inside = await h.rollbackOnly(async (sql) => {
    await sql`insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-I', 'x')`;
    return h.count(PROBE);
  });
  expect(inside).toBe(0);
});

test('count refuses writes and needs one value', async () => {
  const h = t.ctx.db('main');
  await expect(
    h.count("insert into public.information_unit (canonical_address) values ('ICX-CONST/TEST-RB-PROBE-W') returning 1"),
  ).rejects.toThrow(/read-only/);
  await expect(h.count('select 1, 2')).rejects.toThrow(/one row with one column/);
  expect(await h.count(PROBE)).toBe(0);
});

test('statement_timeout applies inside rollback-only transactions; the work is rolled back', async () => {
  setTestEnv('GATERUN_TEST_TIMEOUT_URL', db.url);
  const { Ledger } = await import('../../src/context/ledger.js');
  const { createDbAccess } = await import('../../src/db/db-access.js');
  const ledger = new Ledger();
  const a = createDbAccess({
    databases: { main: { url_env: 'GATERUN_TEST_TIMEOUT_URL' } },
    baseDir: '/',
    runId: 'timeout',
    ledger,
    statementTimeoutMs: 200,
  });
  await expect(
    a.db('main').rollbackOnly(async (sql) => {
      await sql`insert into public.information_unit (canonical_address, title) values ('ICX-CONST/TEST-RB-PROBE-T', 'x')`;
      await sql`select pg_sleep(5)`;
    }),
  ).rejects.toThrow(/statement timeout/);
  expect(await runningQueries('pg_sleep(5)')).toBe(0);
  expect(ledger.entries.at(-1)).toMatchObject({ action: 'db.tx', outcome: 'error' });
  await a.closeAll();
  expect(await t.ctx.db('main').count(PROBE)).toBe(0);
});
