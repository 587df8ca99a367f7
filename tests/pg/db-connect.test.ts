// Connection failures become EDBCONNECT errors that never contain the password.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { Ledger } from '../../src/context/ledger.js';
import { displayUrl } from '../../src/db/database-url.js';
import { createDbAccess } from '../../src/db/db-access.js';
import { testServerUrl } from '../helpers/pg.js';
import { restoreEnv, setTestEnv } from '../helpers/env.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

afterEach(restoreEnv);

const role = `gaterun_pw_${randomBytes(4).toString('hex')}`;
const realPassword = `Real-${randomBytes(8).toString('hex')}`;
const wrongPassword = `Wrong@Pass:${randomBytes(8).toString('hex')}`;

function urlFor(user: string, password: string, port?: number): string {
  const u = new URL(testServerUrl());
  u.username = user;
  u.password = password;
  if (port) u.port = String(port);
  return u.toString();
}

beforeAll(async () => {
  const admin = postgres(testServerUrl(), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create role ${role} login password '${realPassword}'`);
  await admin.end();
});
afterAll(async () => {
  const admin = postgres(testServerUrl(), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop role if exists ${role}`);
  await admin.end();
});

type CodedError = Error & { code?: string; hint?: string };
// The error a promise rejects with; a promise that resolves fails the test.
async function failure(p: Promise<unknown>): Promise<CodedError> {
  try {
    await p;
  } catch (e) {
    return e as CodedError;
  }
  throw new Error('expected a rejection, got a result');
}

function access(url: string, connectTimeoutS = 2) {
  setTestEnv('GATERUN_TEST_CONNECT_URL', url);
  const ledger = new Ledger('none');
  const a = createDbAccess({
    databases: { main: { url_env: 'GATERUN_TEST_CONNECT_URL' } },
    baseDir: '/',
    runId: 'r1',
    ledger,
    connectTimeoutS,
  });
  return { a, ledger };
}

test('the password is accepted when right (so the wrong-password test means something)', async () => {
  const { a } = access(urlFor(role, realPassword));
  expect(await a.db('main').count('select 1')).toBe(1);
  await a.closeAll();
});

test('a wrong password → EDBCONNECT naming role@host:port/db, without the password anywhere', async () => {
  const url = urlFor(role, wrongPassword);
  const { a, ledger } = access(url);
  const err = await failure(a.db('main').rollbackOnly(async (sql) => sql`select 1`));
  await a.closeAll();
  expect(err).toMatchObject({ code: 'EDBCONNECT' });
  expect(err.message).toContain(`${role}@127.0.0.1:`);
  expect(err.message).toMatch(/password authentication failed/);
  const everything = [err.message, err.hint ?? '', err.stack ?? '', ledger.toJsonl(), JSON.stringify(err)].join('\n');
  for (const secret of [wrongPassword, encodeURIComponent(wrongPassword), realPassword]) expect(everything).not.toContain(secret);
  expect(a.secrets()).toEqual([]); // closed; nothing remembered
});

test('an unreachable port fails fast with EDBCONNECT', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const { a } = access(urlFor('postgres', 'pw-not-used', port), 2);
  const err = await failure(a.db('main').count('select 1'));
  await a.closeAll();
  expect(err).toMatchObject({ code: 'EDBCONNECT' });
  // Refused, not waited out: the reason is the refusal, not the connect timeout.
  expect(err.message).toMatch(/ECONNREFUSED/);
  expect(err.message).not.toMatch(/timeout/i);
  expect(err.message).not.toContain('pw-not-used');
});

test('a server that accepts TCP but never answers → EDBCONNECT within the connect timeout', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => {
    sockets.push(s);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const port = (silent.address() as net.AddressInfo).port;
  const { a } = access(urlFor('postgres', 'pw-not-used', port), 1);
  const err = await failure(a.db('main').count('select 1'));
  // Order, not a stopwatch: the client reached the server, then gave up on the connect timeout.
  const reached = sockets.length;
  await a.closeAll();
  sockets.forEach((s) => s.destroy());
  silent.close();
  expect(reached).toBeGreaterThanOrEqual(1);
  expect(err).toMatchObject({ code: 'EDBCONNECT' });
  expect(err.message).toMatch(/timeout/i);
});

test('URL from an env_file key; display is role@host:port/db', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaterun-envfile-'));
  fs.writeFileSync(path.join(dir, '.env'), `# comment\nOTHER=1\nexport CUTTER_DB_URL="${urlFor(role, realPassword)}"\n`);
  const ledger = new Ledger('none');
  const a = createDbAccess({ databases: { main: { env_file: '.env', key: 'CUTTER_DB_URL' } }, baseDir: dir, runId: 'r2', ledger });
  const h = a.db('main');
  expect(h.display).toMatch(new RegExp(`^${role}@127\\.0\\.0\\.1:\\d+/postgres$`));
  expect(await h.count('select 2')).toBe(2);
  expect(a.secrets()).toContain(realPassword);
  expect(ledger.toJsonl()).not.toContain(realPassword);
  await a.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('missing URL sources are coded errors', () => {
  const a = createDbAccess({
    databases: { main: { url_env: 'GATERUN_SURELY_UNSET_VAR' } },
    baseDir: '/',
    runId: 'r3',
    ledger: new Ledger(),
  });
  expect(() => a.db('main').display).toThrow(expect.objectContaining({ code: 'EDBURL' }));
  expect(() => a.db('nope').display).toThrow(expect.objectContaining({ code: 'EDBUNKNOWN' }));
});

test('displayUrl', () => {
  expect(displayUrl('postgres://u:secret@db.example:6543/app')).toBe('u@db.example:6543/app');
  expect(displayUrl('postgresql://u@h/x')).toBe('u@h:5432/x');
});
