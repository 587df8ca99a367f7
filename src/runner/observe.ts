// Phase `observe`: what actually changed, seen from outside the gates. Database fingerprints on an independent
// connection and protected-path digests, taken before the first gate, after each gate and after the last.
import type { Facts, RunInfo, TargetInfo } from '../gate.js';
import { createContext } from '../context/create-context.js';
import type { Ledger } from '../context/ledger.js';
import { databaseUrl, displayUrl, type DatabaseEntry } from '../db/database-url.js';
import { createDbObserver, type DbObserver, type FingerprintChange } from '../observe/db-fingerprint.js';
import {
  attributeChanges,
  diffProtected,
  digestProtected,
  explainChanges,
  statProtected,
  type ProtectedChange,
  type ProtectedSnapshot,
} from '../observe/protected-paths.js';

/** A target database entry with the observer settings the target may give it. */
interface ObservedEntry extends DatabaseEntry {
  /** Env var holding a distinct observer URL (a login with pg_read_all_data); default: the database's own URL. */
  observer_env?: string;
  watch?: string[];
  ignore?: string[];
  content?: string[];
}

/** One observed change and whether a permitted, ledgered action (or the macro's acceptance) explains it. */
export interface ObservedChange {
  source: 'database' | 'files';
  /** Database name or host. */
  where: string;
  /** The gate it followed ('after' when seen only at the end). */
  after: string;
  text: string;
  status: 'unexplained' | 'accepted' | 'explained';
  /** Ledger entries or the gate fact that explain it. */
  by: string;
}

/** What the observers found: per database and per host, how it was observed, and every change. */
export interface Observed {
  databases: { name: string; display: string; method: string; fingerprints: number; tables: number; sequences: number; note?: string }[];
  hosts: { host: string; paths: string[]; note?: string }[];
  changes: ObservedChange[];
}

export interface Observers {
  before(): Promise<void>;
  afterGate(gateId: string, facts: Record<string, Facts>): Promise<void>;
  after(facts: Record<string, Facts>): Promise<Observed>;
  close(): Promise<void>;
}

/** A sequence a rollback-only proof consumed, accepted by the macro (the gate's `sequences_accepted` fact). */
function acceptedBy(change: FingerprintChange, gate: string, facts: Record<string, Facts>): boolean {
  const list = facts[gate]?.sequences_accepted;
  return change.kind === 'sequence' && Array.isArray(list) && list.some((s) => s === change.object);
}

/** Starts the observers of a run's target; each failure to observe is recorded as a note, never hidden. */
export function startObservers(o: {
  target: TargetInfo;
  run: RunInfo;
  ledger: Ledger;
  redact: (s: string) => string;
  embeddedUrl?: string;
}): Observers {
  const databases = (o.target.databases ?? {}) as Record<string, ObservedEntry>;
  const dbs: { name: string; display: string; obs: DbObserver | null; note?: string }[] = [];
  for (const [name, entry] of Object.entries(databases)) {
    try {
      if (!entry.url_env && !entry.env_file && !o.embeddedUrl && !entry.observer_env)
        throw new Error('an embedded database that this run did not start');
      const url =
        entry.observer_env && process.env[entry.observer_env]
          ? process.env[entry.observer_env]!
          : databaseUrl(databases, name, o.target.baseDir ?? process.cwd(), o.embeddedUrl);
      const obs = createDbObserver(url, {
        watch: entry.watch,
        ignore: entry.ignore,
        content: entry.content,
        applicationName: `gaterun-observer/${o.run.id}`,
      });
      dbs.push({ name, display: displayUrl(url), obs });
    } catch (e) {
      dbs.push({ name, display: name, obs: null, note: `not observed: ${o.redact((e as Error).message)}` });
    }
  }
  const protect = (o.target.protect ?? {}) as Record<string, string[]>;
  const ctx = createContext({
    gateId: 'observe',
    host: 'local',
    ledger: o.ledger,
    signal: new AbortController().signal,
    target: o.target,
    run: o.run,
    facts: {},
    redact: o.redact,
    log: { info: () => {}, warn: () => {} },
  });
  const hostNotes = new Map<string, string>();
  const baseline = new Map<string, ProtectedSnapshot>();
  const lastStat = new Map<string, ProtectedSnapshot>();
  const perGate: ProtectedChange[] = [];
  const fingerprint = async (label: string) => {
    for (const d of dbs) {
      if (!d.obs || d.note) continue;
      try {
        await d.obs.observe(label);
      } catch (e) {
        d.note = `observation stopped at ${label}: ${o.redact((e as Error).message)}`;
      }
    }
  };
  const safe = async <T>(host: string, what: () => Promise<T>): Promise<T | null> => {
    try {
      return await what();
    } catch (e) {
      hostNotes.set(host, `not observed: ${o.redact((e as Error).message)}`);
      return null;
    }
  };
  return {
    async before() {
      await fingerprint('before');
      for (const [host, paths] of Object.entries(protect)) {
        const digest = await safe(host, () => digestProtected(ctx, host, paths));
        const stat = await safe(host, () => statProtected(ctx, host, paths));
        if (digest) baseline.set(host, digest);
        if (stat) lastStat.set(host, stat);
      }
    },
    async afterGate(gateId) {
      await fingerprint(gateId);
      for (const [host, paths] of Object.entries(protect)) {
        const prev = lastStat.get(host);
        if (!prev) continue;
        const now = await safe(host, () => statProtected(ctx, host, paths));
        if (!now) continue;
        perGate.push(...diffProtected(prev, now, gateId));
        lastStat.set(host, now);
      }
    },
    async after(facts) {
      await fingerprint('after');
      const changes: ObservedChange[] = [];
      for (const d of dbs) {
        for (const obs of d.obs?.observations ?? []) {
          for (const c of obs.changes) {
            const ok = acceptedBy(c, obs.label, facts);
            changes.push({
              source: 'database',
              where: d.name,
              after: obs.label,
              text: c.text,
              status: ok ? 'accepted' : 'unexplained',
              by: ok ? `${obs.label}.sequences_accepted` : 'gaterun never commits database writes',
            });
          }
        }
      }
      for (const [host, paths] of Object.entries(protect)) {
        const before = baseline.get(host);
        const now = before ? await safe(host, () => digestProtected(ctx, host, paths)) : null;
        if (!before || !now) continue;
        const final = explainChanges(attributeChanges(diffProtected(before, now, 'after'), perGate), o.ledger.entries, o.target);
        for (const c of final)
          changes.push({
            source: 'files',
            where: host,
            after: c.after,
            text: `${c.path} ${c.change}${c.what ? ` (${c.what})` : ''} (after ${c.after})`,
            status: c.explainedBy.length ? 'explained' : 'unexplained',
            by: c.explainedBy.length ? c.explainedBy.map((s) => `#${s}`).join(', ') : 'no permitted, ledgered action covers it',
          });
      }
      return {
        databases: dbs.map((d) => {
          const last = d.obs?.observations.at(-1)?.fingerprint;
          return {
            name: d.name,
            display: d.display,
            method: d.obs && !d.note ? 'fingerprint on an independent connection' : 'declared only',
            fingerprints: d.obs?.observations.length ?? 0,
            tables: last ? Object.keys(last.tables).length : 0,
            sequences: last ? Object.keys(last.sequences).length : 0,
            ...(d.note ? { note: d.note } : {}),
          };
        }),
        hosts: Object.entries(protect).map(([host, paths]) => ({
          host,
          paths,
          ...(hostNotes.has(host) ? { note: hostNotes.get(host) } : {}),
        })),
        changes,
      };
    },
    async close() {
      for (const d of dbs) await d.obs?.close().catch(() => undefined);
    },
  };
}
