// A target database that stops, or whose sessions are killed, while a non-database gate runs: the run still
// ends with a gate that names the database, and writes and signs its reports (issue 13, item 1).
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { stringify } from 'yaml';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { displayUrl } from '../../src/db/database-url.js';
import { cliEnv, cliPath, gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

const servers: EmbeddedPostgres[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  cleanupTemp();
});

async function serverWithTable(): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres();
  servers.push(server);
  const sql = postgres(server.url, { max: 1, onnotice: () => undefined });
  await sql`create table public.t (a int)`;
  await sql`insert into public.t values (1), (2)`;
  await sql.end();
  return server;
}

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(file)) throw new Error(`${file} never appeared`);
}

/** G0 marks that it started (the run lock is taken by then) and sleeps; G1 needs the database. */
async function startRun(server: EmbeddedPostgres) {
  const dir = tempDir();
  const keyDir = tempDir();
  expect((await gaterun(['keygen', '--out', keyDir])).exitCode).toBe(0);
  const started = join(dir, 'g0-started');
  writeFiles(dir, {
    't.yaml': 'name: fault-target\ndatabases:\n  main: { url_env: FAULT_DB_URL }\n',
    'm.yaml': stringify({
      id: 'F1',
      macro: 'db-fault',
      title: 'db fault',
      outcome: 'F1_OK',
      gates: [
        { id: 'G0', title: 'wait', kind: 'command', with: { command: `touch ${started} && sleep 2` } },
        { id: 'G1', title: 'snapshot', kind: 'pg-snapshot', with: { database: 'main', tables: ['public.t'] } },
      ],
    }),
  });
  const out = join(dir, 'run');
  const args = ['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', out, '--key', join(keyDir, 'signing-key.pem')];
  const child = execa('node', [cliPath, ...args, '--renderer', 'silent'], {
    // The G0 command writes its start marker to the test's temp dir, outside the run dir: no sandbox here.
    env: { ...cliEnv, FAULT_DB_URL: server.url, GATERUN_SANDBOX: 'off' },
    reject: false,
    all: true,
  });
  await waitForFile(started);
  return { child, out, pub: join(keyDir, 'signing-key.pub.pem') };
}

async function expectSignedFailureNamingDb(r: { exitCode?: number; all?: string }, out: string, pub: string, server: EmbeddedPostgres) {
  expect(r.all).not.toMatch(/TypeError|Cannot read properties of null/);
  expect(r.exitCode).toBe(1);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  expect(run.outcome.code).toBe('C');
  expect(run.outcome.stopped_at).toBe('G1');
  expect(run.gates[0].status).toBe('PASS');
  expect(run.gates[1].status).toBe('FAIL');
  expect(run.gates[1].summary).toContain(displayUrl(server.url));
  expect(run.gates[1].summary).toMatch(/run lock .* is no longer held/);
  expect(existsSync(join(out, '02-snapshot.md'))).toBe(true);
  expect(existsSync(join(out, '03-final-f1-report.md'))).toBe(true);
  const lost = readFileSync(join(out, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; outcome: string })
    .filter((e) => e.action === 'db.lock' && e.outcome === 'lost');
  expect(lost).toHaveLength(1);
  const v = await gaterun(['verify', out, '--key', pub]);
  expect(v.stdout + v.stderr).toMatch(/OK/);
  expect(v.exitCode).toBe(0);
}

describe('the target database goes away while a non-database gate runs', () => {
  test('the server is stopped: G1 ends FAIL naming the database, the reports are written, signed and verify', async () => {
    const server = await serverWithTable();
    const { child, out, pub } = await startRun(server);
    await server.stop();
    await expectSignedFailureNamingDb(await child, out, pub, server);
  });

  test("the run's sessions are killed (pg_terminate_backend): the lost run lock is noticed, G1 ends FAIL, the bundle verifies", async () => {
    const server = await serverWithTable();
    const { child, out, pub } = await startRun(server);
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    const killed = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity where application_name like 'gaterun/%' and pg_terminate_backend(pid)`;
    await admin.end();
    expect(killed.length).toBeGreaterThanOrEqual(1);
    await expectSignedFailureNamingDb(await child, out, pub, server);
  });
});

describe('the database URL is answered by something that is not PostgreSQL (issue 13, item 2)', () => {
  async function runAgainst(server: net.Server, entry: string) {
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const dir = tempDir();
    writeFiles(dir, {
      't.yaml': `name: wrong-service\ndatabases:\n  main: { url_env: WRONG_DB_URL${entry} }\n`,
      'm.yaml': stringify({
        id: 'W1',
        macro: 'wrong-service',
        title: 'wrong service',
        outcome: 'W1_OK',
        gates: [{ id: 'G0', title: 'snapshot', kind: 'pg-snapshot', with: { database: 'main', tables: ['public.t'] } }],
      }),
    });
    const out = join(dir, 'run');
    const r = await gaterun(['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', out, '--renderer', 'silent'], {
      env: { WRONG_DB_URL: `postgres://u:pw-wrong-svc@127.0.0.1:${port}/db` },
    });
    server.close();
    return { r, out, connections, port };
  }

  test('an HTTP server: B at G0 naming the database and what answered, after at most two connections; reports written', async () => {
    const { r, out, connections, port } = await runAgainst(
      http.createServer((_q, res) => res.end('hi')),
      '',
    );
    expect(r.exitCode).toBe(3);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.outcome.text).toBe('B — BLOCKED at G0');
    expect(run.gates[0].summary).toContain(`u@127.0.0.1:${port}/db is not a PostgreSQL server: it answered "HTTP/1.1 400`);
    expect(r.all).not.toContain('pw-wrong-svc');
    expect(connections).toBeLessThanOrEqual(2);
  });

  // postgres.js starts one more attempt for a reserve() it already rejected; the pool is ended right after.
  test("a port that never answers: B at the target's connect_timeout (1 s here), at most two connections", async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((c) => void held.push(c));
    const done = runAgainst(server, ', connect_timeout: 1');
    const { r, out, connections } = await done;
    held.forEach((c) => c.destroy());
    expect(r.exitCode).toBe(3);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.gates[0].summary).toMatch(
      /cannot take the run lock on database "main": cannot connect to u@127\.0\.0\.1:\d+\/db: connect timeout/,
    );
    expect(connections).toBeLessThanOrEqual(2);
  });
});
