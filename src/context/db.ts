// ctx.db(name): read-only and rollback-only transactions on a target's databases, each in the ledger.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { DbHandle, TxRecord, TxSql } from '../gate.js';
import type { Ledger } from './ledger.js';
import { errors, GaterunError, isGaterunError } from '../errors.js';
import { pgErrors } from '../pg/pg-errors.js';
import { assertNoIdentityChange, assertNoTxControl } from '../pg/sql-guard.js';
import { readSequences } from '../observe/db-fingerprint.js';

/** A database entry of the target file. */
export interface DatabaseEntry {
  url_env?: string;
  env_file?: string;
  key?: string;
  embedded?: boolean;
}

export interface DbAccessOptions {
  databases: Record<string, DatabaseEntry>;
  /** Directory env_file paths are relative to (the target file's directory). */
  baseDir: string;
  runId: string;
  ledger: Ledger;
  redact?: (s: string) => string;
  connectTimeoutS?: number;
  statementTimeoutMs?: number;
  /** URL of the embedded server, for entries with `embedded: true` or without any URL source. */
  embeddedUrl?: string;
}

/** Which gate is asking, and its cancellation signal (the runner binds these per gate). */
export interface DbScope {
  gateId?: string | null;
  signal?: AbortSignal;
}

export interface RunLockHolder {
  runId: string;
  host: string;
  pid: number;
}

export type RunLock =
  | { acquired: true; release(): Promise<void> }
  | { acquired: false; holder: RunLockHolder & { applicationName: string; backendPid: number; since: string | null } };

export interface DbAccess {
  /** The handle gates use; scope binds the ledger's gate id and the gate's abort signal. */
  db(name: string, scope?: DbScope): DbHandle;
  /** Passwords of the databases resolved so far, for the run's redaction set. */
  secrets(): string[];
  /** Takes the per-target run lock on the named database's server (see takeRunLock). */
  lock(name: string, key: string, holder: RunLockHolder): Promise<RunLock>;
  closeAll(): Promise<void>;
}

type Sql = postgres.Sql<Record<string, never>>;

interface Resolved {
  url: string;
  display: string;
  tx: Sql;
  count: Sql;
}

// postgres.js codes and SQLSTATEs that mean "never got a usable session".
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
  '28P01',
  '28000',
  '3D000',
  '53300',
  '57P03',
  '08001',
  '08004',
  '08006',
]);

/** `role@host:port/db` for a postgres URL; never the password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username) || 'postgres';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
    return `${user}@${u.hostname}:${u.port || '5432'}/${db}`;
  } catch {
    return '[unparseable database URL]';
  }
}

/** Parses KEY=VALUE lines of a .env file (comments, `export `, and quotes allowed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q));
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[m[1]] = value;
  }
  return out;
}

/** Quotes an identifier for SQL (role and table names). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes `schema.table` (or `table`) part by part. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

// The password as written in the URL (percent-encoded) and decoded, plus the URL itself.
function secretsOfUrl(url: string): string[] {
  let raw = '';
  try {
    raw = new URL(url).password;
  } catch {
    /* unparseable: the URL itself is still scrubbed */
  }
  return [...new Set([passwordOf(url), raw, url])].filter((s) => s.length > 0);
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[secure]');
  return out;
}

/** True when an error means the server could not be reached or refused the session. */
export function isConnectError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECT_CODES.has(code);
}

function connectReason(e: unknown, secrets: string[]): string {
  const err = e as { code?: string; message?: string };
  const text = err.code === 'CONNECT_TIMEOUT' ? 'connect timeout' : (err.message ?? String(e));
  return scrub(`${text}${err.code && !text.includes(err.code) ? ` (${err.code})` : ''}`, secrets);
}

/** The URL of a target database, read at run time from its env var, its .env file, or the embedded server. */
export function databaseUrl(databases: Record<string, DatabaseEntry>, name: string, baseDir: string, embeddedUrl?: string): string {
  const entry = databases[name];
  if (!entry) throw errors.dbUnknown(name, Object.keys(databases));
  if (entry.url_env && process.env[entry.url_env]) return process.env[entry.url_env]!;
  if (entry.env_file) {
    const file = path.isAbsolute(entry.env_file) ? entry.env_file : path.join(baseDir, entry.env_file);
    const key = entry.key ?? entry.url_env ?? 'DATABASE_URL';
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw pgErrors.dbUrlMissing(name, `cannot read env_file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const value = parseEnvFile(text)[key];
    if (value) return value;
    throw pgErrors.dbUrlMissing(name, `${file} has no ${key}`);
  }
  if (entry.embedded || (!entry.url_env && !entry.env_file)) {
    if (embeddedUrl) return embeddedUrl;
    throw pgErrors.dbUrlMissing(name, 'wants the embedded server, but none was started');
  }
  throw pgErrors.dbUrlMissing(name, `environment variable ${entry.url_env} is not set`);
}

/** Creates the database door of a run: handles by name, pools opened lazily, closeAll at the end. */
export function createDbAccess(options: DbAccessOptions): DbAccess {
  const { databases, baseDir, runId, ledger } = options;
  const redact = options.redact ?? ((s: string) => s);
  const connectTimeoutS = options.connectTimeoutS ?? 5;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30000;
  const resolved = new Map<string, Resolved>();
  const appName = `gaterun/${runId}`.slice(0, 63);

  const resolveUrl = (name: string) => databaseUrl(databases, name, baseDir, options.embeddedUrl);

  function open(name: string): Resolved {
    const hit = resolved.get(name);
    if (hit) return hit;
    const url = resolveUrl(name);
    const base = {
      connect_timeout: connectTimeoutS,
      idle_timeout: 60,
      onnotice: () => undefined,
      // Unnamed statements only: no per-connection plan cache outlives a rolled-back schema change.
      prepare: false,
    };
    const r: Resolved = {
      url,
      display: displayUrl(url),
      tx: postgres(url, { ...base, max: 3, connection: { application_name: appName, statement_timeout: statementTimeoutMs } }),
      // The independent connection for counts: its own pool, read-only by default.
      count: postgres(url, {
        ...base,
        max: 2,
        connection: { application_name: appName, statement_timeout: statementTimeoutMs, default_transaction_read_only: true },
      }),
    };
    resolved.set(name, r);
    return r;
  }

  function secretsOf(r: Resolved): string[] {
    return secretsOfUrl(r.url);
  }

  function toError(e: unknown, r: Resolved, entered: boolean): unknown {
    if (isGaterunError(e)) return e;
    if (!entered && isConnectError(e)) return errors.dbConnect(r.display, connectReason(e, secretsOf(r)));
    if (e instanceof Error) {
      const msg = scrub(e.message, secretsOf(r));
      if (msg !== e.message) e.message = msg;
    }
    return e;
  }

  type Mode = 'rollback-only' | 'read-only';

  async function transaction<T>(
    r: Resolved,
    pool: Sql,
    mode: Mode,
    fn: (sql: TxSql) => Promise<T>,
    opts: { role?: string; scope: DbScope; action: string; onEnd?: (record: TxRecord) => void },
  ): Promise<T> {
    const { signal, gateId = null } = opts.scope;
    const started = performance.now();
    let statements = 0;
    let entered = false;
    let outcome: 'rolled-back' | 'read-only' | 'error' | 'aborted' | 'committed' = 'error';
    let committed = false;
    let failure: string | undefined;
    const carried: { value?: T } = {};
    // Why a sentinel and not a reserved connection with hand-written BEGIN/ROLLBACK: postgres.js's
    // sql.begin sends COMMIT only when its callback resolves, and ours never resolves — it always
    // throws, carrying fn's result in this private object. Every other path (fn throws, a query
    // fails, the gate is aborted, the connection drops) makes begin send ROLLBACK, or the server
    // rolls back when the session dies. There is no line of code here that could send COMMIT.
    const sentinel = new Error('gaterun: end of transaction (rolled back)');
    try {
      signal?.throwIfAborted();
      await pool.begin(mode === 'read-only' ? 'read only' : '', async (raw) => {
        entered = true;
        const tx = raw;
        // client_connection_check_interval (PG 14+): if gaterun is killed mid-statement, the server
        // notices the dead client within a second and rolls back, instead of after the statement.
        const [{ pid, t0 }] = await tx<{ pid: number; t0: string }[]>`
          select pg_backend_pid() as pid, now()::text as t0,
            case when current_setting('server_version_num')::int >= 140000
              then set_config('client_connection_check_interval', '1000', true) end as check_interval`;
        if (opts.role) await tx.unsafe(`set local role ${quoteIdent(opts.role)}`);
        const guarded = guardTx(tx, () => {
          statements++;
        });
        const work = Promise.resolve().then(() => fn(guarded));
        work.catch(() => undefined); // the race below may settle first; the rejection is handled there
        carried.value = await raceAbort(work, signal, async () => {
          // Interrupt a running statement (pg_sleep, a lock wait) so ROLLBACK can run now.
          await r.count.unsafe('select pg_cancel_backend($1)', [pid]).catch(() => undefined);
        });
        // If anything ended our transaction, now() changes: say so instead of reporting a rollback.
        const [{ same }] = await tx<{ same: boolean }[]>`select now()::text = ${t0} as same`;
        if (!same) throw new Error('the transaction was ended inside the gate (now() changed); its work may have been committed');
        throw sentinel;
      });
      // Unreachable by construction: begin resolved means COMMIT was sent. Record it as such.
      committed = true;
      throw new Error('gaterun internal error: a rollback-only transaction committed; please report');
    } catch (e) {
      if (committed) {
        outcome = 'committed';
        failure = (e as Error).message;
        throw e;
      }
      if (e === sentinel) {
        outcome = mode === 'read-only' ? 'read-only' : 'rolled-back';
        return carried.value as T;
      }
      outcome = signal?.aborted ? 'aborted' : 'error';
      const mapped = toError(e, r, entered);
      failure = mapped instanceof Error ? mapped.message : String(mapped);
      throw mapped;
    } finally {
      const ledgerSeq = ledger.record({
        gate: gateId,
        action: opts.action,
        target: r.display,
        host: 'local',
        mutating: committed,
        ...(committed ? { scope: 'db' as const } : {}),
        outcome,
        detail: {
          mode,
          role: opts.role ?? null,
          statements,
          durationMs: Math.round(performance.now() - started),
          ...(failure ? { error: redact(failure) } : {}),
        },
      });
      opts.onEnd?.({ ledgerSeq, outcome, statements });
    }
  }

  function db(name: string, scope: DbScope = {}): DbHandle {
    const get = () => open(name);
    return {
      get display() {
        return get().display;
      },
      readOnly<T>(fn: (sql: TxSql) => Promise<T>): Promise<T> {
        const r = get();
        return transaction(r, r.tx, 'read-only', fn, { scope, action: 'db.tx' });
      },
      rollbackOnly<T>(fn: (sql: TxSql) => Promise<T>, opts: { role?: string; onEnd?: (record: TxRecord) => void } = {}): Promise<T> {
        const r = get();
        return transaction(r, r.tx, 'rollback-only', fn, { role: opts.role, scope, action: 'db.tx', onEnd: opts.onEnd });
      },
      async sequences() {
        const r = get();
        return transaction(r, r.count, 'read-only', (tx) => readSequences(tx), { scope, action: 'db.count' });
      },
      isConnectError: (e: unknown) => isConnectError(e) || (isGaterunError(e) && e.code === 'EDBCONNECT'),
      async count(sqlText: string, params: unknown[] = []): Promise<number> {
        const r = get();
        const rows = await transaction(
          r,
          r.count,
          'read-only',
          (tx) =>
            tx.unsafe(sqlText, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<
              Record<string, unknown>[] & { columns?: unknown[] }
            >,
          { scope, action: 'db.count' },
        );
        // Duplicate column names collapse in row objects, so ask postgres.js for the column list.
        if (rows.length !== 1 || (rows.columns?.length ?? Object.keys(rows[0]).length) !== 1) {
          throw new Error(`a count query must return one row with one column; got ${rows.length} row(s): ${sqlText}`);
        }
        const n = Number(Object.values(rows[0])[0]);
        if (!Number.isFinite(n)) throw new Error(`count query returned a non-number: ${sqlText}`);
        return n;
      },
    };
  }

  return {
    db,
    secrets: () => [...resolved.values()].flatMap(secretsOf),
    async lock(name, key, holder) {
      const r = open(name);
      const started = performance.now();
      try {
        const result = await takeRunLock(r.url, key, holder, { connectTimeoutS });
        ledger.record({
          gate: null,
          action: 'db.lock',
          target: r.display,
          host: 'local',
          mutating: false,
          outcome: result.acquired ? 'ok' : 'held',
          detail: { key, durationMs: Math.round(performance.now() - started), ...(result.acquired ? {} : { holder: result.holder }) },
        });
        return result;
      } catch (e) {
        ledger.record({
          gate: null,
          action: 'db.lock',
          target: r.display,
          host: 'local',
          mutating: false,
          outcome: 'error',
          detail: { key },
        });
        throw e;
      }
    },
    async closeAll() {
      const all = [...resolved.values()];
      resolved.clear();
      await Promise.all(all.flatMap((r) => [r.tx.end({ timeout: 5 }), r.count.end({ timeout: 5 })]));
    },
  };
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Promise<void>): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let aborting = false;
    const abort = () => {
      // From here on the abort is the outcome, even if the cancelled statement's error arrives first.
      aborting = true;
      void onAbort().finally(() => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')));
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        if (aborting) return;
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        if (aborting) return;
        signal.removeEventListener('abort', abort);
        reject(e as Error);
      },
    );
  });
}

function isTemplate(x: unknown): x is TemplateStringsArray {
  return Array.isArray(x) && Array.isArray((x as unknown as { raw?: unknown }).raw);
}

// Counts statements and refuses transaction control; savepoints get the same guard.
function guardTx(tx: TxSql, onStatement: () => void): TxSql {
  return new Proxy(tx, {
    apply(target, thisArg, args: unknown[]) {
      if (isTemplate(args[0])) {
        assertNoTxControl(args[0].join(' $x '));
        assertNoIdentityChange(args[0].join(' $x '));
        onStatement();
      }
      return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args);
    },
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'unsafe') {
        return (text: string, ...rest: unknown[]) => {
          assertNoTxControl(text);
          assertNoIdentityChange(text);
          onStatement();
          return (value as (...a: unknown[]) => unknown).call(target, text, ...rest);
        };
      }
      if (prop === 'savepoint') {
        return (nameOrFn: unknown, maybeFn?: (sql: TxSql) => unknown) => {
          const fn = (typeof nameOrFn === 'function' ? nameOrFn : maybeFn) as (sql: TxSql) => unknown;
          const wrapped = (sp: TxSql) => fn(guardTx(sp, onStatement));
          const call = value as (...a: unknown[]) => unknown;
          return typeof nameOrFn === 'string' ? call.call(target, nameOrFn, wrapped) : call.call(target, wrapped);
        };
      }
      // prepare() would turn the transaction into a two-phase one that outlives the session.
      if (prop === 'prepare' || prop === 'file' || prop === 'begin' || prop === 'reserve') {
        return () => {
          throw new GaterunError('ETXCONTROL', `sql.${String(prop)} is not available inside a gaterun transaction`, undefined, [], 1);
        };
      }
      return value;
    },
  });
}

/**
 * Takes a session-level advisory lock on a dedicated connection (pg_try_advisory_lock(hashtext(key))).
 * The holder is published in application_name (`gaterun/<runId> <host> <pid>`) and in a comment of the
 * session's last query, so a second run can name it. The lock lasts until release() or the session ends.
 */
export async function takeRunLock(
  target: string | { url: string },
  key: string,
  holder: RunLockHolder,
  opts: { connectTimeoutS?: number } = {},
): Promise<RunLock> {
  const url = typeof target === 'string' ? target : target.url;
  const display = displayUrl(url);
  const appName = `gaterun/${holder.runId} ${holder.host} ${holder.pid}`.slice(0, 63);
  const sql = postgres(url, {
    max: 1,
    connect_timeout: opts.connectTimeoutS ?? 5,
    idle_timeout: 0,
    onnotice: () => undefined,
    prepare: false,
    connection: { application_name: appName },
  });
  let reserved: postgres.ReservedSql<Record<string, never>> | null = null;
  try {
    reserved = await sql.reserve();
    const [{ ok }] = await reserved<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${key})) as ok`;
    if (ok) {
      // Leaves the full holder in pg_stat_activity.query (application_name is cut at 63 bytes).
      const tag = JSON.stringify({ runId: holder.runId, host: holder.host, pid: holder.pid }).replace(/\*\//g, '');
      await reserved.unsafe(`select 1 /* gaterun-lock ${tag} */`);
      const conn = reserved;
      let released = false;
      return {
        acquired: true,
        async release() {
          if (released) return;
          released = true;
          try {
            await conn`select pg_advisory_unlock(hashtext(${key}))`;
          } finally {
            conn.release();
            await sql.end({ timeout: 5 });
          }
        },
      };
    }
    const rows = await reserved<{ application_name: string; pid: number; query: string | null; since: string | null }[]>`
      select a.application_name, a.pid, a.query, a.backend_start::text as since
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(${key})::bigint
      limit 1`;
    reserved.release();
    await sql.end({ timeout: 5 });
    const row = rows[0];
    return { acquired: false, holder: parseHolder(row) };
  } catch (e) {
    reserved?.release();
    await sql.end({ timeout: 1 }).catch(() => undefined);
    if (isConnectError(e)) throw errors.dbConnect(display, connectReason(e, secretsOfUrl(url)));
    throw e;
  }
}

function parseHolder(row: { application_name: string; pid: number; query: string | null; since: string | null } | undefined) {
  const base = {
    runId: 'unknown',
    host: 'unknown',
    pid: 0,
    applicationName: row?.application_name ?? '',
    backendPid: row?.pid ?? 0,
    since: row?.since ?? null,
  };
  if (!row) return base;
  const tagged = /gaterun-lock (\{.*?\}) \*\//.exec(row.query ?? '');
  if (tagged) {
    try {
      const h = JSON.parse(tagged[1]) as RunLockHolder;
      return { ...base, runId: String(h.runId), host: String(h.host), pid: Number(h.pid) };
    } catch {
      /* fall back to application_name */
    }
  }
  const m = /^gaterun\/(\S+) (\S+) (\d+)$/.exec(row.application_name);
  return m ? { ...base, runId: m[1], host: m[2], pid: Number(m[3]) } : base;
}

/** The local host name, for lock holders. */
export function hostName(): string {
  return os.hostname();
}
