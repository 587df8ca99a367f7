// pg-snapshot, pg-grants and pg-schema on the iu-cutter sample, plus schema checks of every PostgreSQL gate's params.
import { Ajv } from 'ajv';
import { createHash } from 'node:crypto';
import postgres from 'postgres';
import snapshot from '../../gates/pg-snapshot.js';
import grants from '../../gates/pg-grants.js';
import schema from '../../gates/pg-schema.js';
import rollbackProof from '../../gates/rollback-proof.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeGateContext, runGate, type TestGateContext } from '../helpers/gate-context.js';
import { IU_TABLES, o8cProofs, PROBE_SQL } from '../helpers/o8c-proofs.js';

const GOV = [
  'cut_change_set',
  'cut_change_set_affected_row',
  'manifest_envelope',
  'review_decision',
  'verify_result',
  'dot_pair_signature',
].map((t) => `cutter_governance.${t}`);
const EXPECTED = {
  'public.information_unit': 158,
  'public.unit_version': 165,
  'public.iu_lifecycle_log': 60,
  'cutter_governance.cut_change_set': 2,
  'cutter_governance.cut_change_set_affected_row': 61,
  'cutter_governance.manifest_envelope': 2,
  'cutter_governance.review_decision': 3,
  'cutter_governance.verify_result': 2,
  'cutter_governance.dot_pair_signature': 4,
};
const FN = 'public.fn_iu_create(text,text,text,text,text,text)';

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

describe('pg-snapshot', () => {
  test('a table that does not exist: FAIL naming it (mixed case is quoted, not folded), nothing counted', async () => {
    const r = await runGate(snapshot, t, {
      database: 'main',
      tables: ['public.information_unit', 'public.no_such_table', 'public.Information_Unit'],
    });
    expect(r.status).toBe('FAIL');
    expect(r.messageId).toBe('noTable');
    expect(r.summary).toMatch(/2 table\(s\) to count do not exist on .*: public\.no_such_table, public\.Information_Unit/);
    expect(r.facts.missing).toEqual(['public.no_such_table', 'public.Information_Unit']);
    expect(r.facts.counts).toBeUndefined();
  });

  test('the sample has the reference counts (9 tables)', async () => {
    const r = await runGate(snapshot, t, {
      database: 'main',
      tables: [...IU_TABLES, ...GOV],
      probes: [{ name: 'probe rows', sql: PROBE_SQL }],
      expect: EXPECTED,
    });
    expect(r.status).toBe('PASS');
    expect(r.facts.counts).toEqual(EXPECTED);
    expect(r.facts.probes).toEqual({ 'probe rows': 0 });
    expect(r.checks.filter((c) => c.id === 'COUNT').every((c) => c.status === 'PASS')).toBe(true);
  });

  test('wrong expectations → FAIL listing every difference', async () => {
    const r = await runGate(snapshot, t, {
      database: 'main',
      tables: IU_TABLES,
      expect: { 'public.information_unit': 159, 'public.unit_version': 165, 'public.iu_lifecycle_log': 61 },
    });
    expect(r.status).toBe('FAIL');
    expect(r.messageId).toBe('differs');
    expect(r.summary).toContain('public.information_unit: expected 159, got 158');
    expect(r.summary).toContain('public.iu_lifecycle_log: expected 61, got 60');
    expect(r.summary).not.toContain('unit_version');
    expect(r.checks.map((c) => c.status)).toEqual(['FAIL', 'PASS', 'FAIL']);
  });

  test('compare_with an earlier gate: equal → PASS; a committed change in between → FAIL', async () => {
    const first = await runGate(snapshot, t, { database: 'main', tables: IU_TABLES });
    expect(first.status).toBe('PASS');
    expect(first.messageId).toBe('counted');
    t.facts.G3 = first.facts;
    expect((await runGate(snapshot, t, { database: 'main', tables: IU_TABLES, compare_with: 'G3' })).status).toBe('PASS');
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql`insert into public.iu_lifecycle_log (iu_id, event, actor) values (1, 'note', 'test')`;
    try {
      const r = await runGate(snapshot, t, { database: 'main', tables: IU_TABLES, compare_with: 'G3' });
      expect(r.status).toBe('FAIL');
      expect(r.summary).toContain('public.iu_lifecycle_log: G3 counted 60, got 61');
    } finally {
      await sql`delete from public.iu_lifecycle_log where event = 'note'`;
      await sql.end();
    }
  });

  test('compare_with a gate without counts → FAIL noEarlier', async () => {
    const r = await runGate(snapshot, t, { database: 'main', tables: IU_TABLES, compare_with: 'G0' });
    expect(r).toMatchObject({ status: 'FAIL', messageId: 'noEarlier' });
  });
});

describe('pg-grants', () => {
  const good = {
    database: 'main',
    roles_exist: ['cutter_exec', 'cutter_verify'],
    grants: [
      { role: 'cutter_exec', on: 'function' as const, object: FN, privilege: 'EXECUTE', expect: true },
      { role: 'cutter_exec', on: 'table' as const, object: 'public.information_unit', privilege: 'SELECT', expect: true },
      { role: 'cutter_exec', on: 'table' as const, object: 'public.information_unit', privilege: 'INSERT', expect: false },
      { role: 'cutter_exec', on: 'table' as const, object: 'public.unit_version', privilege: 'UPDATE', expect: false },
      { role: 'cutter_verify', on: 'table' as const, object: 'cutter_governance.verify_result', privilege: 'INSERT', expect: true },
      { role: 'cutter_verify', on: 'table' as const, object: 'public.information_unit', privilege: 'SELECT', expect: false },
      { role: 'cutter_verify', on: 'function' as const, object: FN, privilege: 'EXECUTE', expect: false },
    ],
  };

  test('the sample roles hold exactly the designed grants', async () => {
    const r = await runGate(grants, t, good);
    expect(r.status).toBe('PASS');
    expect(r.facts).toMatchObject({ grants_ok: 7, grants_total: 7, missing: [], surplus: [] });
  });

  test('a role without a grant → FAIL naming the missing grant; an unexpected grant → surplus', async () => {
    const r = await runGate(grants, t, {
      database: 'main',
      grants: [
        { role: 'cutter_verify', on: 'table', object: 'cutter_governance.review_decision', privilege: 'INSERT', expect: true },
        { role: 'cutter_exec', on: 'table', object: 'public.information_unit', privilege: 'SELECT', expect: false },
      ],
    });
    expect(r.status).toBe('FAIL');
    expect(r.summary).toContain('missing grant: cutter_verify INSERT on table cutter_governance.review_decision');
    expect(r.summary).toContain('surplus grant: cutter_exec SELECT on table public.information_unit');
    expect(r.facts).toMatchObject({
      missing: ['cutter_verify INSERT on table cutter_governance.review_decision'],
      surplus: ['cutter_exec SELECT on table public.information_unit'],
    });
  });

  test('a missing role or object is named, not an SQL error', async () => {
    const r = await runGate(grants, t, {
      database: 'main',
      roles_exist: ['cutter_exec', 'cutter_ghost'],
      grants: [
        { role: 'cutter_ghost', on: 'table', object: 'public.information_unit', privilege: 'SELECT', expect: true },
        { role: 'cutter_exec', on: 'function', object: 'public.fn_nope(text)', privilege: 'EXECUTE', expect: true },
      ],
    });
    expect(r.status).toBe('FAIL');
    expect(r.summary).toContain('role cutter_ghost does not exist');
    expect(r.summary).toContain('function public.fn_nope(text): function does not exist');
  });
});

describe('pg-schema', () => {
  test('args in the forms psql shows (\\df with names and OUT, identity, bare types, aliases) find the function; others FAIL, none crash', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql.unsafe(`create or replace function public.film_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer)
      returns setof integer language sql as 'select p_film_id + p_store_id'`);
    await sql.end();
    for (const args of [
      'p_film_id integer, p_store_id integer, OUT p_film_count integer',
      'P_FILM_ID INTEGER,p_store_id   integer, out p_film_count integer',
      'p_film_id integer, p_store_id integer',
      'integer, integer',
      'int4,int',
    ]) {
      const r = await runGate(schema, t, { database: 'main', functions: [{ name: 'public.film_in_stock', args }] });
      expect([args, r.status, r.summary]).toEqual([args, 'PASS', expect.any(String)]);
      expect(Object.keys(r.facts.functions as object)).toEqual(['public.film_in_stock(integer, integer)']);
    }
    for (const args of ['text, integer', 'p_film_id integer', 'integer integer (', 'OUT p_film_count integer']) {
      const r = await runGate(schema, t, { database: 'main', functions: [{ name: 'public.film_in_stock', args }] });
      expect([args, r.status]).toEqual([args, 'FAIL']);
      expect(r.summary).toContain(`function public.film_in_stock(${args}) does not exist`);
    }
  });

  test('tables, fn_iu_create (sha256 of its definition) and the enacted trigger exist', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    const [{ def }] = await sql`select pg_get_functiondef(${FN}::regprocedure) as def`;
    await sql.end();
    const sha = createHash('sha256')
      .update(def as string)
      .digest('hex');
    const r = await runGate(schema, t, {
      database: 'main',
      tables: [...IU_TABLES, ...GOV],
      functions: [
        { name: 'public.fn_iu_create', args: 'text, text, text, text, text, text', sha256: sha },
        { name: 'public.fn_refuse_enacted_update' },
      ],
      triggers: [{ table: 'public.unit_version', name: 'trg_unit_version_enacted_immutable' }],
    });
    expect(r.status).toBe('PASS');
    expect(r.facts.functions).toMatchObject({ [FN.replace(/,/g, ', ')]: sha });
  });

  test('a changed definition, a missing table and a disabled trigger each FAIL', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql`alter table public.unit_version disable trigger trg_unit_version_enacted_immutable`;
    try {
      const r = await runGate(schema, t, {
        database: 'main',
        tables: ['public.information_unit', 'public.no_such_table'],
        functions: [{ name: 'public.fn_iu_create', args: 'text, text, text, text, text, text', sha256: '0'.repeat(64) }],
        triggers: [
          { table: 'public.unit_version', name: 'trg_unit_version_enacted_immutable' },
          { table: 'public.unit_version', name: 'trg_missing' },
        ],
      });
      expect(r.status).toBe('FAIL');
      expect(r.checks.map((c) => `${c.id} ${c.status}`)).toEqual([
        'TABLE PASS',
        'TABLE FAIL',
        'FUNCTION FAIL',
        'TRIGGER FAIL',
        'TRIGGER FAIL',
      ]);
      expect(r.summary).toContain('exists but is DISABLED');
      expect(r.summary).toContain('public.no_such_table does not exist');
    } finally {
      await sql`alter table public.unit_version enable trigger trg_unit_version_enacted_immutable`;
      await sql.end();
    }
  });
});

describe('params schemas', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const cases: [string, object, boolean][] = [
    ['pg-snapshot ok', { database: 'main', tables: ['public.t'] }, true],
    ['pg-snapshot injection in a table name', { database: 'main', tables: ['public.t; drop table x'] }, false],
    ['pg-snapshot no tables', { database: 'main', tables: [] }, false],
    ['pg-snapshot unknown key', { database: 'main', tables: ['t'], extra: 1 }, false],
    ['rollback-proof ok', o8cProofs(), true],
    [
      'rollback-proof bad count delta',
      { ...o8cProofs(), proofs: [{ name: 'x', sql: 'select 1', expect: { counts: { 'public.t': '+one' } } }] },
      false,
    ],
    ['rollback-proof no proofs', { ...o8cProofs(), proofs: [] }, false],
    ['pg-grants ok', { database: 'main', roles_exist: ['r'] }, true],
    ['pg-grants nothing to check', { database: 'main' }, false],
    ['pg-grants bad on', { database: 'main', grants: [{ role: 'r', on: 'view', object: 'v', privilege: 'SELECT', expect: true }] }, false],
    ['pg-schema ok', { database: 'main', triggers: [{ table: 'public.t', name: 'x' }] }, true],
    ['pg-schema bad sha', { database: 'main', functions: [{ name: 'f', sha256: 'xyz' }] }, false],
  ];
  const gates: Record<string, { params: object }> = {
    'pg-snapshot': snapshot,
    'rollback-proof': rollbackProof,
    'pg-grants': grants,
    'pg-schema': schema,
  };
  test.each(cases)('%s', (name, params, valid) => {
    const validate = ajv.compile(gates[name.split(' ')[0]].params);
    expect(validate(params)).toBe(valid);
  });
});
