// PostgreSQL benchmarks: embedded cold start beside initdb + pg_ctl start by hand (goal ≤ 1.3x, and ≤ 2 s),
// and a 9-proof rollback-only run through the rollback-proof gate beside the same SQL through `psql -f` (goal ≤ 1.5x).
import { textOf } from '../src/text.js';
import { execa } from 'execa';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import rollbackProof, { type RollbackProofParams } from '../gates/rollback-proof.js';
import { createContext } from '../src/context/create-context.js';
import { createDbAccess } from '../src/db/db-access.js';
import { Ledger } from '../src/context/ledger.js';
import { startEmbeddedPostgres } from '../src/pg/embedded-server.js';
import { applySampleSchema } from '../src/pg/sample-schema.js';
import { isMain, median, timeIt, type BenchRow } from './lib.js';

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

/** Cold start (initdb + start until ready) of ours and by hand, alternated; stop time excluded from both. */
export async function benchPgColdStart(runs = 5): Promise<BenchRow[]> {
  const first = await startEmbeddedPostgres();
  const binDir = first.binDir;
  await first.stop();
  const asRoot = userInfo().uid === 0;
  const byHand = async (): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-pg-'));
    const data = join(dir, 'data');
    if (asRoot) chownSync(dir, 65534, 65534);
    const as = (file: string, args: string[]) => (asRoot ? execa('runuser', ['-u', 'nobody', '--', file, ...args]) : execa(file, args));
    const port = await freePort();
    try {
      const t = await timeIt(async () => {
        await as(join(binDir, 'initdb'), ['-D', data, '--no-sync', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '-U', 'postgres']);
        await as(join(binDir, 'pg_ctl'), [
          '-D',
          data,
          '-w',
          '-l',
          join(dir, 'log'),
          '-o',
          `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`,
          'start',
        ]);
      });
      await as(join(binDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      return t;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const ours = async (): Promise<number> => {
    const t0 = performance.now();
    const s = await startEmbeddedPostgres();
    const t = performance.now() - t0;
    await s.stop();
    return t;
  };
  await ours();
  await byHand();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await ours());
    b.push(await byHand());
  }
  const r = { ours: median(a), baseline: median(b) };
  console.log(`pg cold start: embedded ${r.ours.toFixed(0)} ms | initdb + pg_ctl start ${r.baseline.toFixed(0)} ms`);
  return [
    {
      name: 'embedded PostgreSQL cold start (initdb + start until ready)',
      baseline: 'initdb + `pg_ctl start -w` by hand, same binaries and options',
      ours: `${r.ours.toFixed(0)} ms`,
      oursMs: r.ours,
      baselineMs: r.baseline,
      result: `${(r.ours / r.baseline).toFixed(2)}x`,
      goal: '≤ 1.3x (and ≤ 2 s)',
      met: r.ours / r.baseline <= 1.3 && r.ours <= 2000,
      command: 'node dist/bench/pg.js',
      note: 'ours also makes a random superuser password (scram for TCP), a watcher process and an owner file against orphans',
    },
  ];
}

const PROBE = 'ICX-CONST/O8C-RB-PROBE';
const TABLES = ['public.information_unit', 'public.unit_version', 'public.iu_lifecycle_log'];
const fn = (n: number, title: string | null) => ({
  sql: 'select public.fn_iu_create($1, $2, $3, $4, $5, $6) as status',
  params: [`${PROBE}-${n}`, title, 'Probe body', 'article', 'clause', 'owner/probe'],
});

/** Nine proofs on the iu-cutter sample, as cutter_exec. */
function proofs(): RollbackProofParams {
  return {
    database: 'main',
    role: 'cutter_exec',
    tables: TABLES,
    probes: [{ name: 'probe rows', sql: `select count(*) from public.information_unit where canonical_address like '${PROBE}%'` }],
    accept: { sequences: ['public.information_unit_id_seq', 'public.unit_version_id_seq', 'public.iu_lifecycle_log_id_seq'] },
    proofs: [
      { name: 'create 1', ...fn(1, 'Probe 1'), expect: { first: { status: 'created' }, counts: { 'public.information_unit': '+1' } } },
      { name: 'create 2', ...fn(2, 'Probe 2'), expect: { first: { status: 'created' }, counts: { 'public.information_unit': '+2' } } },
      { name: 'refuse a bare row', ...fn(3, null), expect: { first: { status: 'refused: missing title' } } },
      {
        name: 'probe rows visible',
        sql: `select count(*)::int as n from public.information_unit where canonical_address like '${PROBE}%'`,
        expect: { first: { n: 2 } },
      },
      { name: 'versions', sql: 'select count(*)::int as n from public.unit_version', expect: { rows: 1 } },
      { name: 'lifecycle', sql: 'select count(*)::int as n from public.iu_lifecycle_log', expect: { rows: 1 } },
      {
        name: 'grant',
        sql: "select has_function_privilege('cutter_exec', 'public.fn_iu_create(text,text,text,text,text,text)', 'EXECUTE') as ok",
        expect: { first: { ok: true } },
      },
      { name: 'verify results', sql: 'select count(*)::int as n from cutter_governance.verify_result', expect: { rows: 1 } },
      { name: 'role', sql: 'select current_user as u', expect: { first: { u: 'cutter_exec' } } },
    ],
  };
}

/** The same SQL as one psql script: counts before, BEGIN, SET LOCAL ROLE, the proofs with in-txn counts, ROLLBACK, counts after. */
function psqlScript(p: RollbackProofParams): string {
  const counts = TABLES.map((t) => `select count(*) from ${t};`).join('\n') + `\n${p.probes![0].sql};`;
  const lit = (v: unknown) => (v === null ? 'null' : `'${textOf(v).replace(/'/g, "''")}'`);
  const body = p.proofs
    .map((x) => {
      const sql = (x.params ?? []).reduce<string>((s, v, i) => s.replace(`$${i + 1}`, lit(v)), x.sql);
      return `${sql};\n${x.expect?.counts ? TABLES.map((t) => `select count(*) from ${t};`).join('\n') : ''}`;
    })
    .join('\n');
  return `${counts}\nbegin;\nset local role cutter_exec;\n${body}\nrollback;\n${counts}\n`;
}

/** Runs the proofs through the gate (fresh connections each run) and through psql -f, alternated. */
export async function benchRollbackProof(runs = 7): Promise<BenchRow[]> {
  const psql = ['/usr/bin/psql', '/usr/local/bin/psql'].find(existsSync);
  if (!psql) {
    return [
      {
        name: '9-proof rollback-only run, server start excluded',
        baseline: 'the same SQL through `psql -f`',
        ours: 'not run',
        oursMs: null,
        baselineMs: null,
        result: 'n/a',
        goal: '≤ 1.5x',
        met: null,
        command: 'node dist/bench/pg.js',
        note: 'psql not found: apt-get install -y postgresql-client',
      },
    ];
  }
  const server = await startEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-rp-'));
  try {
    await applySampleSchema(server.url);
    const params = proofs();
    const script = join(dir, 'proofs.sql');
    writeFileSync(script, psqlScript(params));
    process.env.GATERUN_BENCH_DB_URL = server.url;
    const ours = async () => {
      const ledger = new Ledger('none');
      const access = createDbAccess({ databases: { main: { url_env: 'GATERUN_BENCH_DB_URL' } }, baseDir: dir, runId: 'bench', ledger });
      const signal = new AbortController().signal;
      const ctx = createContext({
        gateId: 'G4',
        host: 'local',
        ledger,
        signal,
        facts: {},
        redact: (s) => s,
        log: { info: () => undefined, warn: () => undefined },
        target: {
          name: 'bench',
          file: null,
          hosts: { local: 'local' },
          hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
          paths: {},
        },
        run: { id: 'bench', macroId: 'BENCH', dir },
        db: (n) => access.db(n, { gateId: 'G4', signal }),
      });
      try {
        const r = await rollbackProof.run(ctx, params);
        if (r.status !== 'PASS') throw new Error(`proofs did not pass: ${r.summary}`);
      } finally {
        await access.closeAll();
      }
    };
    const baseline = async () => {
      await execa(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', server.url, '-f', script], { stdout: 'ignore' });
    };
    await ours();
    await baseline();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      a.push(await timeIt(ours));
      b.push(await timeIt(baseline));
    }
    const r = { ours: median(a), baseline: median(b) };
    console.log(`9-proof run: gate ${r.ours.toFixed(1)} ms | psql -f ${r.baseline.toFixed(1)} ms`);
    return [
      {
        name: '9-proof rollback-only run, server start excluded',
        baseline: 'the same SQL through `psql -f` (one process, one connection)',
        ours: `${r.ours.toFixed(1)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${(r.ours / r.baseline).toFixed(2)}x`,
        goal: '≤ 1.5x',
        met: r.ours / r.baseline <= 1.5,
        command: 'node dist/bench/pg.js',
        note: 'ours: in process, fresh pools each run (connect included), counts on a second connection, a savepoint per proof',
      },
    ];
  } finally {
    delete process.env.GATERUN_BENCH_DB_URL;
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table([...(await benchPgColdStart()), ...(await benchRollbackProof())]);
