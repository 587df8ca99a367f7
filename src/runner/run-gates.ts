// The gate loop: a plain `for` over the specs; the first gate that does not pass stops the rest (except `finally:`).
import { gateKinds } from '../../gates/index.js';
import type { Facts, GateModule, GateResult, RunInfo, TargetInfo } from '../gate.js';
import { hostBlocked } from '../files/host-ready.js';
import { createContext } from '../context/create-context.js';
import type { DbAccess } from '../db/db-access.js';
import { isMutation, type Ledger } from '../context/ledger.js';
import type { KbAccess } from '../kb/kb-store.js';
import type { GateSpec } from '../macro/types.js';
import type { RunEvent, Section } from './events.js';
import { decideReuse, keepManifests, reusedRecord, type ResumeSource } from './resume.js';
import { runGate, type GateRunDeps } from './run-gate.js';
import { sleep } from './sleep.js';
import type { Attempt, GateRecord } from './types.js';

/** What every gate of a run shares. */
export interface GateLoopDeps {
  target: TargetInfo;
  run: RunInfo;
  ledger: Ledger;
  /** Facts by gate id; each gate's facts are added as it ends. */
  facts: Record<string, Facts>;
  redact: (s: string) => string;
  signal: AbortSignal;
  dbAccess: DbAccess | null;
  kb: KbAccess;
  macroHost?: string;
  /** Report file of a gate ('' for gates without a numbered report). */
  reportFile: (spec: GateSpec) => string;
  emit: (event: RunEvent) => void;
  /** Observers that look at the world after each gate (fingerprints, protected paths); awaited before the next gate. */
  afterGate?: (spec: GateSpec, record: GateRecord) => Promise<void>;
  /** `run --resume`: the earlier signed run whose records may be reused (main section only). */
  resume?: ResumeSource;
}

/**
 * Runs a gate with its `retry:` policy: again after FAIL or BLOCKED, `delay` seconds apart, up to `attempts` runs,
 * unless the attempt made a change (a mutating ledger entry) or the run was aborted. Each attempt is in the ledger
 * (`gate.attempt`) and, when there was more than one, in the record.
 */
async function runWithRetry(spec: GateSpec, deps: GateLoopDeps, gateDeps: GateRunDeps): Promise<GateRecord> {
  const max = spec.retry?.attempts ?? 1;
  const attempts: Attempt[] = [];
  let rec: GateRecord;
  for (let n = 1; ; n++) {
    const from = deps.ledger.entries.length;
    rec = await runGate(gateDeps);
    if (max > 1 && !rec.reused) {
      attempts.push({ n, status: rec.status, summary: rec.summary, startedAt: rec.startedAt, durationMs: rec.durationMs });
      deps.ledger.record({
        gate: spec.id,
        action: 'gate.attempt',
        target: `${spec.id} attempt ${n} of ${max}: ${rec.status}`,
        host: 'local',
        mutating: false,
        outcome: rec.status === 'PASS' ? 'ok' : rec.status.toLowerCase(),
      });
    }
    const mutated = deps.ledger.entries.slice(from).some((e) => e.gate === spec.id && isMutation(e));
    const again = (rec.status === 'FAIL' || rec.status === 'BLOCKED') && n < max && !rec.crash && !deps.signal.aborted;
    if (again && mutated) {
      rec.checks = [...rec.checks, { status: 'INFO', text: `not retried: attempt ${n} made a change (see the ledger)` }];
      break;
    }
    if (!again) break;
    deps.emit({
      type: 'gate-output',
      spec,
      level: 'warn',
      line: `attempt ${n} of ${max}: ${rec.status} — retrying in ${spec.retry?.delay ?? 5} s`,
    });
    await sleep((spec.retry?.delay ?? 5) * 1000, deps.signal);
  }
  return attempts.length > 1 ? { ...rec, attempts } : rec;
}

/** A record for a gate that did not run (NOT_RUN) or runs later (PENDING). */
export function placeholder(
  spec: GateSpec,
  reportFile: string,
  status: 'NOT_RUN' | 'PENDING',
  reason: string,
  macroHost?: string,
): GateRecord {
  return {
    id: spec.id,
    title: spec.title,
    label: spec.label ?? spec.title,
    kind: spec.kind,
    host: spec.host ?? macroHost ?? 'local',
    status,
    summary: reason,
    reason,
    checks: [],
    facts: {},
    evidence: [],
    report: reportFile,
    timeoutS: spec.timeout ?? 600,
    startedAt: null,
    durationMs: 0,
  };
}

/** Everything a gate returns (summary, checks, facts, evidence) is redacted before anyone sees it. */
function redactRecord(rec: GateRecord, redact: (s: string) => string): GateRecord {
  return JSON.parse(JSON.stringify(rec), (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v)) as GateRecord;
}

const reachability = new WeakMap<Ledger, Map<string, Promise<GateResult | null>>>();

/** A BLOCKED record body when the gate's SSH host cannot be reached (asked once per host and run), else null. */
async function hostUnreachable(host: string, spec: GateSpec, deps: GateLoopDeps): Promise<Partial<GateRecord> | null> {
  let byHost = reachability.get(deps.ledger);
  if (!byHost) reachability.set(deps.ledger, (byHost = new Map()));
  if (!byHost.has(host)) {
    const ctx = createContext({
      gateId: spec.id,
      host,
      ledger: deps.ledger,
      signal: deps.signal,
      target: deps.target,
      run: deps.run,
      facts: deps.facts,
      redact: deps.redact,
      log: { info: () => {}, warn: () => {} },
    });
    let check: Promise<GateResult | null>;
    try {
      check = hostBlocked(ctx, host);
    } catch {
      check = Promise.resolve(null); // an unknown host name: the gate reports it
    }
    byHost.set(host, check);
  }
  const r = await byHost.get(host)!;
  if (!r) return null;
  return {
    status: 'BLOCKED',
    summary: r.summary,
    messageId: 'unreachable',
    checks: r.checks,
    facts: r.facts,
    evidence: r.evidence,
    startedAt: new Date().toISOString(),
  };
}

/** Why the gates after `rec` do not run. */
function stopReason(rec: GateRecord): string {
  if (rec.status === 'ABORTED') return 'the run was aborted';
  return `${rec.id} ${rec.status === 'BLOCKED' ? 'blocked' : 'failed'}`;
}

/**
 * Runs the gates of one section in order. In `gates` and `finalize` the first gate that does not pass stops the
 * rest (recorded NOT_RUN with the reason); `finally:` gates all run whatever happened. Never throws for a gate.
 */
export async function runGates(
  specs: GateSpec[],
  section: Section,
  deps: GateLoopDeps,
  stoppedBy: string | null = null,
): Promise<GateRecord[]> {
  const records: GateRecord[] = [];
  let stop = stoppedBy;
  // On resume: the first gate that could have been reused but was not; every gate after it runs again.
  let brokenBy: string | null = null;
  for (const spec of specs) {
    const host = spec.host ?? deps.macroHost ?? 'local';
    const reportFile = deps.reportFile(spec);
    if (section !== 'finally' && (stop || deps.signal.aborted)) {
      const reason = `not run: ${stop ?? 'the run was aborted'}`;
      records.push(placeholder(spec, reportFile, 'NOT_RUN', reason, deps.macroHost));
      deps.emit({ type: 'gate-skip', spec, section, reason });
      continue;
    }
    deps.emit({ type: 'gate-start', spec, section });
    // Reachability of the gate's host is checked once per run in the wrapper: every kind ends BLOCKED naming the
    // host and the reason, instead of each kind reading an ssh failure as its own (exit 255, "no test counts").
    const unreachable = await hostUnreachable(host, spec, deps);
    if (unreachable) {
      const rec = redactRecord(
        { ...placeholder(spec, reportFile, 'NOT_RUN', '', deps.macroHost), ...unreachable, reason: undefined },
        deps.redact,
      );
      deps.facts[spec.id] = rec.facts;
      records.push(rec);
      deps.emit({ type: 'gate-end', spec, section, record: rec });
      if (!stop) stop = stopReason(rec);
      continue;
    }
    const log = (level: 'info' | 'warn') => (m: string) => deps.emit({ type: 'gate-output', spec, level, line: deps.redact(m) });
    const resume = section === 'gates' ? deps.resume : undefined;
    const raw = await runWithRetry(spec, deps, {
      spec,
      module: gateKinds[spec.kind] as GateModule<unknown>,
      reportFile,
      host,
      // `finally:` gates run even after a signal: they record the state the run leaves behind (e.g. kill-switch after).
      runSignal: section === 'finally' ? new AbortController().signal : deps.signal,
      facts: deps.facts,
      run: deps.run,
      makeContext: (gateSignal) =>
        createContext({
          gateId: spec.id,
          host,
          ledger: deps.ledger,
          signal: gateSignal,
          target: deps.target,
          run: deps.run,
          facts: deps.facts,
          redact: deps.redact,
          db: deps.dbAccess ? (name) => deps.dbAccess!.db(name, { gateId: spec.id, signal: gateSignal }) : undefined,
          kb: deps.kb,
          log: { info: log('info'), warn: log('warn') },
        }),
      decide: resume
        ? (key) => {
            const d = decideReuse(spec, gateKinds[spec.kind] as GateModule<unknown>, key, resume, brokenBy);
            if (d.reuse)
              return { record: reusedRecord(d.earlier, resume, deps.run.dir, reportFile, keepManifests(key, deps.run.dir), d.why) };
            if (d.breaks && !brokenBy) brokenBy = spec.id;
            return { rerun: d.why };
          }
        : undefined,
    });
    const rec = redactRecord(raw, deps.redact);
    deps.facts[spec.id] = rec.facts;
    records.push(rec);
    // A reused gate ran nothing, so there is nothing to attribute to it; a change made meanwhile by anyone else still
    // shows at the next observation (after the next gate that runs, or the run's end).
    if (deps.afterGate && !rec.reused) {
      deps.emit({
        type: 'gate-output',
        spec,
        level: 'info',
        line: `observing what changed after ${spec.id} (fingerprints, protected paths)`,
      });
      await deps.afterGate(spec, rec);
    }
    deps.emit({ type: 'gate-end', spec, section, record: rec });
    if (rec.status !== 'PASS' && !stop) stop = stopReason(rec);
  }
  return records;
}
