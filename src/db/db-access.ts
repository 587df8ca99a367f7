// ctx.db(name): the database door of a run — handles by name, pools opened lazily, the run lock, closeAll at the end.
import type postgres from 'postgres';
import type { DbHandle, TxRecord, TxSql } from '../gate.js';
import { readSequences } from '../observe/db-fingerprint.js';
import type { Ledger } from '../context/ledger.js';
import { errors, isGaterunError } from '../errors.js';
import { connectReason, isConnectError, openPool, type Pool } from './connect.js';
import { databaseUrl, displayUrl, scrub, secretsOfUrl, type DatabaseEntry } from './database-url.js';
import { takeRunLock, type RunLock, type RunLockHolder } from './run-lock.js';
import { runTransaction, type DbScope, type OpenedDb, type TxEnv } from './transactions.js';

export interface DbAccessOptions {
  databases: Record<string, DatabaseEntry>;
  /** Directory env_file paths are relative to (the target file's directory). */
  baseDir: string;
  runId: string;
  ledger: Ledger;
  redact?: (s: string) => string;
  /** Default seconds to get a session, for entries without connect_timeout (default 5). */
  connectTimeoutS?: number;
  statementTimeoutMs?: number;
  /** URL of the embedded server, for entries with `embedded: true` or without any URL source. */
  embeddedUrl?: string;
  /** The run's abort signal: connecting (and waiting for the run lock's session) stops at once when it fires. */
  signal?: AbortSignal;
}

export interface DbAccess {
  /** The handle gates use; scope binds the ledger's gate id and the gate's abort signal. */
  db(name: string, scope?: DbScope): DbHandle;
  /** Passwords of the databases resolved so far, for the run's redaction set. */
  secrets(): string[];
  /** Takes the per-target run lock on the named database's server (see takeRunLock). */
  lock(name: string, key: string, holder: RunLockHolder): Promise<RunLock>;
  /** Why the run lock was lost (its session closed before release), or null; once lost, every transaction is refused. */
  lockLost(): string | null;
  closeAll(): Promise<void>;
}

/** Creates the database door of a run: handles by name, pools opened lazily, closeAll at the end. */
export function createDbAccess(options: DbAccessOptions): DbAccess {
  const { databases, baseDir, runId, ledger } = options;
  const redact = options.redact ?? ((s: string) => s);
  const statementTimeoutMs = options.statementTimeoutMs ?? 30000;
  const resolved = new Map<string, OpenedDb>();
  const appName = `gaterun/${runId}`.slice(0, 63);
  let lost: { reason: string; display: string } | null = null;

  const resolveUrl = (name: string) => databaseUrl(databases, name, baseDir, options.embeddedUrl);
  const timeoutOf = (name: string) => databases[name]?.connect_timeout ?? options.connectTimeoutS ?? 5;

  // The pools behind each opened database; a pool that lost a session is ended, and the next use opens new ones.
  const pools = new Map<string, Pool[]>();

  function open(name: string): OpenedDb {
    const hit = resolved.get(name);
    if (hit && !pools.get(name)?.some((p) => p.broken())) return hit;
    const url = resolveUrl(name);
    const display = displayUrl(url);
    const base = { connectTimeoutS: timeoutOf(name), idleTimeoutS: 60, signal: options.signal };
    const tx = openPool(url, display, {
      ...base,
      max: 3,
      connection: { application_name: appName, statement_timeout: statementTimeoutMs },
    });
    // The independent connection for counts: its own pool, read-only by default.
    const count = openPool(url, display, {
      ...base,
      max: 2,
      connection: { application_name: appName, statement_timeout: statementTimeoutMs, default_transaction_read_only: true },
    });
    if (hit) void Promise.all([hit.tx.end({ timeout: 0 }), hit.count.end({ timeout: 0 })]).catch(() => undefined);
    const r: OpenedDb = { url, display, tx: tx.sql, count: count.sql };
    resolved.set(name, r);
    pools.set(name, [tx, count]);
    return r;
  }

  const secretsOf = (r: OpenedDb) => secretsOfUrl(r.url);

  const env: TxEnv = {
    ledger,
    redact,
    toError(e, r, entered) {
      if (isGaterunError(e)) return e;
      if (!entered && isConnectError(e)) return errors.dbConnect(r.display, connectReason(e, secretsOf(r)));
      // The session died inside the transaction: the server rolled it back; name the database, not a socket.
      if (entered && isConnectError(e)) return errors.dbLost(r.display, connectReason(e, secretsOf(r)));
      if (e instanceof Error) {
        const msg = scrub(e.message, secretsOf(r));
        if (msg !== e.message) e.message = msg;
      }
      return e;
    },
  };

  // Without the run lock, another run may be changing the databases: no transaction starts once it is lost.
  function assertLockHeld(r: OpenedDb): void {
    if (lost) throw errors.dbLockLost(r.display, lost.reason);
  }

  function db(name: string, scope: DbScope = {}): DbHandle {
    const get = () => open(name);
    return {
      get display() {
        return get().display;
      },
      readOnly<T>(fn: (sql: TxSql) => Promise<T>): Promise<T> {
        const r = get();
        assertLockHeld(r);
        return runTransaction(env, r, r.tx, 'read-only', fn, { scope, action: 'db.tx' });
      },
      rollbackOnly<T>(fn: (sql: TxSql) => Promise<T>, opts: { role?: string; onEnd?: (record: TxRecord) => void } = {}): Promise<T> {
        const r = get();
        assertLockHeld(r);
        return runTransaction(env, r, r.tx, 'rollback-only', fn, { role: opts.role, scope, action: 'db.tx', onEnd: opts.onEnd });
      },
      async sequences() {
        const r = get();
        assertLockHeld(r);
        return runTransaction(env, r, r.count, 'read-only', (tx) => readSequences(tx), { scope, action: 'db.count' });
      },
      isConnectError: (e: unknown) => isConnectError(e) || (isGaterunError(e) && e.code === 'EDBCONNECT'),
      async count(sqlText: string, params: unknown[] = []): Promise<number> {
        const r = get();
        assertLockHeld(r);
        const rows = await runTransaction(
          env,
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
    lockLost: () => lost?.reason ?? null,
    async lock(name, key, holder) {
      const r = open(name);
      const started = performance.now();
      const entry = { gate: null, action: 'db.lock', target: r.display, host: 'local', mutating: false } as const;
      try {
        const result = await takeRunLock(r.url, key, holder, { connectTimeoutS: timeoutOf(name), signal: options.signal });
        ledger.record({
          ...entry,
          outcome: result.acquired ? 'ok' : 'held',
          detail: { key, durationMs: Math.round(performance.now() - started), ...(result.acquired ? {} : { holder: result.holder }) },
        });
        if (result.acquired) {
          result.onLost((reason) => {
            lost = { reason, display: r.display };
            ledger.record({ ...entry, outcome: 'lost', detail: { key, error: redact(reason) } });
          });
        }
        return result;
      } catch (e) {
        ledger.record({ ...entry, outcome: 'error', detail: { key, ...(e instanceof Error ? { error: redact(e.message) } : {}) } });
        throw e;
      }
    },
    async closeAll() {
      const all = [...resolved.values()];
      resolved.clear();
      pools.clear();
      await Promise.all(all.flatMap((r) => [r.tx.end({ timeout: 5 }), r.count.end({ timeout: 5 })]));
    },
  };
}
