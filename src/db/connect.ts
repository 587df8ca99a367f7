// Opening postgres.js pools whose connection attempts gaterun controls: a bounded TCP connect, a check that the
// peer speaks PostgreSQL, no endless reconnect loop, and the run's abort signal honoured while connecting.
import net from 'node:net';
import type postgres from 'postgres';
import { postgresJs } from './postgres-module.js';
import { scrub } from './database-url.js';

/** A postgres.js pool without custom types. */
export type Sql = postgres.Sql<Record<string, never>>;

// postgres.js codes, gaterun's own socket codes and SQLSTATEs that mean "never got a usable session".
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'SASL_SIGNATURE_MISMATCH',
  'AUTH_TYPE_NOT_IMPLEMENTED',
  'MESSAGE_NOT_SUPPORTED',
  'NOT_POSTGRES',
  'CLOSED_WITHOUT_ANSWER',
  'CONNECT_ABORTED',
  '28P01',
  '28000',
  '3D000',
  '53300',
  '57P03',
  '08001',
  '08004',
  '08006',
]);

/** True when an error means the server could not be reached or refused the session. */
export function isConnectError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECT_CODES.has(code);
}

/** The reason of a connect error for a message, without secrets. */
export function connectReason(e: unknown, secrets: string[]): string {
  const err = e as { code?: string; message?: string };
  const text =
    err.code === 'CONNECT_TIMEOUT'
      ? 'connect timeout'
      : err.code && /^CONNECTION_(CLOSED|ENDED|DESTROYED)$/.test(err.code)
        ? `the connection was closed (${err.code})`
        : (err.message ?? String(e));
  return scrub(`${text}${err.code && !text.includes(err.code) ? ` (${err.code})` : ''}`, secrets);
}

// The first byte a PostgreSQL server sends: R (authentication), E (error), N (notice, or "no SSL"),
// S (SSL accepted), v (NegotiateProtocolVersion).
const PG_FIRST_BYTES = new Set(['R', 'E', 'N', 'S', 'v'].map((c) => c.charCodeAt(0)));

/** What a non-PostgreSQL peer sent, printable and short. */
function preview(chunk: Buffer): string {
  const text = chunk
    .subarray(0, 40)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return JSON.stringify(text + (chunk.length > 40 ? '…' : ''));
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export interface PoolOptions {
  max: number;
  /** Seconds for the TCP connect and, separately, for the PostgreSQL startup (postgres.js connect_timeout). */
  connectTimeoutS: number;
  /** Seconds an idle connection stays open; 0 keeps it. */
  idleTimeoutS: number;
  /** Session parameters (application_name, statement_timeout...). */
  connection: Record<string, string | number | boolean>;
  /** Connecting stops (CONNECT_ABORTED) once this is aborted. */
  signal?: AbortSignal;
  /** Called once when a connection that had a session closes without gaterun asking (server stopped, backend killed). */
  onLost?: (reason: string) => void;
}

/** A pool and whether it is still usable: after a lost session it is ended and must be replaced. */
export interface Pool {
  sql: Sql;
  /** Why the pool was ended (a session was lost), or null while it is usable. */
  broken(): string | null;
}

interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

type CloseListener = (hadError: boolean) => void;

// Terminate ('X', length 4) and CancelRequest (length 16, code 80877102): closes postgres.js itself asked for.
function isGoodbye(chunk: unknown): boolean {
  if (!Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) return false;
  const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (b.length === 5 && b[0] === 0x58 && b.readUInt32BE(1) === 4) return true;
  return b.length >= 8 && b.readUInt32BE(0) === 16 && b.readUInt32BE(4) === 80877102;
}

/**
 * Holds back the socket's 'close' event from postgres.js until the pool has been ended. Why: postgres.js sets its
 * socket to null on 'close' and then writes the next query (its own ROLLBACK after a failed transaction, a query
 * on a reserved connection) from a timer, dereferencing null — an uncatchable TypeError that ends the process
 * (porsager/postgres#1208). Ending the pool first marks every connection terminated, so later queries are
 * rejected (CONNECTION_DESTROYED) instead of written; writes in between go to the destroyed socket and fail.
 */
function holdClose(socket: net.Socket, onUnexpected: (deliver: () => void) => void): void {
  const held: { fn: CloseListener; once: boolean }[] = [];
  let goodbye = false;
  const on = socket.on.bind(socket);
  const once = socket.once.bind(socket);
  const removeAll = socket.removeAllListeners.bind(socket);
  const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
  const end = socket.end.bind(socket) as (...a: unknown[]) => net.Socket;
  const hold = (fn: CloseListener, isOnce: boolean) => held.push({ fn, once: isOnce });
  Object.assign(socket, {
    on: (event: string, fn: (...a: unknown[]) => void) => (event === 'close' ? (hold(fn, false), socket) : on(event, fn)),
    once: (event: string, fn: (...a: unknown[]) => void) => (event === 'close' ? (hold(fn, true), socket) : once(event, fn)),
    removeAllListeners: (event?: string) => {
      if (event === undefined) {
        // postgres.js clears the socket before wrapping it in TLS (sslmode): from here on the TLS socket it makes
        // is unguarded, and this one gets its own methods back so TLS sees its 'close' as usual.
        held.length = 0;
        for (const k of ['on', 'once', 'removeAllListeners', 'write', 'end']) delete (socket as unknown as Record<string, unknown>)[k];
      } else if (event === 'close') held.length = 0;
      return removeAll(event);
    },
    write: (chunk: unknown, ...rest: unknown[]) => ((goodbye ||= isGoodbye(chunk)), write(chunk, ...rest)),
    end: (chunk?: unknown, ...rest: unknown[]) => ((goodbye ||= isGoodbye(chunk)), end(chunk, ...rest)),
  });
  on('close', (hadError: boolean) => {
    const deliver = () => {
      for (const l of held.splice(0)) l.fn(hadError);
    };
    if (goodbye) deliver();
    else onUnexpected(deliver);
  });
}

/**
 * The socket factory handed to postgres.js. postgres.js itself reconnects at once, without limit, when a peer
 * closes the connection during startup (an HTTP server, a port that sends garbage): about 11,000 attempts in
 * 40 s were measured. Here each attempt is checked: the first byte must be one a PostgreSQL server sends,
 * else the attempt fails with NOT_POSTGRES and the pool makes no further attempt; a peer that closes twice
 * without a byte fails with CLOSED_WITHOUT_ANSWER. A session that closes unexpectedly ends the pool (holdClose).
 */
function socketFactory(o: PoolOptions, display: string, onSessionLost: (deliver: () => void) => void) {
  let refused: Error | null = null;
  let silentCloses = 0;
  return async (target: SocketTarget): Promise<net.Socket> => {
    if (refused) throw refused;
    if (o.signal?.aborted) throw codedError('CONNECT_ABORTED', 'the run was aborted while connecting');
    if (silentCloses >= 2)
      throw codedError('CLOSED_WITHOUT_ANSWER', `${display} accepted the connection and closed it without a PostgreSQL answer, twice`);
    const host = target.host[0];
    const port = target.port[0];
    const socket = target.path ? net.connect(target.path) : net.connect(port, host);
    Object.assign(socket, { host, port });
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        cleanup();
        socket.destroy();
        reject(e);
      };
      const onError = (e: Error) => fail(e);
      const onAbort = () => fail(codedError('CONNECT_ABORTED', 'the run was aborted while connecting'));
      const timer = setTimeout(() => fail(codedError('CONNECT_TIMEOUT', 'connect timeout')), o.connectTimeoutS * 1000);
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        o.signal?.removeEventListener('abort', onAbort);
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      socket.once('error', onError);
      socket.once('connect', onConnect);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    let session = false;
    socket.once('data', (chunk: Buffer) => {
      if (PG_FIRST_BYTES.has(chunk[0])) {
        session = true;
        silentCloses = 0;
        return;
      }
      refused = codedError('NOT_POSTGRES', `${display} is not a PostgreSQL server: it answered ${preview(chunk)}`);
      socket.destroy(refused);
    });
    socket.once('close', () => {
      if (!session && !refused) silentCloses++;
    });
    // Startup failures keep postgres.js's own handling (it rejects the waiting query); only sessions are guarded.
    holdClose(socket, (deliver) => (session ? onSessionLost(deliver) : deliver()));
    return socket;
  };
}

/** Opens a postgres.js pool whose connection attempts go through gaterun's checked socket factory. */
export function openPool(url: string, display: string, o: PoolOptions): Pool {
  let broken: string | null = null;
  let pool: Sql | null = null;
  const onSessionLost = (deliver: () => void) => {
    const first = broken === null;
    broken ??= `a session on ${display} closed unexpectedly (server stopped, backend terminated or network lost)`;
    // Deliver the close only once every connection is terminated; a fallback timer so it is never lost.
    const fallback = setTimeout(deliver, 2000);
    fallback.unref();
    void (pool ? pool.end({ timeout: 0 }) : Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(fallback);
        deliver();
      });
    if (first) o.onLost?.(broken);
  };
  const options = {
    max: o.max,
    connect_timeout: o.connectTimeoutS,
    idle_timeout: o.idleTimeoutS,
    onnotice: () => undefined,
    // Unnamed statements only: no per-connection plan cache outlives a rolled-back schema change.
    prepare: false,
    connection: o.connection,
    socket: socketFactory(o, display, onSessionLost),
  };
  // `socket` is a documented postgres.js option its type declarations lack.
  pool = postgresJs()(url, options as unknown as postgres.Options<Record<string, never>>) as unknown as Sql;
  return { sql: pool, broken: () => broken };
}
