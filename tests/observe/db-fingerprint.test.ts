// Database fingerprints on a real, private PostgreSQL: every kind of change is named, nothing else is.
import postgres from 'postgres';
import gate from '../../gates/rollback-proof.js';
import {
  candidateXids,
  createDbObserver,
  diffFingerprints,
  openObserver,
  parseSnapshot,
  takeFingerprint,
  type FingerprintOptions,
} from '../../src/observe/db-fingerprint.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { applySampleSchema } from '../../src/pg/sample-schema.js';
import { makeGateContext, runGate } from '../helpers/gate-context.js';
import { withDatabase } from '../helpers/pg.js';

// A private server: roles are cluster-wide, so another test file creating a role must not show up here.
let server: EmbeddedPostgres;
let url: string;
let writer: postgres.Sql;
let observer: postgres.Sql;

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
  await admin.unsafe('create database fp');
  await admin.end();
  url = withDatabase(server.url, 'fp');
  await applySampleSchema(url);
  writer = postgres(url, { max: 1, onnotice: () => undefined });
  observer = openObserver(url, { applicationName: 'gaterun-observer/test' });
}, 60_000);
afterAll(async () => {
  await observer?.end();
  await writer?.end();
  await server?.stop();
});

/** Fingerprint, do something, fingerprint again: the named changes. */
async function changesOf(action: () => Promise<unknown>, gateId = 'G1', opts: FingerprintOptions = {}) {
  const before = await takeFingerprint(observer, opts);
  await action();
  const after = await takeFingerprint(observer, { ...opts, previous: before });
  return diffFingerprints(before, after, gateId);
}
const texts = (changes: { text: string }[]) => changes.map((c) => c.text);

test('a fingerprint holds exact counts of every table of every non-system schema, sequences and a catalog', async () => {
  const f = await takeFingerprint(observer);
  expect(f.tables['public.information_unit']).toEqual({ rows: 158, written: null });
  expect(f.tables['public.unit_version'].rows).toBe(165);
  expect(Object.keys(f.tables).filter((t) => t.startsWith('cutter_governance.')).length).toBeGreaterThan(3);
  expect(Object.keys(f.tables).some((t) => t.startsWith('pg_catalog.') || t.startsWith('information_schema.'))).toBe(false);
  expect(f.sequences['public.information_unit_id_seq']).toMatchObject({ is_called: true });
  expect(f.catalog).toHaveProperty(['function public.fn_iu_create(text, text, text, text, text, text)']);
  expect(f.catalog).toHaveProperty(['trigger public.unit_version.trg_unit_version_enacted_immutable']);
  expect(f.catalog).toHaveProperty(['role cutter_exec']);
  expect(f.catalogDigest).toMatch(/^[0-9a-f]{64}$/);
  expect(f.server.user).toBe('postgres');
  // Plain JSON: it survives a round trip into run.json unchanged.
  expect(JSON.parse(JSON.stringify(f))).toEqual(f);
});

test('nothing changed → no change, twice in a row and after VACUUM FREEZE and a committed SELECT … FOR UPDATE', async () => {
  expect(await changesOf(async () => undefined)).toEqual([]);
  expect(
    await changesOf(async () => {
      await writer.unsafe('vacuum (freeze, analyze) public.information_unit');
      await writer.begin(async (tx) => tx`select id from public.information_unit where id = 3 for update`);
    }),
  ).toEqual([]);
});

test('no false positive after a rolled-back proof that inserted, updated and deleted', async () => {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe('create table if not exists public.fp_plain (k int primary key, v text)');
  await admin.unsafe("insert into public.fp_plain values (1, 'one'), (2, 'two') on conflict do nothing");
  await admin.end();
  const t = makeGateContext(url, { gateId: 'G4' });
  try {
    const changes = await changesOf(async () => {
      const r = await runGate(gate, t, {
        database: 'main',
        tables: ['public.fp_plain'],
        proofs: [
          { name: 'insert', sql: "insert into public.fp_plain values (3, 'three')", expect: { counts: { 'public.fp_plain': '+1' } } },
          { name: 'update', sql: "update public.fp_plain set v = 'changed' where k = 1 returning k", expect: { rows: 1 } },
          { name: 'delete', sql: 'delete from public.fp_plain where k = 2 returning k', expect: { rows: 1 } },
        ],
      });
      expect(r.status).toBe('PASS');
    }, 'G4');
    expect(changes).toEqual([]);
  } finally {
    await t.close();
  }
});

test('an INSERT through another connection: the count, the written row and the sequence are named', async () => {
  const changes = await changesOf(
    () => writer`insert into cutter_governance.review_decision (change_set_id, reviewer, decision) values (2, 'fp', 'approve')`,
    'G2',
  );
  const rows = changes.find((c) => c.kind === 'rows')!;
  expect(rows.object).toBe('cutter_governance.review_decision');
  expect(rows.text).toBe(`cutter_governance.review_decision ${rows.before} → ${Number(rows.before) + 1} (after G2)`);
  expect(changes.find((c) => c.kind === 'written')).toMatchObject({ object: 'cutter_governance.review_decision' });
  expect(changes.find((c) => c.kind === 'sequence')).toMatchObject({ object: 'cutter_governance.review_decision_id_seq' });
  expect(changes.map((c) => c.kind).sort()).toEqual(['rows', 'sequence', 'written']);
});

test('an UPDATE that leaves the count equal is named as written', async () => {
  const changes = await changesOf(() => writer`update public.information_unit set title = title || '' where id in (1, 2)`);
  expect(texts(changes)).toEqual(['public.information_unit 2 visible row(s) written (inserted or updated), count 158 → 158 (after G1)']);
});

test('an INSERT plus a DELETE of another row (count equal) is named as written', async () => {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe('create table if not exists public.fp_pair (k int primary key)');
  await admin.unsafe('insert into public.fp_pair values (1) on conflict do nothing');
  await admin.end();
  const changes = await changesOf(async () => {
    await writer`insert into public.fp_pair values (2)`;
    await writer`delete from public.fp_pair where k = 1`;
  });
  expect(texts(changes)).toEqual(['public.fp_pair 1 visible row(s) written (inserted or updated), count 1 → 1 (after G1)']);
});

test('setval is named with the sequence and both values', async () => {
  const [{ v }] = await writer.unsafe<{ v: string }[]>('select last_value::text as v from public.information_unit_id_seq');
  const changes = await changesOf(() => writer`select setval('public.information_unit_id_seq', 5000)`, 'G3');
  expect(texts(changes)).toEqual([`sequence public.information_unit_id_seq ${v} → 5000 (after G3)`]);
  await writer.unsafe(`select setval('public.information_unit_id_seq', ${v})`);
});

test('DDL is named: a column added, a function created and one redefined, a trigger created, a table dropped', async () => {
  await writer.unsafe('create table if not exists public.fp_ddl (k int)');
  const changes = await changesOf(async () => {
    await writer.unsafe('alter table public.unit_version add column fp_note text');
    await writer.unsafe('create function public.fn_fp_x() returns trigger language plpgsql as $$ begin return new; end $$');
    await writer.unsafe('create trigger trg_fp after insert on public.iu_lifecycle_log for each row execute function public.fn_fp_x()');
    await writer.unsafe("create or replace function public.fn_fp_y() returns int language sql as 'select 1'");
    await writer.unsafe('drop table public.fp_ddl');
  }, 'G5');
  const t = texts(changes);
  expect(t).toContain('column public.unit_version.fp_note added (after G5)');
  expect(t).toContain('function public.fn_fp_x() added (after G5)');
  expect(t).toContain('trigger public.iu_lifecycle_log.trg_fp added (after G5)');
  expect(t).toContain('table public.fp_ddl removed (after G5)');
  expect(t).toContain('column public.fp_ddl.k removed (after G5)');
  // The function's default EXECUTE to PUBLIC comes with it, and is named too.
  expect(t).toContain('grant EXECUTE on function public.fn_fp_x() to PUBLIC added (after G5)');
  expect(changes.every((c) => c.kind === 'catalog')).toBe(true);

  const redefined = await changesOf(
    () => writer.unsafe("create or replace function public.fn_fp_y() returns int language sql as 'select 2'"),
    'G6',
  );
  expect(texts(redefined)).toEqual(['function public.fn_fp_y() changed (after G6)']);
  await writer.unsafe(
    'drop trigger trg_fp on public.iu_lifecycle_log; drop function public.fn_fp_x(); alter table public.unit_version drop column fp_note',
  );
});

test('GRANT and REVOKE are named (grantee, privilege, object); so are role and membership changes', async () => {
  const granted = await changesOf(() => writer.unsafe('grant select on public.unit_version to cutter_verify'), 'G7');
  expect(texts(granted)).toEqual(['grant SELECT on public.unit_version to cutter_verify added (after G7)']);
  const revoked = await changesOf(() => writer.unsafe('revoke select on public.unit_version from cutter_verify'), 'G8');
  expect(texts(revoked)).toEqual(['grant SELECT on public.unit_version to cutter_verify removed (after G8)']);
  const roles = await changesOf(async () => {
    await writer.unsafe('create role fp_intruder');
    await writer.unsafe('grant cutter_exec to fp_intruder');
    await writer.unsafe('alter role cutter_verify createdb');
  }, 'G9');
  expect(texts(roles)).toEqual([
    'membership fp_intruder in cutter_exec added (after G9)',
    'role cutter_verify changed (after G9)',
    'role fp_intruder added (after G9)',
  ]);
  await writer.unsafe('drop role fp_intruder; alter role cutter_verify nocreatedb');
});

test('a content digest names a change to a small table even when count and written agree with nothing', async () => {
  const opts = { content: ['cutter_governance.review_decision'] };
  const same = await changesOf(async () => undefined, 'G1', opts);
  expect(same).toEqual([]);
  const changed = await changesOf(
    () => writer`update cutter_governance.review_decision set reviewer = reviewer || '!' where id = 1`,
    'G2',
    opts,
  );
  expect(changed.map((c) => c.kind).sort()).toEqual(['content', 'written']);
  expect(changed.find((c) => c.kind === 'content')!.text).toMatch(
    /^content of cutter_governance\.review_decision changed \(\d+ → \d+ rows, md5 [0-9a-f]{8} → [0-9a-f]{8}\) \(after G2\)$/,
  );
});

test('watch and ignore: an ignored table is not counted; a watched schema is the only one counted; unknown names are errors', async () => {
  const ignored = await changesOf(
    () => writer`insert into cutter_governance.review_decision (change_set_id, reviewer, decision) values (2, 'fp2', 'approve')`,
    'G1',
    { ignore: ['cutter_governance.review_decision', 'cutter_governance.review_decision_id_seq'] },
  );
  expect(ignored).toEqual([]);
  const onlyPublic = await takeFingerprint(observer, { watch: ['public'] });
  expect(Object.keys(onlyPublic.tables).every((t) => t.startsWith('public.'))).toBe(true);
  expect(Object.keys(onlyPublic.catalog).some((k) => k.includes('cutter_governance.'))).toBe(false);
  await expect(takeFingerprint(observer, { watch: ['no_such_schema'] })).rejects.toMatchObject({
    code: 'EOBSERVER',
    message: 'database fingerprint: watch: no_such_schema matches no table or schema',
  });
  await expect(takeFingerprint(observer, { content: ['public.nope'] })).rejects.toMatchObject({ code: 'EOBSERVER' });
});

test('a trigger that commits through dblink during a rolled-back proof: the proof passes, the fingerprint names the row', async () => {
  const [{ available }] = await writer<
    { available: boolean }[]
  >`select exists (select 1 from pg_available_extensions where name = 'dblink') as available`;
  // The embedded server ships dblink; were it missing, this test would have to simulate the commit from another connection.
  expect(available).toBe(true);
  const u = new URL(url);
  const conn = `host=${u.hostname} port=${u.port} dbname=fp user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)}`;
  await writer.unsafe('create extension if not exists dblink');
  await writer.unsafe('create table public.fp_orders (k int)');
  await writer.unsafe('create table public.fp_audit (note text)');
  await writer.unsafe(`create function public.fn_fp_audit() returns trigger language plpgsql as $f$
    begin perform dblink_exec(${"'" + conn.replace(/'/g, "''") + "'"}, 'insert into public.fp_audit values (''committed elsewhere'')'); return new; end $f$`);
  await writer.unsafe('create trigger trg_fp_audit after insert on public.fp_orders for each row execute function public.fn_fp_audit()');
  const t = makeGateContext(url, { gateId: 'G4' });
  try {
    const changes = await changesOf(async () => {
      const r = await runGate(gate, t, {
        database: 'main',
        tables: ['public.fp_orders'],
        proofs: [
          { name: 'insert an order', sql: 'insert into public.fp_orders values (1)', expect: { counts: { 'public.fp_orders': '+1' } } },
        ],
      });
      // The gate only counts the tables it lists: on its own it sees nothing wrong. That is the hole the fingerprint closes.
      expect(r.status).toBe('PASS');
    }, 'G4');
    expect(texts(changes)).toEqual([
      'public.fp_audit 0 → 1 (after G4)',
      'public.fp_audit 1 visible row(s) written (inserted or updated), count 0 → 1 (after G4)',
    ]);
  } finally {
    await t.close();
    await writer.unsafe('drop table public.fp_orders, public.fp_audit; drop function public.fn_fp_audit()');
  }
});

test('a row committed by a second connection while a proof runs is named (the same effect without dblink)', async () => {
  const t = makeGateContext(url, { gateId: 'G4' });
  try {
    const changes = await changesOf(async () => {
      const concurrent = new Promise((resolve) => setTimeout(resolve, 200)).then(
        () => writer`insert into cutter_governance.verify_result (change_set_id, verifier, result) values (2, 'concurrent', 'pass')`,
      );
      await runGate(gate, t, {
        database: 'main',
        tables: ['public.information_unit'],
        proofs: [{ name: 'slow', sql: 'select pg_sleep(0.6)' }],
      });
      await concurrent;
    }, 'G4');
    expect(texts(changes).filter((x) => x.startsWith('cutter_governance.verify_result '))).toHaveLength(2);
  } finally {
    await t.close();
  }
});

test('the observer needs read privileges: without them it fails naming the table; with pg_read_all_data it works', async () => {
  await writer.unsafe("create role fp_observer login password 'fp-observer-pw'");
  const u = new URL(url);
  u.username = 'fp_observer';
  u.password = 'fp-observer-pw';
  const weak = openObserver(u.toString());
  try {
    await expect(takeFingerprint(weak)).rejects.toMatchObject({
      code: 'EOBSERVER',
      message: expect.stringMatching(/permission denied for (table|sequence|schema) /),
    });
    await writer.unsafe('grant pg_read_all_data to fp_observer');
    const f = await takeFingerprint(weak);
    expect(f.server.user).toBe('fp_observer');
    expect(f.tables['public.information_unit'].rows).toBe((await takeFingerprint(observer)).tables['public.information_unit'].rows);
  } finally {
    await weak.end();
    await writer.unsafe('drop owned by fp_observer; drop role fp_observer');
  }
});

test('written counts need the previous snapshot: a later fingerprint taken against an older one does not claim "written"', async () => {
  const a = await takeFingerprint(observer);
  await writer`update public.information_unit set title = title where id = 5`;
  const b = await takeFingerprint(observer, { previous: a });
  const c = await takeFingerprint(observer, { previous: b });
  // c's written counts are relative to b, so diffing a → c must not present them as a → c writes.
  expect(diffFingerprints(a, c, 'G1').filter((x) => x.kind === 'written')).toEqual([]);
  expect(diffFingerprints(a, b, 'G1').filter((x) => x.kind === 'written')).toHaveLength(1);
});

describe('candidate xids between two snapshots', () => {
  const snap = (text: string) => parseSnapshot(text);
  test('in-progress then committed, and new since, minus those still in progress', () => {
    expect(candidateXids(snap('100:105:101,103'), snap('104:110:107'))).toEqual([101, 103, 105, 106, 108, 109]);
  });
  test('nothing in between → none', () => {
    expect(candidateXids(snap('100:105:'), snap('100:105:'))).toEqual([]);
  });
  test('across the 2^32 boundary the 32-bit xids wrap and skip the special xids 0-2', () => {
    const base = 2n ** 32n;
    expect(candidateXids(snap(`${base - 2n}:${base - 2n}:`), snap(`${base + 5n}:${base + 5n}:`))).toEqual([3, 4, 4294967294, 4294967295]);
  });
  test('too many to list → null (the scan compares ages instead)', () => {
    expect(candidateXids(snap('100:100:'), snap('100:200100:'), 1000)).toBeNull();
  });
  test('a snapshot that is not one is an error', () => {
    expect(() => parseSnapshot('1:2:x')).toThrow('not a snapshot');
  });
});

test('createDbObserver: before, after each gate, each change attributed to the gate it followed', async () => {
  const obs = createDbObserver(url, { applicationName: 'gaterun-observer/run-test' });
  try {
    expect((await obs.observe('before')).changes).toEqual([]);
    expect((await obs.observe('G1')).changes).toEqual([]);
    await writer`update cutter_governance.verify_result set detail = detail where id = 1`;
    const g2 = await obs.observe('G2');
    expect(texts(g2.changes)).toEqual([
      expect.stringMatching(/^cutter_governance\.verify_result 1 visible row\(s\) written .* \(after G2\)$/),
    ]);
    expect((await obs.observe('G3')).changes).toEqual([]);
    expect(obs.observations.map((o) => o.label)).toEqual(['before', 'G1', 'G2', 'G3']);
    expect(texts(obs.changes())).toEqual(texts(g2.changes));
    // The observer shows up under its own name, on its own connection.
    const [{ n }] = await writer<
      { n: number }[]
    >`select count(*)::int as n from pg_stat_activity where application_name = 'gaterun-observer/run-test'`;
    expect(n).toBe(1);
  } finally {
    await obs.close();
  }
});
