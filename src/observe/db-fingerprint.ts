// Database fingerprints: what a database holds, taken on an independent read-only connection, and the named
// differences between two of them. This is how gaterun *observes* (rather than trusts a declaration) that a
// database did not change.
//
// One fingerprint is one REPEATABLE READ, READ ONLY transaction (one snapshot) with three queries:
//   1. the snapshot (txid_current_snapshot) and the server identity;
//   2. the catalog: per-object digests of tables/views/sequences, columns, constraints, indexes, triggers,
//      row-level-security policies, functions, schemas, extensions, roles, role memberships and grants;
//   3. one generated UNION ALL: for every watched table `count(*)` and, in the same scan, the number of visible
//      rows written since the previous fingerprint; every sequence's last_value/is_called; content digests.
// The observer only reads: no temp tables, no functions that write, no xid is assigned to its transaction.
//
// Privileges an `observer` URL needs (the role it logs in as):
//   - SELECT on every watched table and sequence and USAGE on their schemas. On PostgreSQL 14+ the simplest
//     grant is `GRANT pg_read_all_data TO observer` (SELECT on all tables, views and sequences, USAGE on all
//     schemas); on older servers grant SELECT per schema (`GRANT SELECT ON ALL TABLES IN SCHEMA s`, the same
//     for SEQUENCES, plus USAGE ON SCHEMA s).
//   - BYPASSRLS (or table ownership) for tables with row-level security: the observer runs with
//     `row_security = off`, so a table whose policies would hide rows fails the fingerprint instead of being
//     counted short.
//   - Nothing else: the catalogs read (pg_class, pg_attribute, pg_proc, pg_roles, pg_auth_members...) are
//     readable by every role. A role's password is not (pg_authid), so a password change is not observed.
//   The observer should be a distinct, read-only login; `default_transaction_read_only = on` is set anyway.
//
// Limits, stated rather than hidden:
//   - "written" counts visible rows whose xmin was not visible to the previous fingerprint's snapshot (exact
//     xid candidates computed from the two snapshots). A row inserted and deleted again between two
//     fingerprints leaves no visible row: it shows only through the sequence it consumed, if any. A row frozen
//     by an aggressive VACUUM FREEZE between two fingerprints shows xmin 2 and is not counted as written.
//   - xids are 32 bits on disk; when more than 2^31 transactions separate two fingerprints (PostgreSQL's own
//     wraparound horizon), written counts are not taken and a note says so.
//   - Foreign tables are not counted (that would query the remote server); partitioned parents are not counted
//     (their partitions are); each table is counted with ONLY (inheritance children count for themselves).
import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import { postgresJs } from '../db/postgres-module.js';
import { errors } from '../errors.js';

type Sql = postgres.Sql<Record<string, never>>;

/** What to watch; names are `schema` or `schema.table`. */
export interface FingerprintOptions {
  /** Schemas or tables to watch; empty or absent: every non-system schema. */
  watch?: string[];
  /** Schemas or tables to leave out (applies after watch). */
  ignore?: string[];
  /** `schema.table` names whose full content is digested (small tables where equal counts are not enough). */
  content?: string[];
  /** The previous fingerprint of the same database: its snapshot is what "written since" is counted against. */
  previous?: Fingerprint | null;
}

/** One table's exact row count and the visible rows written since the previous fingerprint (null: not taken). */
export interface TableState {
  rows: number;
  written: number | null;
}

/** A sequence's state (last_value as text: it is a bigint). */
export interface SequenceState {
  last_value: string;
  is_called: boolean;
}

/** A fingerprint: plain JSON, safe to store in run.json. */
export interface Fingerprint {
  version: 1;
  takenAt: string;
  /** txid_current_snapshot() of the scan, `xmin:xmax:xip,...` (64-bit, epoch included). */
  snapshot: string;
  /** The snapshot written counts are relative to (the previous fingerprint's), or null. */
  since: string | null;
  server: { version: number; database: string; user: string };
  watch: string[];
  ignore: string[];
  tables: Record<string, TableState>;
  sequences: Record<string, SequenceState>;
  /** `<kind> <name>` → md5 of the object's definition, e.g. `function public.fn_x(text)`, `grant SELECT on public.t to r`. */
  catalog: Record<string, string>;
  /** sha256 over the sorted catalog entries: equal digests, equal catalogs. */
  catalogDigest: string;
  content: Record<string, { rows: number; digest: string }>;
  /** Anything the fingerprint could not establish (e.g. written counts skipped), in words. */
  notes: string[];
  durationMs: number;
}

/** One named difference between two fingerprints. */
export interface FingerprintChange {
  kind: 'rows' | 'written' | 'sequence' | 'catalog' | 'content';
  object: string;
  before: string | number | null;
  after: string | number | null;
  /** e.g. `cutter_governance.review_decision 3 → 4 (after G2)`. */
  text: string;
}

// More candidate xids than this and the scan compares xid ages instead of looking each one up.
const MAX_CANDIDATES = 100_000;
const XID_SPACE = 1n << 32n;
const HALF_XID_SPACE = 1n << 31n;

/** Opens a connection pool meant only for fingerprints: one connection, read-only by default, named in pg_stat_activity. */
export function openObserver(
  url: string,
  opts: { applicationName?: string; connectTimeoutS?: number; statementTimeoutMs?: number } = {},
): Sql {
  return postgresJs()(url, {
    max: 1,
    connect_timeout: opts.connectTimeoutS ?? 5,
    idle_timeout: 60,
    onnotice: () => undefined,
    prepare: false,
    connection: {
      application_name: (opts.applicationName ?? 'gaterun-observer').slice(0, 63),
      default_transaction_read_only: true,
      statement_timeout: opts.statementTimeoutMs ?? 120_000,
    },
  });
}

/** A text literal for generated SQL. */
function literal(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

/** Parses `xmin:xmax:xip,...` (txid_current_snapshot / pg_current_snapshot text). */
export function parseSnapshot(text: string): Snapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!m) throw new Error(`not a snapshot: ${text}`);
  return { xmin: BigInt(m[1]), xmax: BigInt(m[2]), xip: m[3] ? m[3].split(',').map((x) => BigInt(x)) : [] };
}

/** The full (epoch-qualified) xids committed or aborted between two snapshots; null when more than `max`. */
export function candidateXids64(prev: Snapshot, now: Snapshot, max = MAX_CANDIDATES): bigint[] | null {
  const inProgressNow = new Set(now.xip.map(String));
  const out = new Set<bigint>();
  const push = (x: bigint) => {
    if (x >= now.xmax || inProgressNow.has(String(x))) return;
    if (x % XID_SPACE >= 3n) out.add(x); // 32-bit 0-2 are invalid/bootstrap/frozen, never a writer's xid
  };
  for (const x of prev.xip) push(x);
  if (now.xmax > prev.xmax && now.xmax - prev.xmax > BigInt(max)) return null;
  for (let x = prev.xmax; x < now.xmax; x++) push(x);
  return out.size > max ? null : [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The 32-bit xids (as stored in a row's xmin) whose rows are visible now but were not visible to `prev`.
 * Null when there are more than `max` (the caller falls back to comparing ages) — never a partial list.
 */
export function candidateXids(prev: Snapshot, now: Snapshot, max = MAX_CANDIDATES): number[] | null {
  const xids = candidateXids64(prev, now, max);
  return xids && [...new Set(xids.map((x) => Number(x % XID_SPACE)))].sort((a, b) => a - b);
}

// Which relations and schemas are watched; $1 watch, $2 ignore (text[]).
const WATCHED = `
  n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  and not (n.nspname = any($2::text[]))`;
const REL_WATCHED = `${WATCHED}
  and not ((n.nspname || '.' || c.relname) = any($2::text[]))
  and (cardinality($1::text[]) = 0 or n.nspname = any($1::text[]) or (n.nspname || '.' || c.relname) = any($1::text[]))`;
const NSP_WATCHED = `${WATCHED}
  and (cardinality($1::text[]) = 0 or n.nspname = any($1::text[])
       or exists (select 1 from unnest($1::text[]) w where w like n.nspname || '.%'))`;

// The catalog, one row per object: (kind, name, digest). Relation kinds map to words used in names.
const CATALOG_SQL = `
with rel as (
  select c.oid, c.relkind, c.relowner, c.relacl, n.nspname, c.relname,
         quote_ident(n.nspname) || '.' || quote_ident(c.relname) as q, n.nspname || '.' || c.relname as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and ${REL_WATCHED}
),
nsp as (select n.oid, n.nspname, n.nspowner, n.nspacl from pg_namespace n where ${NSP_WATCHED}),
fn as (
  select p.oid, p.proowner, p.proacl, p.prokind,
         n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')' as name
  from pg_proc p join nsp n on n.oid = p.pronamespace
),
acl as (
  select 'grant ' || a.privilege_type || ' on ' || r.name || ' to ' || coalesce(g.rolname, 'PUBLIC') as name, a.is_grantable
  from rel r, aclexplode(coalesce(r.relacl, acldefault(case when r.relkind = 'S' then 's' else 'r' end::"char", r.relowner))) a
  left join pg_roles g on g.oid = a.grantee
  union all
  select 'grant ' || a.privilege_type || ' (' || t.attname || ') on ' || r.name || ' to ' || coalesce(g.rolname, 'PUBLIC'), a.is_grantable
  from rel r join pg_attribute t on t.attrelid = r.oid and t.attnum > 0 and not t.attisdropped and t.attacl is not null,
       aclexplode(t.attacl) a left join pg_roles g on g.oid = a.grantee
  union all
  select 'grant ' || a.privilege_type || ' on ' || case when f.prokind = 'p' then 'procedure ' else 'function ' end || f.name
         || ' to ' || coalesce(g.rolname, 'PUBLIC'), a.is_grantable
  from fn f, aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a left join pg_roles g on g.oid = a.grantee
  union all
  select 'grant ' || a.privilege_type || ' on schema ' || s.nspname || ' to ' || coalesce(g.rolname, 'PUBLIC'), a.is_grantable
  from nsp s, aclexplode(coalesce(s.nspacl, acldefault('n', s.nspowner))) a left join pg_roles g on g.oid = a.grantee
  union all
  select 'grant ' || a.privilege_type || ' on database ' || d.datname || ' to ' || coalesce(g.rolname, 'PUBLIC'), a.is_grantable
  from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a left join pg_roles g on g.oid = a.grantee
  where d.datname = current_database()
)
select case r.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view' when 'm' then 'materialized view'
         when 'S' then 'sequence' else 'foreign table' end || ' ' || r.name as k,
       md5(row(c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
               pg_get_userbyid(c.relowner), c.relispartition, pg_get_expr(c.relpartbound, c.oid),
               case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end,
               (select row(s.seqtypid, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)::text
                from pg_sequence s where s.seqrelid = c.oid))::text) as d,
       r.relkind::text as rk, r.q as q, r.name as n
from rel r join pg_class c on c.oid = r.oid
union all
select 'column ' || r.name || '.' || a.attname,
       md5(row(format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity,
               a.attgenerated, a.attcollation, a.attnum)::text), null, null, null
from rel r join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where r.relkind <> 'S'
union all
select 'constraint ' || r.name || '.' || k.conname, md5(pg_get_constraintdef(k.oid) || k.convalidated::text), null, null, null
from rel r join pg_constraint k on k.conrelid = r.oid
union all
select 'index ' || r.nspname || '.' || i.relname, md5(pg_get_indexdef(x.indexrelid) || x.indisvalid::text), null, null, null
from rel r join pg_index x on x.indrelid = r.oid join pg_class i on i.oid = x.indexrelid
union all
select 'trigger ' || r.name || '.' || t.tgname, md5(pg_get_triggerdef(t.oid) || t.tgenabled::text), null, null, null
from rel r join pg_trigger t on t.tgrelid = r.oid and not t.tgisinternal
union all
select 'policy ' || r.name || '.' || p.polname,
       md5(row(p.polcmd, p.polpermissive, p.polroles::text, pg_get_expr(p.polqual, p.polrelid),
               pg_get_expr(p.polwithcheck, p.polrelid))::text), null, null, null
from rel r join pg_policy p on p.polrelid = r.oid
union all
select case when f.prokind = 'p' then 'procedure ' else 'function ' end || f.name,
       md5(row(p.prokind, p.prorettype::regtype::text, l.lanname, p.prosrc, p.probin, p.prosecdef, p.provolatile,
               p.proisstrict, p.proretset, p.proleakproof, p.proparallel, p.proconfig, pg_get_userbyid(p.proowner),
               pg_get_function_arguments(p.oid))::text),
       null, null, null
from fn f join pg_proc p on p.oid = f.oid join pg_language l on l.oid = p.prolang
union all
select 'schema ' || s.nspname, md5(pg_get_userbyid(s.nspowner)), null, null, null from nsp s
union all
select 'extension ' || e.extname, md5(e.extversion || ' ' || e.extnamespace::regnamespace::text), null, null, null from pg_extension e
union all
select 'role ' || r.rolname,
       md5(row(r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls,
               r.rolconnlimit, r.rolvaliduntil, r.rolconfig)::text), null, null, null
from pg_roles r where r.rolname !~ '^pg_'
union all
select 'membership ' || m.member::regrole::text || ' in ' || m.roleid::regrole::text,
       md5((to_jsonb(m) - 'oid' - 'grantor' - 'roleid' - 'member')::text), null, null, null
from pg_auth_members m
union all
select name, case when is_grantable then 'with grant option' else 'plain' end, null, null, null from acl`;

/** sha256 over the sorted catalog entries of every non-system schema, read in the caller's transaction (resume's input digest). */
export async function catalogDigestOf(tx: { unsafe: (q: string, p: never[]) => Promise<unknown[]> }): Promise<string> {
  const rows = (await tx.unsafe(CATALOG_SQL, [[], []] as never[])) as { k: string; d: string }[];
  const sorted = rows.map((r) => `${r.k}\t${r.d}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(sorted.join('\n')).digest('hex');
}

interface CatalogRow {
  k: string;
  d: string;
  rk: string | null;
  q: string | null;
  n: string | null;
}

interface CountRow {
  t: 'r' | 's' | 'c';
  n: string;
  c: string | null;
  w: string | null;
  d: string | null;
  b: boolean | null;
}

/** Takes a fingerprint of the database behind `sql` (use a connection the gates do not use: see openObserver). */
export async function takeFingerprint(sql: Sql, opts: FingerprintOptions = {}): Promise<Fingerprint> {
  const started = performance.now();
  const watch = [...new Set(opts.watch ?? [])];
  const ignore = [...new Set(opts.ignore ?? [])];
  const contentNames = [...new Set(opts.content ?? [])];
  const previous = opts.previous ?? null;
  const notes: string[] = [];
  try {
    return await sql.begin('isolation level repeatable read read only', async (tx) => {
      // The first statement fixes the transaction's snapshot, so the snapshot we record is the one we scan with.
      const [head] = await tx<{ snap: string; v: number; db: string; u: string }[]>`
        select txid_current_snapshot()::text as snap, current_setting('server_version_num')::int as v,
               current_database() as db, current_user as u, set_config('row_security', 'off', true) as rls`;
      const catalogRows = await tx.unsafe<CatalogRow[]>(CATALOG_SQL, [watch, ignore] as never[]);

      const catalog: Record<string, string> = {};
      const relations: { kind: string; q: string; name: string }[] = [];
      for (const r of catalogRows) {
        catalog[r.k] = r.d;
        if (r.rk && r.q && r.n) relations.push({ kind: r.rk, q: r.q, name: r.n });
      }
      const relNames = new Set(relations.map((r) => r.name));
      const unknownWatch = watch.filter((w) => !relNames.has(w) && !relations.some((r) => r.name.startsWith(w + '.')));
      if (unknownWatch.length) throw errors.observer(`watch: ${unknownWatch.join(', ')} matches no table or schema`);
      const missingContent = contentNames.filter((c) => !relations.some((r) => r.name === c && (r.kind === 'r' || r.kind === 'm')));
      if (missingContent.length) throw errors.observer(`content: ${missingContent.join(', ')} is not a watched table`);

      // Which visible rows count as written since the previous fingerprint.
      let writtenFilter: string | null = null;
      const params: unknown[] = [];
      if (previous) {
        const prev = parseSnapshot(previous.snapshot);
        const now = parseSnapshot(head.snap);
        if (now.xmax < prev.xmax) {
          notes.push(`written counts not taken: the previous snapshot (${previous.snapshot}) is newer than this one`);
        } else if (now.xmax - prev.xmax >= HALF_XID_SPACE) {
          notes.push('written counts not taken: 2^31 or more transactions since the previous fingerprint (xid wraparound horizon)');
        } else {
          let xids = candidateXids64(prev, now);
          // Only committed transactions leave visible rows: dropping the rolled-back ones (every rollback-only
          // proof) keeps the per-row check away when nothing was committed (PostgreSQL 13+: pg_xact_status).
          if (xids && xids.length && head.v >= 130000) {
            const committed = await tx.unsafe<{ x: string }[]>(
              `select x::text as x from unnest($1::text[]::xid8[]) x where pg_xact_status(x) is distinct from 'aborted'`,
              [xids.map(String)] as never[],
            );
            xids = committed.map((r) => BigInt(r.x));
          }
          if (xids && xids.length === 0) {
            writtenFilter = 'false';
          } else if (xids) {
            params.push(`{${[...new Set(xids.map((x) => Number(x % XID_SPACE)))].join(',')}}`);
            writtenFilter = 'xmin = any($1::xid[])';
          } else {
            // Too many to list: compare ages (modulo 2^32, valid within the horizon checked above).
            const xip = prev.xip.map((x) => Number(x % XID_SPACE)).filter((x) => x >= 3);
            writtenFilter = `age(xmin) <= age('${Number(prev.xmax % XID_SPACE)}'::xid)${xip.length ? ` or xmin = any('{${xip.join(',')}}'::xid[])` : ''}`;
          }
        }
      }

      // Every branch names its columns: a UNION takes its column names from whichever branch comes first.
      const parts: string[] = [];
      for (const r of relations) {
        if (r.kind === 'r' || r.kind === 'm') {
          const w = writtenFilter ? `count(*) filter (where ${writtenFilter})` : 'null::int8';
          parts.push(
            `select 'r' as t, ${literal(r.name)} as n, count(*) as c, ${w} as w, null::text as d, null::bool as b from only ${r.q}`,
          );
        } else if (r.kind === 'S') {
          parts.push(
            `select 's' as t, ${literal(r.name)} as n, null::int8 as c, null::int8 as w, last_value::text as d, is_called as b from ${r.q}`,
          );
        }
      }
      for (const name of contentNames) {
        const r = relations.find((x) => x.name === name)!;
        parts.push(
          `select 'c' as t, ${literal(name)} as n, count(*) as c, null::int8 as w, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as d, null::bool as b from only ${r.q} x`,
        );
      }
      const counted = parts.length ? await tx.unsafe<CountRow[]>(parts.join('\nunion all\n'), params as never[]) : [];

      const tables: Record<string, TableState> = {};
      const sequences: Record<string, SequenceState> = {};
      const content: Record<string, { rows: number; digest: string }> = {};
      for (const row of counted) {
        if (row.t === 'r') tables[row.n] = { rows: Number(row.c), written: row.w === null ? null : Number(row.w) };
        else if (row.t === 's') sequences[row.n] = { last_value: String(row.d), is_called: row.b === true };
        else content[row.n] = { rows: Number(row.c), digest: String(row.d) };
      }
      const sortedCatalog = Object.fromEntries(Object.entries(catalog).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return {
        version: 1 as const,
        takenAt: new Date().toISOString(),
        snapshot: head.snap,
        since: writtenFilter ? previous!.snapshot : null,
        server: { version: head.v, database: head.db, user: head.u },
        watch,
        ignore,
        tables: sortKeys(tables),
        sequences: sortKeys(sequences),
        catalog: sortedCatalog,
        catalogDigest: createHash('sha256').update(JSON.stringify(sortedCatalog)).digest('hex'),
        content: sortKeys(content),
        notes,
        durationMs: Math.round(performance.now() - started),
      };
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'EOBSERVER') throw e;
    const pg = e as { code?: string; message?: string };
    // Privilege problems are the target's configuration, not a gaterun bug: say which grant is missing.
    if (pg.code === '42501') throw errors.observer(pg.message ?? String(e));
    throw e;
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const ARROW = '→';

/** The named changes from `before` to `after` (taken after gate `gateId`), catalog first, then rows, written, sequences, content. */
export function diffFingerprints(before: Fingerprint, after: Fingerprint, gateId: string): FingerprintChange[] {
  const out: FingerprintChange[] = [];
  const tail = ` (after ${gateId})`;

  const keys = [...new Set([...Object.keys(before.catalog), ...Object.keys(after.catalog)])].sort();
  for (const k of keys) {
    const a = before.catalog[k];
    const b = after.catalog[k];
    if (a === b) continue;
    const what = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    out.push({ kind: 'catalog', object: k, before: a ?? null, after: b ?? null, text: `${k} ${what}${tail}` });
  }

  for (const t of Object.keys(after.tables).sort()) {
    const a = before.tables[t];
    const b = after.tables[t];
    if (!a) continue; // a new table is named by the catalog change
    if (a.rows !== b.rows)
      out.push({ kind: 'rows', object: t, before: a.rows, after: b.rows, text: `${t} ${a.rows} ${ARROW} ${b.rows}${tail}` });
  }
  if (after.since !== null && after.since === before.snapshot) {
    for (const t of Object.keys(after.tables).sort()) {
      const w = after.tables[t].written;
      if (!before.tables[t] || w === null || w === 0) continue;
      out.push({
        kind: 'written',
        object: t,
        before: before.tables[t].rows,
        after: after.tables[t].rows,
        text: `${t} ${w} visible row(s) written (inserted or updated), count ${before.tables[t].rows} ${ARROW} ${after.tables[t].rows}${tail}`,
      });
    }
  }

  const seqs = [...new Set([...Object.keys(before.sequences), ...Object.keys(after.sequences)])].sort();
  for (const s of seqs) {
    const a = before.sequences[s];
    const b = after.sequences[s];
    if (!a || !b) continue; // added/removed sequences are catalog changes
    if (a.last_value === b.last_value && a.is_called === b.is_called) continue;
    out.push({
      kind: 'sequence',
      object: s,
      before: seqText(a),
      after: seqText(b),
      text: `sequence ${s} ${seqText(a)} ${ARROW} ${seqText(b)}${tail}`,
    });
  }

  const contents = [...new Set([...Object.keys(before.content), ...Object.keys(after.content)])].sort();
  for (const c of contents) {
    const a = before.content[c];
    const b = after.content[c];
    if (!a || !b || a.digest === b.digest) continue;
    out.push({
      kind: 'content',
      object: c,
      before: a.digest,
      after: b.digest,
      text: `content of ${c} changed (${a.rows} ${ARROW} ${b.rows} rows, md5 ${a.digest.slice(0, 8)} ${ARROW} ${b.digest.slice(0, 8)})${tail}`,
    });
  }
  return out;
}

/** Sequence state as report text: `1000`, or `1 (not called)` before the first nextval. */
export function seqText(s: SequenceState): string {
  return s.is_called ? s.last_value : `${s.last_value} (not called)`;
}

/** Every readable sequence's state (last_value, is_called) in the watched schemas, and the names this login cannot read. */
export async function readSequences(
  sql: Pick<Sql, 'unsafe'> | Pick<postgres.TransactionSql<Record<string, never>>, 'unsafe'>,
  opts: Pick<FingerprintOptions, 'watch' | 'ignore'> = {},
): Promise<{ states: Record<string, SequenceState>; unreadable: string[] }> {
  const rows = await sql.unsafe<{ q: string; name: string; readable: boolean }[]>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as q, n.nspname || '.' || c.relname as name,
            has_sequence_privilege(c.oid, 'SELECT') and has_schema_privilege(n.oid, 'USAGE') as readable
     from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'S' and ${REL_WATCHED}
     order by 2`,
    [opts.watch ?? [], opts.ignore ?? []] as never[],
  );
  const readable = rows.filter((r) => r.readable);
  const unreadable = rows.filter((r) => !r.readable).map((r) => r.name);
  if (!readable.length) return { states: {}, unreadable };
  const states = await sql.unsafe<{ n: string; v: string; b: boolean }[]>(
    readable.map((r) => `select ${literal(r.name)} as n, last_value::text as v, is_called as b from ${r.q}`).join('\nunion all\n'),
  );
  return { states: Object.fromEntries(states.map((x) => [x.n, { last_value: x.v, is_called: x.b }])), unreadable };
}

/** What one observation step produced: the fingerprint and the changes since the previous one, attributed to a gate. */
export interface Observation {
  /** 'before' for the first fingerprint, else the gate id the changes followed (e.g. 'G2', 'after'). */
  label: string;
  fingerprint: Fingerprint;
  changes: FingerprintChange[];
}

/** A run's observer of one database: its own connection, each fingerprint diffed against the previous one. */
export interface DbObserver {
  /** Takes the next fingerprint; changes are named "(after <label>)". The first call has no changes. */
  observe(label: string): Promise<Observation>;
  /** Every observation so far, in order (plain JSON for run.json). */
  readonly observations: Observation[];
  /** Every change so far, in order. */
  changes(): FingerprintChange[];
  close(): Promise<void>;
}

/** Opens an observer on `url` (the target's `observer` URL when given, else the database URL; never the gates' pool). */
export function createDbObserver(url: string, opts: Omit<FingerprintOptions, 'previous'> & { applicationName?: string } = {}): DbObserver {
  const sql = openObserver(url, { applicationName: opts.applicationName });
  const observations: Observation[] = [];
  return {
    observations,
    async observe(label) {
      const previous = observations.at(-1)?.fingerprint ?? null;
      const fingerprint = await takeFingerprint(sql, { watch: opts.watch, ignore: opts.ignore, content: opts.content, previous });
      const o = { label, fingerprint, changes: previous ? diffFingerprints(previous, fingerprint, label) : [] };
      observations.push(o);
      return o;
    },
    changes: () => observations.flatMap((o) => o.changes),
    close: () => sql.end({ timeout: 5 }),
  };
}
