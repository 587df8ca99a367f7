// The runner core: gates in order, stop at the first non-PASS, then hand the records to reporting.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { gateKinds } from '../../gates/index.js';
import type { DbHandle, Facts, GateModule, TargetInfo } from '../gate.js';
import { createContext } from '../context/create-context.js';
import { Ledger } from '../context/ledger.js';
import type { LoadedMacro } from '../macro/types.js';
import { version } from '../paths.js';
import { finalFileName, renderFinalReport, renderGateReport, reportFileName } from '../report/render-report.js';
import { forbiddenRows, nonMutationRows } from './attest.js';
import { computeOutcome, evalCriteria, finalOutcome, productionMutation } from './outcome.js';
import { runGate } from './run-gate.js';
import type { GateRecord, RunRecord } from './types.js';

export type RendererName = 'default' | 'simple' | 'verbose' | 'silent';

export interface RunOptions {
  loaded: LoadedMacro;
  target: TargetInfo;
  /** Run directory; default reports/<MACRO-ID>/<run-id>. */
  outDir?: string;
  renderer?: RendererName;
  /** Send progress to stderr (keeps stdout clean for --json). */
  progressToStderr?: boolean;
  signal?: AbortSignal;
  redact?: (s: string) => string;
  db?: (name: string) => DbHandle;
  now?: () => Date;
}

/** `20261121T102233Z-o8c-1a2b`. */
export function newRunId(macroId: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${ts}-${macroId.toLowerCase()}-${randomBytes(2).toString('hex')}`;
}

/** Writes a file via a temp name and rename, so a reader never sees half of it. */
export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Renderer options that send all progress to stderr. */
function stderrRenderer() {
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  const opts = { logger: new ListrLogger({ useIcons: true, processOutput }) };
  return { rendererOptions: opts, fallbackRendererOptions: opts };
}

/** Runs a macro end to end and writes its reports; returns the run record. */
export async function runMacro(o: RunOptions): Promise<RunRecord> {
  const { macro } = o.loaded;
  const now = o.now ?? (() => new Date());
  const started = now();
  const runId = newRunId(macro.id, started);
  const dir = resolve(o.outDir ?? join('reports', macro.id, runId));
  mkdirSync(dir, { recursive: true });
  const redact = o.redact ?? ((s: string) => s);
  const ledger = new Ledger(macro.mutation, redact);
  const signal = o.signal ?? new AbortController().signal;
  const facts: Record<string, Facts> = {};
  const run = { id: runId, macroId: macro.id, dir };
  const records: GateRecord[] = [];
  let stop: string | null = null;

  const tasks = new Listr(
    macro.gates.map((spec, i) => ({
      title: `${spec.id} ${spec.title}`,
      skip: () => (stop ? `not run: ${stop}` : false),
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const host = spec.host ?? macro.host ?? 'local';
        const rec = await runGate({
          spec,
          module: gateKinds[spec.kind] as GateModule<unknown>,
          reportFile: reportFileName(i, spec.title),
          host,
          runSignal: signal,
          facts,
          run,
          makeContext: (gateSignal) => createContext({
            gateId: spec.id, host, ledger, signal: gateSignal, target: o.target, run, facts, redact, db: o.db,
            log: { info: (m) => { task.output = redact(m); }, warn: (m) => { task.output = `warning: ${redact(m)}`; } },
          }),
        });
        rec.summary = redact(rec.summary);
        records.push(rec);
        facts[spec.id] = rec.facts;
        task.title = `${spec.id} ${spec.title} — ${rec.status.replace('_', ' ')}: ${rec.summary.split('\n')[0]}`;
        if (rec.status !== 'PASS') {
          stop = rec.status === 'ABORTED' ? 'the run was aborted' : `${spec.id} ${rec.status === 'BLOCKED' ? 'blocked' : 'failed'}`;
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
      ...(o.progressToStderr ? stderrRenderer() : {}),
    } as never,
  );
  await tasks.run();

  // Gates after the stop (or never reached because of a signal) are recorded NOT RUN with the reason.
  macro.gates.forEach((spec, i) => {
    if (records.some((r) => r.id === spec.id)) return;
    records.push({
      id: spec.id, title: spec.title, label: spec.label ?? spec.title, kind: spec.kind, host: spec.host ?? macro.host ?? 'local',
      status: 'NOT_RUN', summary: `not run: ${stop ?? 'the run was aborted'}`, reason: `not run: ${stop ?? 'the run was aborted'}`,
      checks: [], facts: {}, evidence: [], report: reportFileName(i, spec.title), timeoutS: spec.timeout ?? 600, startedAt: null, durationMs: 0,
    });
  });
  records.sort((a, b) => macro.gates.findIndex((g) => g.id === a.id) - macro.gates.findIndex((g) => g.id === b.id));

  const outcome = computeOutcome(macro, records);
  const production = productionMutation(ledger);
  const finished = now();
  const record: RunRecord = {
    schema: 'gaterun/run@1',
    gaterun_version: version,
    run_id: runId,
    macro: { id: macro.id, name: macro.macro, title: macro.title, summary: macro.summary ?? null, file: o.loaded.file, sha256: o.loaded.sha256, effort: macro.effort ?? null, mutation: macro.mutation, outcome: macro.outcome, kb: macro.kb ? { path: macro.kb.path, tags: macro.kb.tags ?? [] } : null },
    target: { name: o.target.name, file: o.target.file },
    host: hostname(),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    date_utc: started.toISOString().slice(0, 10),
    outcome,
    gates: records,
    criteria: evalCriteria(macro, records),
    changes: ledger.mutations().map((e) => ({ seq: e.seq, action: e.action, target: e.target, host: e.host, scope: e.scope ?? 'deploy' })),
    non_mutation: nonMutationRows(ledger, production),
    forbidden: forbiddenRows(macro, ledger, records),
    residue: macro.residue.map((r) => ({ id: r.id, status: r.status, note: r.note, next: r.next ?? null })),
    next: macro.next.map((n) => ({ step: n.step, what: n.what })),
    final_outcome: finalOutcome({ macro, runId, outcome, gates: records, production, signature: 'UNSIGNED' }),
    files: { reports: records.map((r) => r.report), final: finalFileName(records.length, macro.id), ledger: 'ledger.jsonl' },
    ledger_entries: ledger.entries.length,
  };
  writeRunFiles(dir, record, ledger);
  return record;
}

/** Renders every report and writes run.json and ledger.jsonl into the run directory. */
export function writeRunFiles(dir: string, record: RunRecord, ledger: Ledger): void {
  record.gates.forEach((g, i) => writeAtomic(join(dir, g.report), renderGateReport(record, i)));
  writeAtomic(join(dir, record.files.final), renderFinalReport(record));
  writeAtomic(join(dir, 'ledger.jsonl'), ledger.toJsonl());
  writeAtomic(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}
