// Phase `acquire`: the run lock on the target (always), the databases the macro uses and the embedded server.
import { realpathSync } from 'node:fs';
import type { TargetInfo } from '../gate.js';
import type { DatabaseEntry } from '../db/database-url.js';
import { createDbAccess, type DbAccess } from '../db/db-access.js';
import { hostName, type RunLock } from '../db/run-lock.js';
import type { Ledger } from '../context/ledger.js';
import { kbAccessFor, type KbAccess } from '../kb/kb-store.js';
import type { GateSpec } from '../macro/types.js';
import type { EmbeddedPostgres } from '../pg/embedded-server.js';
import type { Redactor } from '../report/redact.js';
import { takeLockFile, type LockHolder } from './lock-file.js';
import { sleep } from './sleep.js';

/** What a run holds while its gates run; the caller closes it in `finally`. */
export interface Resources {
  dbAccess: DbAccess | null;
  kb: KbAccess;
  /** The embedded server's URL, when this run started one. */
  embeddedUrl?: string;
  /** Why nothing could be attempted (lock held, database unreachable for the lock), or null. */
  blocked: string | null;
  close(): Promise<void>;
}

export interface AcquireOptions {
  target: TargetInfo;
  specs: GateSpec[];
  runId: string;
  ledger: Ledger;
  redact: (s: string) => string;
  redactor?: Redactor;
  /** Seconds to wait for a held lock before giving up (default 0: give up at once). */
  waitLockS?: number;
  signal: AbortSignal;
}

/** The database a gate names in its params, if any. */
const gateDatabase = (g: GateSpec) => (typeof g.with?.database === 'string' ? g.with.database : null);

/** The target's identity for its lock: the target file's real path (or the default target), and its name. */
function lockKey(target: TargetInfo): string {
  let where = 'default-target';
  if (target.file) {
    try {
      where = realpathSync(target.file);
    } catch {
      where = target.file;
    }
  }
  return `gaterun:${target.name}:${where}`;
}

const heldText = (target: string, h: LockHolder, how: string) =>
  `run lock on target ${target} is held by run ${h.runId} (host ${h.host}, pid ${h.pid}${h.since ? `, since ${h.since}` : ''}; ${how}); nothing was attempted`;

/**
 * Takes the per-target run lock (a lock file on this machine, plus the PostgreSQL advisory lock when the macro uses
 * a database, so runs on other machines are excluded too), starts the embedded server for database entries without
 * a URL, and teaches the redactor their passwords. A held lock ends the run B naming the holder.
 */
export async function acquire(o: AcquireOptions): Promise<Resources> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  const key = lockKey(o.target);
  const holder = { runId: o.runId, host: hostName(), pid: process.pid };
  const deadline = Date.now() + (o.waitLockS ?? 0) * 1000;
  let file = takeLockFile(key, holder);
  while (!file.acquired && Date.now() < deadline && !o.signal.aborted) {
    await sleep(250, o.signal);
    file = takeLockFile(key, holder);
  }
  o.ledger.record({
    gate: null,
    action: 'run.lock',
    target: `${o.target.name} (lock file)`,
    host: 'local',
    mutating: false,
    outcome: file.acquired ? 'ok' : 'held',
  });
  const kbEmbedded: { url?: string } = {};
  const kb = kbAccessFor(o.target, () => kbEmbedded.url);
  if (!file.acquired) return { dbAccess: null, kb, blocked: heldText(o.target.name, file.holder, `lock file ${file.file}`), close };
  closers.push(file.release);

  const first = o.specs.map(gateDatabase).find(Boolean);
  if (!first) return { dbAccess: null, kb, blocked: null, close };
  const databases = (o.target.databases ?? {}) as Record<string, DatabaseEntry>;
  let embedded: EmbeddedPostgres | null = null;
  if (Object.values(databases).some((e) => e.embedded || (!e.url_env && !e.env_file))) {
    const { startEmbeddedPostgres } = await import('../pg/embedded-server.js');
    embedded = await startEmbeddedPostgres();
    o.redactor?.add(embedded.password);
    kbEmbedded.url = embedded.url;
    closers.push(() => embedded!.stop());
  }
  const access = createDbAccess({
    databases,
    baseDir: o.target.baseDir ?? process.cwd(),
    runId: o.runId,
    ledger: o.ledger,
    redact: o.redact,
    embeddedUrl: embedded?.url,
    // SIGINT/SIGTERM stop a connect (or a wait for the lock's session) at once.
    signal: o.signal,
  });
  closers.push(() => access.closeAll());
  for (const name of Object.keys(databases)) {
    try {
      void access.db(name).display;
    } catch {
      /* a gate that uses it will FAIL with the reason */
    }
  }
  for (const secret of access.secrets()) o.redactor?.add(secret);
  let lock: RunLock | null = null;
  try {
    lock = await access.lock(first, `gaterun:${o.target.name}`, holder);
    while (!lock.acquired && Date.now() < deadline && !o.signal.aborted) {
      await sleep(250, o.signal);
      lock = await access.lock(first, `gaterun:${o.target.name}`, holder);
    }
  } catch (e) {
    return {
      dbAccess: access,
      kb,
      blocked: `cannot take the run lock on database "${first}": ${(e as Error).message}; nothing was attempted`,
      close,
    };
  }
  if (!lock.acquired)
    return { dbAccess: access, kb, blocked: heldText(o.target.name, lock.holder, `advisory lock on database ${first}`), close };
  const held = lock;
  closers.push(() => held.release());
  return { dbAccess: access, kb, blocked: null, close, embeddedUrl: embedded?.url };
}
