// Database fingerprint benchmarks: a 20-table / 50k-row database against psql running the same queries
// (goal ≤ 1.5x), and one 5M-row table against psql `select count(*)` (goal ≤ 1.2x; slow to build, so only
// with GATERUN_BENCH_SLOW=1 or `node dist/bench/fingerprint.js --slow`).
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openObserver, takeFingerprint, type Fingerprint, type FingerprintOptions } from '../src/observe/db-fingerprint.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/pg/embedded-server.js';
import { isMain, median, timeIt, type BenchRow } from './lib.js';

const psqlBin = () => ['/usr/bin/psql', '/usr/local/bin/psql'].find(existsSync);

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = '/' + db;
  return u.toString();
}

// A parameter as an SQL literal, for the psql copy of a query (text[] and xid[] arrays, strings).
function literal(v: unknown): string {
  if (Array.isArray(v)) return `'{${v.map((x) => `"${String(x).replace(/"/g, '\\"')}"`).join(',')}}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** The statements one takeFingerprint call sends, with parameters inlined, as one psql script (same transaction shape). */
async function capturedScript(url: string, opts: FingerprintOptions): Promise<string> {
  const statements: string[] = [];
  const sql = postgres(url, {
    max: 1,
    onnotice: () => undefined,
    prepare: false,
    debug: (_conn, query, params) => {
      statements.push(query.replace(/\$(\d+)/g, (_m, n: string) => literal(params[Number(n) - 1])));
    },
  });
  try {
    await takeFingerprint(sql, opts);
  } finally {
    await sql.end();
  }
  return statements.map((s) => s.trim().replace(/;?$/, ';')).join('\n') + '\n';
}

/** Ours (fresh observer connection each run, connect included) and psql -f of the same statements, alternated. */
async function compare(url: string, opts: FingerprintOptions, baselineArgs: string[], runs: number) {
  const psql = psqlBin()!;
  const ours = async () => {
    const sql = openObserver(url);
    try {
      await takeFingerprint(sql, opts);
    } finally {
      await sql.end();
    }
  };
  const baseline = async () => {
    // No GSSAPI/SSL negotiation: postgres.js does not try them either, so psql is not handicapped by a probe.
    await execa(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...baselineArgs], {
      stdout: 'ignore',
      env: { PGGSSENCMODE: 'disable', PGSSLMODE: 'disable' },
    });
  };
  await ours();
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timeIt(ours));
    b.push(await timeIt(baseline));
  }
  return { ours: median(a), baseline: median(b) };
}

function notRun(name: string, goal: string, note: string): BenchRow {
  return {
    name,
    baseline: '—',
    ours: 'not run',
    oursMs: null,
    baselineMs: null,
    result: 'n/a',
    goal,
    met: null,
    command: 'node dist/bench/fingerprint.js',
    note,
  };
}

/** 20 tables, 50k rows in all, plus their sequences: fingerprint (after a write, so written counts are taken) vs psql -f of the same SQL. */
export async function benchFingerprintSmall(runs = 9): Promise<BenchRow[]> {
  const name = 'database fingerprint, 20 tables / 50k rows (counts + written + sequences + catalog)';
  if (!psqlBin()) return [notRun(name, '≤ 1.5x', 'psql not found: apt-get install -y postgresql-client')];
  const server = await startEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-fp-'));
  try {
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    await admin.unsafe('create database fp_small');
    await admin.end();
    const url = withDb(server.url, 'fp_small');
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    for (let i = 1; i <= 20; i++) {
      await sql.unsafe(`create table public.t${i} (id bigserial primary key, a int not null, b text, c timestamptz default now())`);
      await sql.unsafe(`insert into public.t${i} (a, b) select g, 'row ' || g from generate_series(1, 2500) g`);
    }
    await sql.unsafe('vacuum analyze');
    const previous: Fingerprint = await takeFingerprint(sql);
    await sql.unsafe('update public.t7 set a = a + 1 where id <= 10');
    await sql.end();
    const opts = { previous };
    const script = join(dir, 'fingerprint.sql');
    writeFileSync(script, await capturedScript(url, opts));
    const r = await compare(url, opts, ['-f', script], runs);
    console.log(`fingerprint 20 tables/50k rows: ours ${r.ours.toFixed(1)} ms | psql -f ${r.baseline.toFixed(1)} ms`);
    return [
      {
        name,
        baseline: 'psql -f with the same statements (BEGIN REPEATABLE READ READ ONLY, snapshot, catalog, counts, COMMIT)',
        ours: `${r.ours.toFixed(1)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${(r.ours / r.baseline).toFixed(2)}x`,
        goal: '≤ 1.5x',
        met: r.ours / r.baseline <= 1.5,
        command: 'node dist/bench/fingerprint.js',
        note: 'ours in process with a fresh connection each run (connect included); psql includes its process start',
      },
    ];
  } finally {
    await server.stop();
    if (!process.env.GATERUN_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/** One 5M-row table vs psql `select count(*)`: the first fingerprint, one after a gate that committed nothing, one after a committed write. */
export async function benchFingerprintLarge(runs = 5): Promise<BenchRow[]> {
  const names = [
    'database fingerprint, one 5M-row table, first of a run (counts only)',
    'database fingerprint, one 5M-row table, after a gate that committed nothing (a rolled-back UPDATE)',
    'database fingerprint, one 5M-row table, after a gate that committed an UPDATE (counts + written scan)',
  ];
  if (!psqlBin()) return names.map((n) => notRun(n, '≤ 1.2x', 'psql not found: apt-get install -y postgresql-client'));
  let server: EmbeddedPostgres | null = null;
  try {
    server = await startEmbeddedPostgres();
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    await admin.unsafe('create database fp_large');
    await admin.end();
    const url = withDb(server.url, 'fp_large');
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    const t0 = performance.now();
    await sql.unsafe('create table public.big (id bigint generated always as identity primary key, a int, b text)');
    await sql.unsafe("insert into public.big (a, b) select g, 'row ' || g from generate_series(1, 5000000) g");
    await sql.unsafe('vacuum analyze public.big');
    console.log(`5M-row table built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const start = await takeFingerprint(sql);
    await sql
      .begin(async (tx) => {
        await tx.unsafe('update public.big set a = a where id = 42');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const count = ['-c', 'select count(*) from public.big'];
    const results = [await compare(url, {}, count, runs), await compare(url, { previous: start }, count, runs)];
    const beforeWrite = await takeFingerprint(sql);
    await sql.unsafe('update public.big set a = a where id = 42');
    await sql.end();
    results.push(await compare(url, { previous: beforeWrite }, count, runs));
    console.log(`5M rows: ${results.map((r) => `${r.ours.toFixed(0)} vs ${r.baseline.toFixed(0)} ms`).join(' | ')}`);
    const notes = [
      'count(*) with a parallel seq scan, plus the catalog query',
      'the rolled-back transaction is pruned from the candidate xids (pg_xact_status), so no row is checked',
      'the written-since check reads xmin of every row (xmin = any(committed xids), still a parallel scan): that per-row read is the cost over a bare count(*)',
    ];
    return results.map((r, i) => ({
      name: names[i],
      baseline: 'psql -c "select count(*) from public.big"',
      ours: `${r.ours.toFixed(0)} ms`,
      oursMs: r.ours,
      baselineMs: r.baseline,
      result: `${(r.ours / r.baseline).toFixed(2)}x`,
      goal: '≤ 1.2x',
      met: r.ours / r.baseline <= 1.2,
      command: 'GATERUN_BENCH_SLOW=1 node dist/bench/fingerprint.js',
      note: notes[i],
    }));
  } finally {
    await server?.stop();
  }
}

/** Both, the large one only when asked for (it builds a 5M-row table: about a minute here). */
export async function benchFingerprint(): Promise<BenchRow[]> {
  const slow = process.env.GATERUN_BENCH_SLOW === '1' || process.argv.includes('--slow');
  return [...(await benchFingerprintSmall()), ...(slow ? await benchFingerprintLarge() : [])];
}

if (isMain(import.meta.url)) console.table(await benchFingerprint());
