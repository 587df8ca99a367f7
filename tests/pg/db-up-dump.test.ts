// `gaterun db up --schema` with a real pg_dump file (COPY … FROM stdin blocks, $$ bodies, sequences, FKs),
// a missing file, and an unsupported psql meta-command (issue 13, item 9).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { splitSqlScript } from '../../src/pg/sql-script.js';
import { cliEnv, cliPath, gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

/** A system bin dir with pg_dump and a server of the same version (scripts/ensure-pg-dump.sh installs one). */
function pgDumpBinDir(): string {
  const root = '/usr/lib/postgresql';
  for (const v of existsSync(root) ? readdirSync(root).sort().reverse() : []) {
    const dir = join(root, v, 'bin');
    if (['pg_dump', 'postgres', 'initdb'].every((b) => existsSync(join(dir, b)))) return dir;
  }
  throw new Error('no /usr/lib/postgresql/*/bin with pg_dump, postgres and initdb: run scripts/ensure-pg-dump.sh');
}

const SETUP = `
create schema shop;
create table shop.film (id serial primary key, title text not null, note text, price numeric(6,2));
create table shop.rental (id bigserial primary key, film_id int not null references shop.film(id), at timestamptz not null default now());
create function shop.film_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer) returns setof integer
  language plpgsql as $body$ begin
    -- a semicolon; the word COPY; and a line with \\. inside a body must not confuse the loader
    return query select count(*)::int from shop.rental where film_id = p_film_id;
  end $body$;
insert into shop.film (title, note, price)
  select 'film ' || g, case when g % 7 = 0 then null else E'tab\\there, newline\\nthere, backslash \\\\ and ünïcødé ' || g end, g / 3.0
  from generate_series(1, 500) g;
insert into shop.rental (film_id) select 1 + (g % 500) from generate_series(1, 1200) g;
`;

const CHECKSUM = `select (select count(*) from shop.film) as films, (select count(*) from shop.rental) as rentals,
  (select md5(string_agg(id || '|' || title || '|' || coalesce(note, '<null>') || '|' || price, ',' order by id)) from shop.film) as digest,
  (select last_value from shop.film_id_seq) as seq, (select count(*) from shop.film_in_stock(1, 1)) as fn_rows`;

let source: EmbeddedPostgres;
let dumpFile: string;
let expected: Record<string, unknown>;
beforeAll(async () => {
  const binDir = pgDumpBinDir();
  source = await startEmbeddedPostgres({ binDir });
  const sql = postgres(source.url, { max: 1, onnotice: () => undefined });
  await sql.unsafe(SETUP);
  [expected] = await sql.unsafe(CHECKSUM);
  await sql.end();
  dumpFile = join(tempDir(), 'shop.sql');
  const u = new URL(source.url);
  await execa(join(binDir, 'pg_dump'), ['-h', u.hostname, '-p', u.port, '-U', 'postgres', '-d', 'postgres', '-n', 'shop', '-f', dumpFile], {
    env: { PGPASSWORD: decodeURIComponent(u.password) },
  });
}, 120000);
afterAll(async () => {
  await source?.stop();
  cleanupTemp();
});

/** Starts `gaterun db up --schema …`, waits for its URL line, and returns it with a stop(). */
async function dbUp(files: string[]) {
  const child = execa('node', [cliPath, 'db', 'up', ...files.flatMap((f) => ['--schema', f])], { env: cliEnv, reject: false, all: true });
  const url = await new Promise<string | null>((resolve) => {
    let seen = '';
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /^(postgres:\/\/\S+)$/m.exec(seen);
      if (m) resolve(m[1]);
    });
    void child.then(() => resolve(null));
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGINT');
      return child;
    },
  };
}

describe('db up --schema with a pg_dump file', () => {
  test('the dump really uses COPY … FROM stdin blocks (the case psql -f is needed for)', () => {
    const text = readFileSync(dumpFile, 'utf8');
    expect(text).toMatch(/^COPY shop\.film \(id, title, note, price\) FROM stdin;$/m);
    const copies = splitSqlScript(text, dumpFile).filter((p) => p.kind === 'copy');
    expect(copies.map((c) => [c.text.split(' (')[0], c.kind === 'copy' ? c.rows : 0])).toEqual([
      ['COPY shop.film', 500],
      ['COPY shop.rental', 1200],
    ]);
  });

  test('loads into a fresh server: the same counts, values (tabs, newlines, backslashes, NULL, unicode), sequence and function', async () => {
    const up = await dbUp([dumpFile]);
    try {
      expect(up.url).not.toBeNull();
      const sql = postgres(up.url!, { max: 1, onnotice: () => undefined });
      const [got] = await sql.unsafe(CHECKSUM);
      await sql.end();
      expect(got).toEqual(expected);
    } finally {
      const r = await up.stop();
      expect(r.all).toMatch(/2 COPY blocks with 1700 rows/);
    }
  });

  test('a missing schema file: exit 2 naming the file, no stack, no server started', async () => {
    const r = await gaterun(['db', 'up', '--schema', '/nonexistent/schema.sql']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('ESCHEMAFILE: schema file /nonexistent/schema.sql: no such file');
    expect(r.all).not.toMatch(/crashed|\n\s+at /);
    expect(r.stdout).not.toMatch(/postgres:\/\//);
  });

  test('an unsupported psql meta-command and a failing statement stop with file:line, exit 2', async () => {
    const dir = tempDir();
    const meta = join(dir, 'meta.sql');
    writeFileSync(meta, 'create table a (x int);\n\n\\connect other\ncreate table b (x int);\n');
    const r1 = await gaterun(['db', 'up', '--schema', meta]);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain(`ESQLSCRIPT: ${meta}:3: psql meta-command \\connect is not supported`);
    const bad = join(dir, 'bad.sql');
    writeFileSync(bad, 'create table a (x int);\n-- a comment\ninsert into a values (1);\ninsert into nowhere values (2);\n');
    const up = await dbUp([bad]);
    const r2 = await up.child;
    expect(up.url).toBeNull();
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(
      new RegExp(`ESQLSCRIPT: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: statement failed: relation "nowhere" does not exist`),
    );
    expect(r2.all).not.toMatch(/crashed|\n\s+at /);
  });
});
