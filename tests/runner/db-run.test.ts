// Runs with a database through the built CLI: a rollback-only proof, the run lock, the password never shown.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cliPath, cliEnv, gaterun } from '../helpers/cli.js';
import { o8cProofs } from '../helpers/o8c-proofs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
});
afterAll(async () => {
  await db.drop();
  cleanupTemp();
});

function setup(gates: object[]) {
  const dir = tempDir();
  writeFiles(dir, {
    't.yaml': 'name: db-test-target\ndatabases:\n  main: { url_env: TEST_TARGET_DB_URL }\n',
    'm.yaml': stringify({ id: 'D1', macro: 'db-test', title: 'db test', outcome: 'D1_OK', gates }),
  });
  return {
    dir,
    args: (out: string) => ['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', join(dir, out), '--renderer', 'silent'],
  };
}

describe('runs with a database', () => {
  test('a rollback-only proof through the runner: A, counts unchanged, the ledger cites the rolled-back transaction, no password anywhere', async () => {
    const { dir, args } = setup([{ id: 'G0', title: 'rollback-proof', kind: 'rollback-proof', with: o8cProofs('main') }]);
    const r = await gaterun(args('run'), { env: { TEST_TARGET_DB_URL: db.url } });
    expect(r.exitCode).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
    expect(run.gates[0].facts).toMatchObject({ proofs_passed: 4, proofs_total: 4, leaked: 0, transaction: 'ROLLBACK' });
    // The proofs' nextval calls are not rolled back: observed and listed as accepted (the proofs accept them), never a bare NONE.
    expect(run.final_outcome.production_mutation).toMatch(
      /^NONE \(3 accepted by the macro: sequence public\.information_unit_id_seq 158 → 159 \(after G0\)/,
    );
    const final = readFileSync(join(dir, 'run', '02-final-d1-report.md'), 'utf8');
    expect(final).toMatch(/db_transactions \(declared, ledger\): 1 rollback-only transaction, rolled back \(#\d+\)/);
    const password = new URL(db.url).password;
    expect(password.length).toBeGreaterThan(3);
    for (const f of ['run.json', 'ledger.jsonl', '01-rollback-proof.md', '02-final-d1-report.md'])
      expect(readFileSync(join(dir, 'run', f), 'utf8')).not.toContain(password);
    expect(r.all).not.toContain(password);
    expect(readFileSync(join(dir, 'run', '01-rollback-proof.md'), 'utf8')).toMatch(/PROOF-1 PASS/);
  });

  test('two runs against the same target at once: the second ends B — BLOCKED naming the holder', async () => {
    const slow = {
      id: 'G0',
      title: 'hold',
      kind: 'rollback-proof',
      with: { database: 'main', tables: ['public.information_unit'], proofs: [{ name: 'sleep', sql: 'select pg_sleep(4)' }] },
    };
    const { args } = setup([slow]);
    const env = { ...cliEnv, TEST_TARGET_DB_URL: db.url };
    const first = execa('node', [cliPath, ...args('first')], { env, reject: false });
    await new Promise((res) => setTimeout(res, 1500));
    const second = await execa('node', [cliPath, ...args('second')], { env, reject: false });
    expect(second.exitCode).toBe(3);
    expect(second.stdout).toContain('final_outcome: B — BLOCKED at G0');
    expect(second.stdout).toMatch(/run lock on target db-test-target is held by run \d{8}T\d{6}Z-d1-[0-9a-f]{4} \(host .+, pid \d+/);
    expect((await first).exitCode).toBe(0);
  });

  // The run lock is taken before any gate, so a server that refuses the login blocks the run (nothing attempted);
  // the gate-level FAIL for a wrong password is covered in tests/pg.
  test('a wrong password blocks the run with a clear message that does not contain the password', async () => {
    const { dir, args } = setup([
      { id: 'G0', title: 'snapshot', kind: 'pg-snapshot', with: { database: 'main', tables: ['public.information_unit'] } },
    ]);
    const bad = new URL(db.url);
    bad.password = 'Wrong-Passw0rd-xyz';
    const r = await gaterun(args('run'), { env: { TEST_TARGET_DB_URL: bad.toString() } });
    expect(r.exitCode).toBe(3);
    expect(r.all).not.toContain('Wrong-Passw0rd-xyz');
    expect(readFileSync(join(dir, 'run', 'run.json'), 'utf8')).not.toContain('Wrong-Passw0rd-xyz');
    expect(r.stdout).toMatch(
      /G0: cannot take the run lock on database "main": cannot connect to postgres@127\.0\.0\.1:\d+\/gaterun_test_\w+: password authentication failed/,
    );
  });

  test('kb-publish to the PostgreSQL store: twice gives Revision 2 and keeps Revision 1; kb list/show read it through the target', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      't.yaml': 'name: kb-db-target\ndatabases:\n  main: { url_env: TEST_TARGET_DB_URL }\nkb:\n  database: main\n',
      'm.yaml': stringify({
        id: 'K2',
        macro: 'kb-db',
        title: 'kb db',
        outcome: 'K2_OK',
        kb: { path: 'laws/k2', tags: ['k2'] },
        gates: [
          { id: 'G0', title: 'one', kind: 'command', with: { command: 'true' } },
          { id: 'G1', title: 'kb-reporting', kind: 'kb-publish' },
        ],
      }),
    });
    const env = { TEST_TARGET_DB_URL: db.url };
    for (const n of [1, 2]) {
      const r = await gaterun(
        ['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', join(dir, `run${n}`), '--renderer', 'silent'],
        { env },
      );
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/G1 kb-reporting \(after signing\): PASS — published 2 documents to database main \(schema kb\)\/laws\/k2/);
    }
    const list = await gaterun(['kb', 'list', '--target', join(dir, 't.yaml')], { env });
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/KB-[0-9A-F]{4}\s+r2\s+laws\/k2\/01-one\.md/);
    const show = await gaterun(['kb', 'show', 'laws/k2/01-one.md', '--revision', '1', '--target', join(dir, 't.yaml')], { env });
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toMatch(/Revision 1/);
    expect(show.stdout).toContain(join(dir, 'run1'));
  });
});
