// A database URL answered by something that is not PostgreSQL: one attempt, a clear EDBCONNECT, no reconnect
// storm; a silent server ends at the connect timeout; the run's abort signal stops a connect at once (issue 13, item 2).
import { afterAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import { Ledger } from '../../src/context/ledger.js';
import { createDbAccess } from '../../src/db/db-access.js';

const closers: (() => void)[] = [];
afterAll(() => closers.forEach((c) => c()));

/** A local server counting the TCP connections it accepted. */
async function listen(server: net.Server): Promise<{ url: string; connections: () => number }> {
  let n = 0;
  server.on('connection', () => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  const { port } = server.address() as net.AddressInfo;
  return { url: `postgres://u:pw-not-shown@127.0.0.1:${port}/db`, connections: () => n };
}

function access(url: string, opts: { connectTimeoutS?: number; signal?: AbortSignal } = {}) {
  return createDbAccess({
    databases: { main: { embedded: true, ...(opts.connectTimeoutS ? { connect_timeout: opts.connectTimeoutS } : {}) } },
    baseDir: '.',
    runId: 'notpg',
    ledger: new Ledger('none'),
    embeddedUrl: url,
    signal: opts.signal,
  });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as { code?: string; message: string },
  );

describe('not PostgreSQL', () => {
  test('an HTTP server: EDBCONNECT "not a PostgreSQL server" quoting its answer, after one connection', async () => {
    const s = await listen(http.createServer((_q, res) => res.end('hello')));
    const a = access(s.url);
    const e = await failure(a.db('main').count('select 1'));
    expect(e?.code).toBe('EDBCONNECT');
    expect(e?.message).toMatch(/u@127\.0\.0\.1:\d+\/db is not a PostgreSQL server: it answered "HTTP\/1\.1 400/);
    expect(e?.message).not.toContain('pw-not-shown');
    // The run lock meets the same answer without a second storm.
    const lock = await failure(a.lock('main', 'k', { runId: 'r', host: 'h', pid: 1 }));
    expect(lock?.code).toBe('EDBCONNECT');
    expect(s.connections()).toBeLessThanOrEqual(2);
    await a.closeAll();
  });

  test('a port that sends garbage and closes: one connection, NOT_POSTGRES', async () => {
    const s = await listen(net.createServer((c) => c.end(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02]))));
    const a = access(s.url);
    const e = await failure(a.db('main').readOnly(async (tx) => tx`select 1`));
    expect(e?.code).toBe('EDBCONNECT');
    expect(e?.message).toMatch(/not a PostgreSQL server: it answered "\.\.\.\.\.\.\."/);
    expect(s.connections()).toBe(1);
    await a.closeAll();
  });

  test('a port that accepts and closes without a byte: at most two attempts, then CLOSED_WITHOUT_ANSWER', async () => {
    const s = await listen(net.createServer((c) => c.end()));
    const a = access(s.url);
    const e = await failure(a.db('main').count('select 1'));
    expect(e?.code).toBe('EDBCONNECT');
    expect(e?.message).toMatch(/closed it without a PostgreSQL answer/);
    expect(s.connections()).toBeLessThanOrEqual(2);
    await a.closeAll();
  });

  test('a server that never answers: the connect_timeout of the target entry ends it (connect timeout)', async () => {
    const sockets: net.Socket[] = [];
    const s = await listen(net.createServer((c) => void sockets.push(c)));
    closers.push(() => sockets.forEach((c) => c.destroy()));
    const a = access(s.url, { connectTimeoutS: 1 });
    const e = await failure(a.db('main').count('select 1'));
    expect(e?.code).toBe('EDBCONNECT');
    expect(e?.message).toMatch(/connect timeout/);
    expect(s.connections()).toBe(1);
    await a.closeAll();
  });

  test('the run is aborted while the run lock waits for a silent server: the wait ends at once with CONNECT_ABORTED', async () => {
    const sockets: net.Socket[] = [];
    const s = await listen(net.createServer((c) => void sockets.push(c)));
    closers.push(() => sockets.forEach((c) => c.destroy()));
    const controller = new AbortController();
    // 600 s: only the abort can end this wait within the test's timeout.
    const a = access(s.url, { connectTimeoutS: 600, signal: controller.signal });
    const pending = failure(a.lock('main', 'k', { runId: 'r', host: 'h', pid: 1 }));
    while (s.connections() === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const e = await pending;
    expect(e?.code).toBe('EDBCONNECT');
    expect(e?.message).toMatch(/aborted while connecting/);
    await a.closeAll();
  }, 20000);
});
