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
    // The insert draws a value from the serial sequence; ROLLBACK does not give it back.
    accept: { sequences: ['cutter_governance.verify_result_id_seq'] },
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

// Identity: the role a proof runs as is read back, and changing it is refused or caught.
describe('rollback-only proofs keep their identity', () => {
  const seqState = async (name: string) => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await sql.unsafe(`select last_value::text as v, is_called as c from ${name}`);
      return `${row.v}/${row.c}`;
    } finally {
      await sql.end();
    }
  };

  test('RESET ROLE then setval inside a proof is refused (plain, cased, commented, multi-statement); the sequence is untouched', async () => {
    const seq = 'public.information_unit_id_seq';
    const stateBefore = await seqState(seq);
    const r = await runGate(gate, t, {
      database: 'main',
      role: 'cutter_exec',
      tables: IU_TABLES,
      proofs: [
        { name: 'reset then setval', sql: `reset role; select setval('${seq}', 5000)` },
        { name: 'cased and commented', sql: `/* x */ ReSeT /* y */ RoLe; select setval('${seq}', 5000)` },
        { name: 'set_config', sql: `select set_config('role', 'none', true), setval('${seq}', 5000)` },
        { name: 'inside a DO block', sql: `do $x$ begin execute 'reset role'; perform setval('${seq}', 5000); end $x$` },
        { name: 'who am I', sql: 'select current_user as u', expect: { first: { u: 'cutter_exec' } } },
      ],
    });
    expect(r.status).toBe('FAIL');
    for (const id of ['PROOF-1', 'PROOF-2', 'PROOF-3', 'PROOF-4']) {
      const c = r.checks.find((x) => x.id === id)!;
      expect(c.status).toBe('FAIL');
      expect(c.text).toMatch(/would change the identity of the rollback-only session/);
    }
    expect(r.checks.find((x) => x.id === 'PROOF-5')).toMatchObject({ status: 'PASS' });
    expect(r.facts.sequences_consumed).toEqual([]);
    expect(await seqState(seq)).toBe(stateBefore);
  });

  test('each PROOF line shows the role read back with current_user, not the one asked for', async () => {
    const asExec = await runGate(gate, t, {
      database: 'main',
      role: 'cutter_exec',
      tables: IU_TABLES,
      proofs: [{ name: 'whoami', sql: 'select current_user as u', expect: { first: { u: 'cutter_exec' } } }],
    });
    expect(asExec.status).toBe('PASS');
    expect(asExec.checks[0].text).toBe('whoami (as cutter_exec) — u="cutter_exec"');
    expect(asExec.evidence.find((e) => e.title.startsWith('PROOF-1'))!.title).toBe('PROOF-1 whoami (as cutter_exec)');
    expect(asExec.facts.roles_observed).toEqual(['cutter_exec']);
    // Without a role the session runs as the login role, and the line says which one that really is.
    const login = new URL(db.url).username || 'postgres';
    const asLogin = await runGate(gate, t, { database: 'main', tables: IU_TABLES, proofs: [{ name: 'whoami', sql: 'select 1' }] });
    expect(asLogin.checks[0].text).toBe(`whoami (as ${login}) — 1 row(s)`);
    expect(asLogin.facts).toMatchObject({ role: null, roles_observed: [login] });
  });

  test('a function that switches role behind the guard is caught by the read-back; later proofs do not run', async () => {
    const admin = postgres(db.url, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create or replace function public.gaterun_test_escape() returns text language plpgsql as $f$
      begin perform set_config('ro' || 'le', 'none', true); return current_user; end $f$`);
    await admin.unsafe('grant execute on function public.gaterun_test_escape() to cutter_exec');
    try {
      const r = await runGate(gate, t, {
        database: 'main',
        role: 'cutter_exec',
        tables: IU_TABLES,
        proofs: [
          { name: 'escape', sql: 'select public.gaterun_test_escape() as u' },
          { name: 'would run as the superuser', sql: 'select 1' },
        ],
      });
      expect(r.status).toBe('FAIL');
      expect(r.messageId).toBe('identityChanged');
      expect(r.checks[0]).toMatchObject({ id: 'PROOF-1', status: 'FAIL' });
      expect(r.checks[0].text).toMatch(/identity changed from cutter_exec to \w+ during this proof/);
      expect(r.checks[1].text).toContain('not run (an earlier proof changed the session identity)');
      expect(r.evidence.find((e) => e.title.startsWith('PROOF-1'))!.title).toMatch(/\(as cutter_exec, ended as \w+\)/);
    } finally {
      await admin.unsafe('drop function public.gaterun_test_escape()');
      await admin.end();
    }
  });

  test('a function that switches role, calls setval and switches back: the sequence change is reported by name', async () => {
    const seq = 'public.unit_version_id_seq';
    const admin = postgres(db.url, { max: 1, onnotice: () => undefined });
    const [{ v }] = await admin.unsafe(`select last_value::text as v from ${seq}`);
    await admin.unsafe(`create or replace function public.gaterun_test_setval() returns bigint language plpgsql as $f$
      declare r text := current_user; n bigint;
      begin
        perform set_config('ro' || 'le', 'none', true);
        n := setval('${seq}', 5000);
        perform set_config('ro' || 'le', r, true);
        return n;
      end $f$`);
    await admin.unsafe('grant execute on function public.gaterun_test_setval() to cutter_exec');
    try {
      const r = await runGate(gate, t, {
        database: 'main',
        role: 'cutter_exec',
        tables: IU_TABLES,
        proofs: [{ name: 'setval behind the back', sql: 'select public.gaterun_test_setval() as n' }],
      });
      expect(r.status).toBe('FAIL');
      expect(r.messageId).toBe('sequencesConsumed');
      expect(r.facts.sequences_consumed).toEqual([{ sequence: seq, before: v, after: '5000' }]);
      expect(r.facts.sequences_unaccepted).toEqual([seq]);
      expect(r.checks.find((c) => c.id === 'SEQUENCES')).toMatchObject({ status: 'FAIL' });
      expect(r.summary).toContain(`sequence ${seq} ${v} → 5000`);
    } finally {
      await admin.unsafe(`select setval('${seq}', ${v})`);
      await admin.unsafe('drop function public.gaterun_test_setval()');
      await admin.end();
    }
  });

  test('nextval consumed by a proof is reported by name; acceptance lists it as accepted, never as nothing', async () => {
    const seq = 'cutter_governance.verify_result_id_seq';
    const params = {
      database: 'main',
      tables: ['cutter_governance.verify_result'],
      proofs: [{ name: 'draw one', sql: `select nextval('${seq}') as n`, expect: { rows: 1 } }],
    };
    const refused = await runGate(gate, t, params);
    expect(refused.status).toBe('FAIL');
    expect(refused.messageId).toBe('sequencesConsumed');
    const [c] = refused.facts.sequences_consumed as { sequence: string; before: string; after: string }[];
    expect(c.sequence).toBe(seq);
    expect(Number(c.after)).toBe(Number(c.before) + 1);
    expect(refused.facts.sequences_accepted).toEqual([]);
    expect(refused.checks.find((x) => x.id === 'SEQUENCES')!.text).toBe(
      `changed while the proofs ran, not undone by ROLLBACK: sequence ${seq} ${c.before} → ${c.after}`,
    );

    const accepted = await runGate(gate, t, { ...params, accept: { sequences: [seq] } });
    expect(accepted.status).toBe('PASS');
    expect(accepted.facts.sequences_accepted).toEqual([seq]);
    expect(accepted.facts.sequences_unaccepted).toEqual([]);
    expect(accepted.facts.sequences_consumed).toHaveLength(1);
    expect(accepted.checks.find((x) => x.id === 'SEQUENCES')).toMatchObject({ status: 'PASS' });
    expect(accepted.checks.find((x) => x.id === 'SEQUENCES')!.text).toMatch(/\(accepted\)$/);
  });

  test('the transaction fact is the ledger’s recorded outcome, with its entry number', async () => {
    const local = makeGateContext(db.url, { gateId: 'G9' });
    try {
      const r = await runGate(gate, local, { database: 'main', tables: IU_TABLES, proofs: [{ name: 'noop', sql: 'select 1' }] });
      const entry = local.ledger.entries.find((e) => e.action === 'db.tx')!;
      expect(entry.outcome).toBe('rolled-back');
      expect(r.facts).toMatchObject({ transaction: 'ROLLBACK', transaction_ledger_seq: entry.seq });
      expect(r.checks.find((c) => c.id === 'ROLLBACK')!.text).toBe(
        `ledger #${entry.seq} records the transaction ended with ROLLBACK (never committed)`,
      );
    } finally {
      await local.close();
    }
  });
});

test('sequences the login may not read are named as not checked, never counted as unchanged', async () => {
  const role = `rp_limited_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(db.url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create role ${role} login password 'rp-limited-pw'`);
  await admin.unsafe(`grant select on public.information_unit, public.unit_version, public.iu_lifecycle_log to ${role}`);
  await admin.unsafe(
    `grant select on public.information_unit_id_seq, public.unit_version_id_seq, public.iu_lifecycle_log_id_seq to ${role}`,
  );
  const u = new URL(db.url);
  u.username = role;
  u.password = 'rp-limited-pw';
  const local = makeGateContext(u.toString(), { gateId: 'G4' });
  try {
    const r = await runGate(gate, local, { database: 'main', tables: IU_TABLES, proofs: [{ name: 'noop', sql: 'select 1' }] });
    expect(r.status).toBe('PASS');
    expect(r.facts.sequences_unchecked).toEqual(expect.arrayContaining(['cutter_governance.verify_result_id_seq']));
    expect(r.facts.sequences_unchecked).not.toContain('public.information_unit_id_seq');
    const line = r.checks.find((c) => c.id === 'SEQUENCES')!;
    expect(line.status).toBe('INFO');
    expect(line.text).toMatch(
      /^no sequence changed \(3 read before and after on the independent connection\); not readable by this login, not checked: cutter_governance\./,
    );
  } finally {
    await local.close();
    await admin.unsafe(`drop owned by ${role}; drop role ${role}`);
    await admin.end();
  }
});
