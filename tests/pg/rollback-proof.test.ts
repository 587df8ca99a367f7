// rollback-proof on a real server: proofs pass and nothing persists; failures still roll back.
import postgres from 'postgres';
import gate from '../../gates/rollback-proof.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeGateContext, runGate, type TestGateContext } from '../helpers/gate-context.js';
import { IU_TABLES, o8cProofs, PROBE_PREFIX, PROBE_SQL } from '../helpers/o8c-proofs.js';

let db: TestDatabase;
let t: TestGateContext;
const BASE = { 'public.information_unit': 158, 'public.unit_version': 165, 'public.iu_lifecycle_log': 60 };

beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
  t = makeGateContext(db.url, { gateId: 'G4' });
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

async function independentCounts(): Promise<Record<string, number>> {
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  try {
    const out: Record<string, number> = {};
    for (const table of IU_TABLES) out[table] = Number((await sql.unsafe(`select count(*) as n from ${table}`))[0].n);
    out.probe = Number((await sql.unsafe(PROBE_SQL))[0].count);
    return out;
  } finally {
    await sql.end();
  }
}

test('the O8C proof set: PASS, 158→159 in-txn, ROLLBACK, counts unchanged, 0 leaked', async () => {
  const r = await runGate(gate, t, o8cProofs());
  expect(r.status).toBe('PASS');
  expect(r.checks.filter((c) => c.id?.startsWith('PROOF-')).map((c) => `${c.id} ${c.status}`)).toEqual([
    'PROOF-1 PASS',
    'PROOF-2 PASS',
    'PROOF-3 PASS',
    'PROOF-4 PASS',
  ]);
  expect(r.facts).toMatchObject({
    proofs_passed: 4,
    proofs_total: 4,
    leaked: 0,
    transaction: 'ROLLBACK',
    counts_unchanged: true,
    counts_before: BASE,
    counts_after: BASE,
    counts_in_txn: {
      'fn_iu_create returns created': { 'public.information_unit': 159, 'public.unit_version': 166, 'public.iu_lifecycle_log': 61 },
    },
  });
  expect(r.facts.counts_table).toEqual([
    { table: 'public.information_unit', before: 158, in_txn: 159, after: 158 },
    { table: 'public.unit_version', before: 165, in_txn: 166, after: 165 },
    { table: 'public.iu_lifecycle_log', before: 60, in_txn: 61, after: 60 },
  ]);
  expect(r.summary).toBe(
    `4/4 proofs passed on ${t.ctx.db('main').display}; ROLLBACK; counts before=(158,165,60) after=(158,165,60); probe rows leaked=0`,
  );
  expect(r.evidence.find((e) => e.title.startsWith('PROOF-1'))).toMatchObject({ kind: 'sql', rows: [{ status: 'created' }] });
  const tx = t.ledger.entries.filter((e) => e.action === 'db.tx');
  expect(tx).toHaveLength(1);
  expect(tx[0]).toMatchObject({
    gate: 'G4',
    outcome: 'rolled-back',
    mutating: false,
    detail: { mode: 'rollback-only', role: 'cutter_exec' },
  });
  expect(await independentCounts()).toEqual({ ...BASE, probe: 0 });
});

test('a failing expectation → FAIL naming the proof, and the transaction is still rolled back', async () => {
  const params = o8cProofs();
  params.proofs[0].expect!.first = { status: 'refused: something else' };
  const r = await runGate(gate, t, params);
  expect(r.status).toBe('FAIL');
  expect(r.messageId).toBe('proofsFailed');
  expect(r.checks[0]).toMatchObject({ id: 'PROOF-1', status: 'FAIL' });
  expect(r.checks[0].text).toContain('status="created", expected "refused: something else"');
  expect(r.facts).toMatchObject({ proofs_passed: 3, leaked: 0, counts_unchanged: true, counts_after: BASE });
  expect(await independentCounts()).toEqual({ ...BASE, probe: 0 });
});

test('a wrong in-txn count expectation fails the proof', async () => {
  const params = o8cProofs();
  params.proofs[0].expect!.counts = { 'public.information_unit': '+2' };
  const r = await runGate(gate, t, params);
  expect(r.status).toBe('FAIL');
  expect(r.checks[0].text).toContain('public.information_unit in-txn 159, expected 160 (+2)');
});

test('an unexpected SQL error fails that proof only; later proofs still run; all rolled back', async () => {
  const params = o8cProofs();
  params.proofs.splice(1, 0, { name: 'typo', sql: 'select * from public.no_such_table' });
  const r = await runGate(gate, t, params);
  expect(r.status).toBe('FAIL');
  expect(r.checks.slice(0, 5).map((c) => c.status)).toEqual(['PASS', 'FAIL', 'PASS', 'PASS', 'PASS']);
  expect(r.checks[1].text).toMatch(/relation "public.no_such_table" does not exist/);
  expect(await independentCounts()).toEqual({ ...BASE, probe: 0 });
});

test('a proof that tries to COMMIT is refused; nothing persists', async () => {
  const params = o8cProofs();
  params.proofs.push({ name: 'sneaky commit', sql: 'commit' });
  params.proofs.push({
    name: 'sneaky multi-statement commit',
    sql: `select 1; commit; insert into public.information_unit (canonical_address) values ('${PROBE_PREFIX}-9')`,
  });
  const r = await runGate(gate, t, { ...params, role: undefined });
  expect(r.status).toBe('FAIL');
  expect(r.checks.find((c) => c.id === 'PROOF-5')).toMatchObject({ status: 'FAIL' });
  expect(r.checks.find((c) => c.id === 'PROOF-5')!.text).toMatch(/would end the rollback-only transaction/);
  expect(r.checks.find((c) => c.id === 'PROOF-6')).toMatchObject({ status: 'FAIL' });
  expect(r.facts).toMatchObject({ leaked: 0, counts_unchanged: true });
  expect(await independentCounts()).toEqual({ ...BASE, probe: 0 });
});

test('the enacted-immutability trigger refuses an UPDATE (as the table owner), rolled back', async () => {
  const r = await runGate(gate, t, {
    database: 'main',
    tables: IU_TABLES,
    proofs: [
      {
        name: 'enacted version is immutable',
        sql: "update public.unit_version set body = 'changed' where id = 1",
        expect: { error: 'enacted and immutable' },
      },
      {
        name: 'a draft version may change',
        sql: "update public.unit_version set body = 'changed' where id = 159 returning id",
        expect: { rows: 1 },
      },
    ],
  });
  expect(r.status).toBe('PASS');
  expect(r.checks[0].text).toContain('refused as expected');
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  const [{ body }] = await sql`select body from public.unit_version where id = 159`;
  await sql.end();
  expect(body).toBe('Amended body of article 1.');
});

test('an expected error that does not happen fails the proof', async () => {
  const r = await runGate(gate, t, {
    database: 'main',
    tables: IU_TABLES,
    proofs: [
      {
        name: 'draft update wrongly expected to be refused',
        sql: "update public.unit_version set body = 'x' where id = 159",
        expect: { error: 'immutable' },
      },
    ],
  });
  expect(r.status).toBe('FAIL');
  expect(r.checks[0].text).toContain('but it succeeded');
});

test('a probe row present before and after → leaked, FAIL', async () => {
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  await sql`insert into public.information_unit (canonical_address, title) values (${PROBE_PREFIX + '-LEFTOVER'}, 'x')`;
  try {
    const r = await runGate(gate, t, { ...o8cProofs(), proofs: [{ name: 'noop', sql: 'select 1 as one', expect: { first: { one: 1 } } }] });
    expect(r.status).toBe('FAIL');
    expect(r.messageId).toBe('leaked');
    expect(r.facts.leaked).toBe(1);
    expect(r.checks.find((c) => c.id === 'LEAK')).toMatchObject({ status: 'FAIL', text: 'probe rows leaked=1' });
  } finally {
    await sql`delete from public.information_unit where canonical_address = ${PROBE_PREFIX + '-LEFTOVER'}`;
    await sql.end();
  }
});

test('a row committed by someone else during the proof → counts changed, FAIL', async () => {
  const other = postgres(db.url, { max: 1, onnotice: () => undefined });
  const address = 'ICX-CONST/CONCURRENT-WRITER';
  const writer = new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      other`insert into public.information_unit (canonical_address, title) values (${address}, 'x')`.then(() => resolve(), reject);
    }, 300);
  });
  try {
    const r = await runGate(gate, t, {
      database: 'main',
      tables: IU_TABLES,
      proofs: [{ name: 'slow proof', sql: 'select pg_sleep(1.2)' }],
    });
    await writer;
    expect(r.status).toBe('FAIL');
    expect(r.messageId).toBe('countsChanged');
    expect(r.checks.find((c) => c.id === 'COUNTS')!.text).toContain('public.information_unit 158→159');
  } finally {
    await writer.catch(() => undefined);
    await other`delete from public.information_unit where canonical_address = ${address}`;
    await other.end();
  }
});

test('abort (gate timeout) during a proof: the gate throws, nothing persists', async () => {
  const local = makeGateContext(db.url, { gateId: 'G5' });
  setTimeout(() => local.abort.abort(new Error('gate G5 timed out')), 400);
  const params = o8cProofs();
  params.proofs.splice(1, 0, { name: 'hang', sql: 'select pg_sleep(30)' });
  await expect(runGate(gate, local, params)).rejects.toThrow('gate G5 timed out');
  // Cancelled on the server, not left sleeping: no backend still runs the hanging proof.
  expect(await runningQueries('pg_sleep(30)')).toBe(0);
  expect(local.ledger.entries.find((e) => e.action === 'db.tx')).toMatchObject({ outcome: 'aborted' });
  await local.close();
  expect(await independentCounts()).toEqual({ ...BASE, probe: 0 });
});

test('cutter_verify can append a verify_result (in-txn +1) and nothing else; rolled back', async () => {
  const r = await runGate(gate, t, {
    database: 'main',
    role: 'cutter_verify',
    tables: ['cutter_governance.verify_result'],
    proofs: [
      {
        name: 'verify_result insert',
        sql: "insert into cutter_governance.verify_result (change_set_id, verifier, result) values (2, 'cutter_verify', 'pass') returning result",
        expect: { rows: 1, first: { result: 'pass' }, counts: { 'cutter_governance.verify_result': '+1' } },
      },
      {
        name: 'no review_decision insert',
        sql: "insert into cutter_governance.review_decision (change_set_id, reviewer, decision) values (2, 'x', 'approve')",
        expect: { error: 'permission denied' },
      },
      {
        name: 'no fn_iu_create',
        sql: "select public.fn_iu_create('a','b','c','article','clause','o')",
        expect: { error: 'permission denied for function fn_iu_create' },
      },
    ],
  });
  expect(r.status).toBe('PASS');
  expect(r.facts).toMatchObject({
    counts_before: { 'cutter_governance.verify_result': 2 },
    counts_after: { 'cutter_governance.verify_result': 2 },
  });
  expect(r.facts.counts_in_txn).toEqual({ 'verify_result insert': { 'cutter_governance.verify_result': 3 } });
});
