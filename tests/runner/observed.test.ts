// Observed, not declared: programs under test that change the database or protected files behind gaterun's back are
// caught by the observers (real PostgreSQL, real psql, real child processes), and the run cannot end A.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { gaterun } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  await sql.unsafe(`
    create table public.item (id serial primary key, name text not null);
    insert into public.item (name) values ('a'), ('b'), ('c');
    create table public.audit (id serial primary key, what text);
    create role observed_reader nologin;
  `);
  await sql.end();
});
afterAll(async () => {
  await db.drop();
  cleanupTemp();
});

const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));

/** A 1-gate macro whose command is the program under test; mutation: none, so nothing may change. */
async function runCommand(command: string, opts: { protect?: string; env?: Record<string, string> } = {}) {
  const dir = tempDir();
  const target = `name: observed-target\ndatabases:\n  main: { url_env: OBSERVED_DB_URL }\n${opts.protect ? `protect:\n  local: [${opts.protect}]\n` : ''}`;
  writeFiles(dir, {
    't.yaml': target,
    'm.yaml': `id: OB\nmacro: observed-test\ntitle: observed test\noutcome: OB_OK\nmutation: none\ngates:\n  - id: G0\n    title: program-under-test\n    kind: command\n    with: { command: ${JSON.stringify(command)} }\n  - id: G1\n    title: after\n    kind: command\n    with: { command: "true" }\nforbidden:\n  - name: Persistent production mutation\n    observed: { source: database }\n`,
  });
  const out = join(dir, 'run');
  const r = await gaterun(['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', out, '--renderer', 'silent'], {
    env: { OBSERVED_DB_URL: db.url, ...opts.env },
  });
  return { r, run: runJson(out), final: readFileSync(join(out, runJson(out).files.final), 'utf8') };
}

const psql = (sqlText: string) => `psql "$OBSERVED_DB_URL" -v ON_ERROR_STOP=1 -qc ${JSON.stringify(sqlText)}`;

describe('database changes a program makes over its own connection', () => {
  test('a committed INSERT is named with the gate it followed; the run ends C, production_mutation YES', async () => {
    const { r, run, final } = await runCommand(psql("insert into public.item (name) values ('sneaky')"));
    expect(r.exitCode).toBe(1);
    expect(run.outcome.text).toBe('C — FAIL at G0');
    expect(run.outcome.reason).toMatch(/unexplained change: public\.item 3 → 4 \(after G0\)/);
    expect(run.final_outcome.production_mutation).toMatch(/^YES — .*public\.item 3 → 4 \(after G0\)/);
    expect(final).toMatch(/observed, unexplained: main: public\.item 3 → 4 \(after G0\)/);
    expect(final).toMatch(/\| Persistent production mutation \| DONE — observed: main: public\.item 3 → 4 \(after G0\)/);
  });

  test('an UPDATE that leaves the count equal still shows as written rows', async () => {
    const { run } = await runCommand(psql("update public.item set name = name || '!' where id = 1"));
    expect(run.outcome.code).toBe('C');
    expect(run.final_outcome.production_mutation).toMatch(/public\.item/);
  });

  test('setval, DDL and a GRANT through a command are each named', async () => {
    const seq = await runCommand(psql("select setval('public.item_id_seq', 5000)"));
    expect(seq.run.final_outcome.production_mutation).toMatch(/sequence public\.item_id_seq \S+ → 5000 \(after G0\)/);
    const ddl = await runCommand(psql('alter table public.audit add column note text'));
    expect(ddl.run.outcome.code).toBe('C');
    expect(ddl.run.final_outcome.production_mutation).toMatch(/column public\.audit\.note added/);
    const grant = await runCommand(psql('grant select on public.item to observed_reader'));
    expect(grant.run.outcome.code).toBe('C');
    expect(grant.run.final_outcome.production_mutation).toMatch(/grant SELECT on public\.item to observed_reader added/);
  });

  test('a read-only program leaves the run A with production_mutation NONE, observed', async () => {
    const { r, run, final } = await runCommand(psql('select count(*) from public.item'));
    expect(r.exitCode).toBe(0);
    expect(run.final_outcome.production_mutation).toBe('NONE');
    expect(final).toMatch(
      /production_mutation: NONE — main \(\S+\): observed by fingerprint on an independent connection, \d+ fingerprints of 2 tables/,
    );
  });
});

describe('files', () => {
  test('a write outside the run dir in a mutation: none macro is refused by the sandbox; the report says enforced', async () => {
    const outside = join(tempDir(), 'outside-marker');
    const { r, run, final } = await runCommand(`touch ${outside}`);
    expect(r.exitCode).toBe(1);
    expect(existsSync(outside)).toBe(false);
    expect(run.gates[0].evidence[0].stderrTail).toMatch(/Read-only file system/);
    expect(final).toMatch(/changes_outside_run_dir \(local\): enforced \(sandbox, \d+ commands?\)/);
  });

  test('with the sandbox off, a change to a protected path is observed, named by file, and fails the run', async () => {
    const tree = tempDir();
    mkdirSync(join(tree, 'app'));
    writeFileSync(join(tree, 'app', 'config.ini'), 'mode=safe\n');
    const { r, run, final } = await runCommand(`echo mode=unsafe > ${join(tree, 'app', 'config.ini')}`, {
      protect: tree,
      env: { GATERUN_SANDBOX: 'off' },
    });
    expect(r.exitCode).toBe(1);
    expect(run.outcome.text).toBe('C — FAIL at G0');
    expect(run.final_outcome.production_mutation).toContain(`${join(tree, 'app', 'config.ini')} modified`);
    expect(final).toMatch(/changes_outside_run_dir \(local\): declared only .*observed \(1 protected path\)|observed \(1 protected path\)/);
  });
});
