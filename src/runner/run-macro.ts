// The runner core: gates in order, stop at the first non-PASS, then hand the records to reporting, signing and finalize gates.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { gateKinds } from '../../gates/index.js';
import type { Facts, GateModule, RunInfo, TargetInfo } from '../gate.js';
import { createContext } from '../context/create-context.js';
import { closeHosts } from '../context/hosts.js';
import type { DatabaseEntry } from '../db/database-url.js';
import { createDbAccess, type DbAccess } from '../db/db-access.js';
import { hostName, type RunLock } from '../db/run-lock.js';
import type { EmbeddedPostgres } from '../pg/embedded-server.js';
import { Ledger } from '../context/ledger.js';
import type { GateSpec, LoadedMacro } from '../macro/types.js';
import { version } from '../paths.js';
import { forbiddenAttestation, nonMutationAttestation } from '../report/attest.js';
import type { LoadedPrivateKey } from '../report/keys.js';
import { signatureLabel } from '../report/keys.js';
import type { Redactor } from '../report/redact.js';
import { signBundle, writeFileAtomic } from '../report/sign-bundle.js';
import { finalFileName, renderFinalReport, renderGateReport, reportFileName } from '../report/render-report.js';
import { computeOutcome, evalCriteria, finalOutcome } from './outcome.js';
import { runGate } from './run-gate.js';
import type { GateRecord, RunRecord } from './types.js';

export type RendererName = 'default' | 'simple' | 'verbose' | 'silent';

export interface RunOptions {
  loaded: LoadedMacro;
  target: TargetInfo;
  /** Run directory; default <reportsDir>/<MACRO-ID>/<run-id>. */
  outDir?: string;
  /** Folder of the default run directories (default ./reports). */
  reportsDir?: string;
  renderer?: RendererName;
  /** Send progress to stderr (keeps stdout clean for --json). */
  progressToStderr?: boolean;
  signal?: AbortSignal;
  /** Knows every secret value; redacts outputs and scans the written files. */
  redactor?: Redactor;
  /** Signs the bundle when given; otherwise the run says UNSIGNED. */
  signingKey?: LoadedPrivateKey | null;
  now?: () => Date;
}

/** What a run leaves behind: the record plus what happened after signing. */
export interface RunResult {
  record: RunRecord;
  dir: string;
  finalize: GateRecord[];
}

/** `20261121T102233Z-o8c-1a2b`. */
export function newRunId(macroId: string, now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${ts}-${macroId.toLowerCase()}-${randomBytes(2).toString('hex')}`;
}

/** True for gate kinds that run after signing (kb-publish). */
export function isFinalize(spec: GateSpec): boolean {
  return gateKinds[spec.kind]?.phase === 'finalize';
}

/** Renderer options that send all progress to stderr. */
function stderrRenderer() {
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  const opts = { logger: new ListrLogger({ useIcons: true, processOutput }), collapseSkips: false, collapseErrors: false };
  return { rendererOptions: opts, fallbackRendererOptions: opts };
}

/** Runs gates in order with listr2 progress; returns one record per gate that ran. */
interface GateRunBase {
  ledger: Ledger;
  facts: Record<string, Facts>;
  run: RunInfo;
  redact: (s: string) => string;
  signal: AbortSignal;
  dbAccess: DbAccess | null;
}

async function runGates(o: RunOptions, specs: GateSpec[], ctxBase: GateRunBase, stop: { reason: string | null }): Promise<GateRecord[]> {
  const { macro } = o.loaded;
  const records: GateRecord[] = [];
  const numbered = macro.gates.filter((g) => !isFinalize(g));
  const tasks = new Listr(
    specs.map((spec) => ({
      title: `${spec.id} ${spec.title}`,
      skip: () => (stop.reason ? `not run: ${stop.reason}` : false),
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const host = spec.host ?? macro.host ?? 'local';
        const index = numbered.indexOf(spec);
        const rec = await runGate({
          spec,
          module: gateKinds[spec.kind] as GateModule<unknown>,
          reportFile: index >= 0 ? reportFileName(index, spec.title) : '',
          host,
          runSignal: ctxBase.signal,
          facts: ctxBase.facts,
          run: ctxBase.run,
          makeContext: (gateSignal) =>
            createContext({
              gateId: spec.id,
              host,
              ledger: ctxBase.ledger,
              signal: gateSignal,
              target: o.target,
              run: ctxBase.run,
              facts: ctxBase.facts,
              redact: ctxBase.redact,
              db: ctxBase.dbAccess ? (name) => ctxBase.dbAccess!.db(name, { gateId: spec.id, signal: gateSignal }) : undefined,
              log: {
                info: (m) => {
                  task.output = ctxBase.redact(m);
                },
                warn: (m) => {
                  task.output = `warning: ${ctxBase.redact(m)}`;
                },
              },
            }),
        });
        // Everything a gate returns (summary, checks, facts, evidence) is redacted before anyone sees it.
        const clean: GateRecord = JSON.parse(JSON.stringify(rec), (_k, v) => (typeof v === 'string' ? ctxBase.redact(v) : v));
        Object.assign(rec, clean);
        records.push(rec);
        ctxBase.facts[spec.id] = rec.facts;
        task.title = `${spec.id} ${spec.title} — ${rec.status.replace('_', ' ')}: ${rec.summary.split('\n')[0]}`;
        if (rec.status !== 'PASS') {
          stop.reason = rec.status === 'ABORTED' ? 'the run was aborted' : `${spec.id} ${rec.status === 'BLOCKED' ? 'blocked' : 'failed'}`;
          throw new Error(rec.summary.split('\n')[0]);
        }
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: o.renderer ?? 'default',
      fallbackRenderer: 'simple',
      // Keep each gate's title on screen when it fails or is skipped; the reason goes underneath.
      ...(o.progressToStderr ? stderrRenderer() : { rendererOptions: { collapseSkips: false, collapseErrors: false } }),
    } as never,
  );
  await tasks.run();
  return records;
}

/** Runs a macro end to end: gates, reports, secret scan, signature, finalize gates. */
export async function runMacro(o: RunOptions): Promise<RunResult> {
  const { macro } = o.loaded;
  const now = o.now ?? (() => new Date());
  const started = now();
  const runId = newRunId(macro.id, started);
  const dir = resolve(o.outDir ?? join(o.reportsDir ?? 'reports', macro.id, runId));
  mkdirSync(dir, { recursive: true });
  const redact = o.redactor ? (s: string) => o.redactor!.redact(s) : (s: string) => s;
  const ledger = new Ledger(macro.mutation, redact);
  const signal = o.signal ?? new AbortController().signal;
  const facts: Record<string, Facts> = {};
  const signature = signatureLabel(o.signingKey?.keyid ?? null);
  const run: RunInfo = {
    id: runId,
    macroId: macro.id,
    dir,
    title: macro.title,
    kb: macro.kb ? { path: macro.kb.path, tags: macro.kb.tags ?? [] } : null,
    signature,
  };
  const stop = { reason: null as string | null };
  const mainSpecs = macro.gates.filter((g) => !isFinalize(g));
  const finalizeSpecs = macro.gates.filter(isFinalize);
  const db = await openDatabases(o, runId, ledger, redact);
  const base: GateRunBase = { ledger, facts, run, redact, signal, dbAccess: db.access };
  let records: GateRecord[] = [];
  try {
    if (db.blocked) {
      stop.reason = `${mainSpecs[0].id} blocked`;
      records = [
        {
          ...placeholder(mainSpecs[0], 0, 'NOT_RUN', '', macro.host),
          status: 'BLOCKED',
          summary: redact(db.blocked),
          reason: undefined,
          checks: [{ status: 'FAIL', text: redact(db.blocked) }],
        },
      ];
    } else {
      records = await runGates(o, mainSpecs, base, stop);
    }
  } finally {
    if (db.lock?.acquired) await db.lock.release().catch(() => undefined);
  }

  // Gates after the stop (or never reached because of a signal) are recorded NOT RUN with the reason.
  mainSpecs.forEach((spec, i) => {
    if (records.some((r) => r.id === spec.id)) return;
    records.push(placeholder(spec, i, 'NOT_RUN', `not run: ${stop.reason ?? 'the run was aborted'}`, macro.host));
  });
  records.sort(
    (a, b) => macro.gates.indexOf(macro.gates.find((g) => g.id === a.id)!) - macro.gates.indexOf(macro.gates.find((g) => g.id === b.id)!),
  );
  const criteria = evalCriteria(macro, records);
  const outcome = computeOutcome(macro, records, criteria);
  // Finalize gates publish the signed bundle, so they run after it is sealed; the bundle says so.
  const pending = finalizeSpecs.map((spec) =>
    placeholder(
      spec,
      -1,
      'PENDING',
      outcome.code === 'A'
        ? `runs after signing: ${gateKinds[spec.kind].summary.toLowerCase()}`
        : `not run: ${stop.reason ?? 'the run did not pass'}`,
      macro.host,
    ),
  );
  const allRecords = [...records, ...pending].sort(
    (a, b) => macro.gates.findIndex((g) => g.id === a.id) - macro.gates.findIndex((g) => g.id === b.id),
  );
  if (outcome.code !== 'A') for (const p of pending) p.status = 'NOT_RUN';

  const gateFacts = Object.fromEntries(allRecords.map((g) => [g.id, g.facts]));
  const nonMutation = nonMutationAttestation(ledger.entries, macro.mutation);
  const finished = now();
  const record: RunRecord = {
    schema: 'gaterun/run@1',
    gaterun_version: version,
    run_id: runId,
    macro: {
      id: macro.id,
      name: macro.macro,
      title: macro.title,
      summary: macro.summary ?? null,
      file: o.loaded.file,
      sha256: o.loaded.sha256,
      effort: macro.effort ?? null,
      mutation: macro.mutation,
      outcome: macro.outcome,
      kb: run.kb ?? null,
    },
    target: { name: o.target.name, file: o.target.file },
    host: hostname(),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    date_utc: started.toISOString().slice(0, 10),
    outcome,
    gates: allRecords,
    criteria,
    changes: nonMutation.mutations.map((e) => ({
      seq: e.seq,
      action: e.action,
      target: e.target,
      host: e.host,
      scope: e.scope ?? 'deploy',
    })),
    non_mutation: nonMutation.rows.map((r) => ({ ...r, value: redact(r.value) })),
    forbidden: forbiddenAttestation(macro.forbidden, ledger.entries, gateFacts).map((r) => ({ ...r, text: redact(r.text) })),
    residue: macro.residue.map((r) => ({ id: r.id, status: r.status, note: r.note, next: r.next ?? null })),
    next: macro.next.map((n) => ({ step: n.step, what: n.what })),
    final_outcome: finalOutcome({ macro, runId, outcome, gates: allRecords, production: nonMutation.productionMutation, signature }),
    files: { reports: records.map((r) => r.report), final: finalFileName(mainSpecs.length, macro.id), ledger: 'ledger.jsonl' },
    secret_leak: null,
    ledger_entries: ledger.entries.length,
  };
  writeRunFiles(dir, record, ledger);

  // Fail closed: a secret value in any output means no signature.
  const leaks = o.redactor ? o.redactor.scanFiles(dir) : [];
  if (leaks.length) {
    record.secret_leak = leaks;
    record.final_outcome.signature = 'UNSIGNED';
    writeFileAtomic(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
    await db.close();
    await closeHosts();
    return { record, dir, finalize: [] };
  }
  try {
    if (o.signingKey) {
      signBundle(dir, {
        privateKey: o.signingKey.key,
        macroFile: o.loaded.file,
        macroSha256: o.loaded.sha256,
        target: o.target.file ?? o.target.name,
        outcomeCode: outcome.code,
        version,
      });
    }
    const finalize = outcome.code === 'A' && finalizeSpecs.length ? await runGates(o, finalizeSpecs, base, { reason: null }) : [];
    return { record, dir, finalize };
  } finally {
    await db.close();
    await closeHosts();
  }
}

/** The database a gate names in its params, if any. */
const gateDatabase = (g: GateSpec) => (typeof g.with?.database === 'string' ? g.with.database : null);

/**
 * Opens the target's databases when the macro uses one: starts the embedded server for entries without a URL,
 * teaches the redactor their passwords, and takes the per-target run lock (a held lock blocks the run).
 */
async function openDatabases(
  o: RunOptions,
  runId: string,
  ledger: Ledger,
  redact: (s: string) => string,
): Promise<{ access: DbAccess | null; lock: RunLock | null; blocked: string | null; close: () => Promise<void> }> {
  const first = o.loaded.macro.gates.map(gateDatabase).find(Boolean);
  const databases = (o.target.databases ?? {}) as Record<string, DatabaseEntry>;
  if (!first) return { access: null, lock: null, blocked: null, close: async () => undefined };
  let embedded: EmbeddedPostgres | null = null;
  if (Object.values(databases).some((e) => e.embedded || (!e.url_env && !e.env_file))) {
    const { startEmbeddedPostgres } = await import('../pg/embedded-server.js');
    embedded = await startEmbeddedPostgres();
    o.redactor?.add(embedded.password);
  }
  const access = createDbAccess({
    databases,
    baseDir: o.target.baseDir ?? process.cwd(),
    runId,
    ledger,
    redact,
    embeddedUrl: embedded?.url,
  });
  for (const name of Object.keys(databases)) {
    try {
      void access.db(name).display;
    } catch {
      /* a gate that uses it will FAIL with the reason */
    }
  }
  for (const secret of access.secrets()) o.redactor?.add(secret);
  const close = async () => {
    await access.closeAll().catch(() => undefined);
    await embedded?.stop();
  };
  let lock: RunLock | null = null;
  let blocked: string | null = null;
  try {
    lock = await access.lock(first, `gaterun:${o.target.name}`, { runId, host: hostName(), pid: process.pid });
    if (!lock.acquired) {
      const h = lock.holder;
      blocked = `run lock on target ${o.target.name} is held by run ${h.runId} (host ${h.host}, pid ${h.pid}${h.since ? `, since ${h.since}` : ''}); nothing was attempted`;
    }
  } catch (e) {
    blocked = `cannot take the run lock on database "${first}": ${(e as Error).message}; nothing was attempted`;
  }
  return { access, lock, blocked, close };
}

function placeholder(spec: GateSpec, index: number, status: 'NOT_RUN' | 'PENDING', reason: string, macroHost?: string): GateRecord {
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
    report: index >= 0 ? reportFileName(index, spec.title) : '',
    timeoutS: spec.timeout ?? 600,
    startedAt: null,
    durationMs: 0,
  };
}

// Reports are written atomically but not fsynced one by one (100 fsyncs cost more than the gates of a 100-gate run):
// a crash before they reach the disk leaves a bundle that fails verification, never one that verifies wrongly.
const NO_SYNC = { sync: false };

/** Renders every report and writes run.json and ledger.jsonl into the run directory. */
export function writeRunFiles(dir: string, record: RunRecord, ledger: Ledger): void {
  record.gates.forEach((g, i) => {
    if (g.report) writeFileAtomic(join(dir, g.report), renderGateReport(record, i), NO_SYNC);
  });
  writeFileAtomic(join(dir, record.files.final), renderFinalReport(record), NO_SYNC);
  writeFileAtomic(join(dir, 'ledger.jsonl'), ledger.toJsonl(), NO_SYNC);
  writeFileAtomic(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n', NO_SYNC);
}
