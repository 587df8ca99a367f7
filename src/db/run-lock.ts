// The per-target run lock: a session-level advisory lock on a dedicated connection, watched for loss.
import os from 'node:os';
import type postgres from 'postgres';
import { errors } from '../errors.js';
import { connectReason, isConnectError, openPool } from './connect.js';
import { displayUrl, secretsOfUrl } from './database-url.js';

export interface RunLockHolder {
  runId: string;
  host: string;
  pid: number;
}

/** A taken lock (release it; ask whether it was lost) or the holder of a lock someone else has. */
export type RunLock =
  | {
      acquired: true;
      /** Unlocks and closes the lock's session; never queries a session that is gone. */
      release(): Promise<void>;
      /** Why the lock is no longer held (its session closed before release), or null while it is held. */
      lost(): string | null;
      /** Calls fn once when the lock's session closes before release (at once if it already has). */
      onLost(fn: (reason: string) => void): void;
    }
  | { acquired: false; holder: RunLockHolder & { applicationName: string; backendPid: number; since: string | null } };

type HolderRow = { application_name: string; pid: number; query: string | null; since: string | null };

/** Resolves with work, or rejects (and calls onAbort) as soon as signal is aborted. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(Object.assign(new Error('the run was aborted while connecting'), { code: 'CONNECT_ABORTED' }));
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: Error) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

/**
 * Takes a session-level advisory lock on a dedicated connection (pg_try_advisory_lock(hashtext(key))).
 * The holder is published in application_name (`gaterun/<runId> <host> <pid>`) and in a comment of the
 * session's last query, so a second run can name it. The lock lasts until release() or the session ends;
 * a session that ends first (server stopped, backend terminated) is reported through lost() and onLost().
 */
export async function takeRunLock(
  target: string | { url: string },
  key: string,
  holder: RunLockHolder,
  opts: { connectTimeoutS?: number; signal?: AbortSignal } = {},
): Promise<RunLock> {
  const url = typeof target === 'string' ? target : target.url;
  const display = displayUrl(url);
  const appName = `gaterun/${holder.runId} ${holder.host} ${holder.pid}`.slice(0, 63);
  let held = false;
  let releasing = false;
  let lostReason: string | null = null;
  const listeners: ((reason: string) => void)[] = [];
  const { sql } = openPool(url, display, {
    max: 1,
    connectTimeoutS: opts.connectTimeoutS ?? 5,
    idleTimeoutS: 0,
    connection: { application_name: appName },
    signal: opts.signal,
    // The pool has one connection, reserved for the lock: its session ending before release() is the lock's end.
    onLost: () => {
      if (!held || releasing || lostReason) return;
      lostReason = 'its session closed before release (server stopped, backend terminated or network lost)';
      for (const fn of listeners.splice(0)) fn(lostReason);
    },
  });
  let reserved: postgres.ReservedSql<Record<string, never>> | null = null;
  try {
    reserved = await untilAborted(sql.reserve(), opts.signal, () => void sql.end({ timeout: 0 }).catch(() => undefined));
    const [{ ok }] = await reserved<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${key})) as ok`;
    if (ok) {
      // Leaves the full holder in pg_stat_activity.query (application_name is cut at 63 bytes).
      const tag = JSON.stringify({ runId: holder.runId, host: holder.host, pid: holder.pid }).replace(/\*\//g, '');
      await reserved.unsafe(`select 1 /* gaterun-lock ${tag} */`);
      held = true;
      const conn = reserved;
      return {
        acquired: true,
        lost: () => lostReason,
        onLost(fn) {
          if (lostReason) fn(lostReason);
          else listeners.push(fn);
        },
        async release() {
          if (releasing) return;
          releasing = true;
          // A session that is gone holds no lock: nothing to unlock, only the (already ended) pool to close.
          if (lostReason) return void (await sql.end({ timeout: 1 }).catch(() => undefined));
          try {
            await conn`select pg_advisory_unlock(hashtext(${key}))`;
          } finally {
            conn.release();
            await sql.end({ timeout: 5 });
          }
        },
      };
    }
    const rows = await reserved<HolderRow[]>`
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

function parseHolder(row: HolderRow | undefined) {
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
