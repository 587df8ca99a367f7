// The transaction engine behind ctx.db(name).readOnly / .rollbackOnly / .count: every path ends in ROLLBACK and the ledger.
import type { TxRecord, TxSql } from '../gate.js';
import type { Ledger } from '../context/ledger.js';
import { errors } from '../errors.js';
import { assertNoIdentityChange, assertNoTxControl } from '../pg/sql-guard.js';
import type { Sql } from './connect.js';
import { quoteIdent } from './sql-quote.js';

/** Which gate is asking, and its cancellation signal (the runner binds these per gate). */
export interface DbScope {
  gateId?: string | null;
  signal?: AbortSignal;
}

/** One opened database: its URL, how reports show it, the transaction pool and the independent count pool. */
export interface OpenedDb {
  url: string;
  display: string;
  tx: Sql;
  count: Sql;
}

/** What the engine needs from its DbAccess: the ledger, redaction, and the mapping of driver errors. */
export interface TxEnv {
  ledger: Ledger;
  redact: (s: string) => string;
  /** Turns a driver error into what the gate sees (EDBCONNECT before the transaction started, scrubbed otherwise). */
  toError: (e: unknown, r: OpenedDb, entered: boolean) => unknown;
}

export type TxMode = 'rollback-only' | 'read-only';

/** Runs fn in a transaction on pool that always ends in ROLLBACK, and records it in the ledger. */
export async function runTransaction<T>(
  env: TxEnv,
  r: OpenedDb,
  pool: Sql,
  mode: TxMode,
  fn: (sql: TxSql) => Promise<T>,
  opts: { role?: string; scope: DbScope; action: string; onEnd?: (record: TxRecord) => void },
): Promise<T> {
  const { ledger, redact } = env;
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
    const mapped = env.toError(e, r, entered);
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
          throw errors.txMethod(String(prop));
        };
      }
      return value;
    },
  });
}
