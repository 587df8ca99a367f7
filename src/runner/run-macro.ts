// A run as phases over plain data: acquire → gates → finally → assemble → seal → finalize. Read top to bottom.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gateKinds } from '../../gates/index.js';
import type { Facts, RunInfo, TargetInfo } from '../gate.js';
import { closeHosts } from '../context/hosts.js';
import { Ledger } from '../context/ledger.js';
import type { GateSpec, LoadedMacro } from '../macro/types.js';
import type { LoadedPrivateKey } from '../report/keys.js';
import type { Redactor } from '../report/redact.js';
import { reportFileName } from '../report/render-report.js';
import { acquire } from './acquire.js';
import { assemble } from './assemble.js';
import { fanOut, type RunListener, type Section } from './events.js';
import { heartbeat, listrProgress, type RendererName } from './progress.js';
import { placeholder, runGates, type GateLoopDeps } from './run-gates.js';
import type { ResumeSource } from './resume.js';
import { seal, type SealResult } from './seal.js';
import { startObservers } from './observe.js';
import type { GateRecord, RunRecord } from './types.js';

export type { RendererName };

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
  /** Seconds to wait for the target's run lock when another run holds it. */
  waitLockS?: number;
  /** `--resume`: an earlier signed run of this macro (checked by loadResumeSource) whose gates may be reused. */
  resume?: ResumeSource;
  /** Extra listeners of the gate loop's events. */
  listeners?: RunListener[];
  now?: () => Date;
}

/** What a run leaves behind: the record, how it was sealed, and the finalize gates that ran after signing. */
export interface RunResult {
  record: RunRecord;
  dir: string;
  sealed: SealResult;
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

/** Runs a macro end to end. The caller's signal aborts the gates; the reports are written and sealed on every path. */
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
  const run: RunInfo = {
    id: runId,
    macroId: macro.id,
    dir,
    title: macro.title,
    kb: macro.kb ? { path: macro.kb.path, tags: macro.kb.tags ?? [] } : null,
  };

  const main = macro.gates.filter((g) => !isFinalize(g));
  const finalizeSpecs = macro.gates.filter(isFinalize);
  const numbered = [...main, ...macro.finally];
  const reportFile = (spec: GateSpec) => (numbered.includes(spec) ? reportFileName(numbered.indexOf(spec), spec.title) : '');
  const section = async (specs: GateSpec[], name: Section, deps: GateLoopDeps, stoppedBy: string | null = null) => {
    const view = listrProgress(specs, { renderer: o.renderer ?? 'default', toStderr: o.progressToStderr });
    const beat =
      o.renderer !== 'silent' && !(o.progressToStderr ? process.stderr.isTTY : process.stdout.isTTY)
        ? heartbeat(progressLine(o), Number(process.env.GATERUN_HEARTBEAT_MS) || 30_000)
        : null;
    try {
      return await runGates(specs, name, { ...deps, emit: fanOut(view.listener, beat, ...(o.listeners ?? [])) }, stoppedBy);
    } finally {
      await view.done();
    }
  };

  const res = await acquire({
    target: o.target,
    specs: macro.gates,
    runId,
    ledger,
    redact,
    redactor: o.redactor,
    waitLockS: o.waitLockS,
    signal,
  });
  const observers = res.blocked ? null : startObservers({ target: o.target, run, ledger, redact, embeddedUrl: res.embeddedUrl });
  try {
    const facts: Record<string, Facts> = {};
    const afterGate = observers ? (spec: GateSpec) => observers.afterGate(spec.id, facts) : undefined;
    const deps: GateLoopDeps = {
      target: o.target,
      run,
      ledger,
      facts,
      redact,
      signal,
      dbAccess: res.dbAccess,
      kb: res.kb,
      macroHost: macro.host,
      reportFile,
      emit: () => {},
      afterGate,
      resume: o.resume,
    };
    await observers?.before();
    const gates = res.blocked ? blockedAtStart(main, res.blocked, reportFile, macro.host) : await section(main, 'gates', deps);
    const finallyGates = await section(macro.finally, 'finally', deps);
    const observed = observers ? await observers.after(facts) : null;
    const pending = finalizeSpecs.map((s) =>
      placeholder(s, '', 'PENDING', `runs after signing: ${gateKinds[s.kind].summary.toLowerCase()}`, macro.host),
    );
    const record = assemble({
      loaded: o.loaded,
      target: o.target,
      run,
      ledger,
      gates: [...gates, ...finallyGates, ...pending],
      mainCount: gates.length,
      finallyCount: finallyGates.length,
      numbered: numbered.length,
      started,
      finished: now(),
      redact,
      observed,
      resumedFrom: o.resume
        ? { run_id: o.resume.runId, dir: o.resume.dir, envelope_sha256: o.resume.envelopeSha256, keyid: o.resume.keyid }
        : null,
    });
    // Finalize gates publish the signed bundle, so they run only after an A is sealed; otherwise the bundle says why not.
    if (record.outcome.code !== 'A')
      for (const p of pending)
        Object.assign(p, {
          status: 'NOT_RUN',
          summary: `not run: the run ended ${record.outcome.code}`,
          reason: `not run: the run ended ${record.outcome.code}`,
        });
    const sealed = seal(dir, record, ledger, {
      redactor: o.redactor,
      signingKey: o.signingKey,
      macroFile: o.loaded.file,
      macroSha256: o.loaded.sha256,
      macroId: macro.id,
      target: o.target.file ?? o.target.name,
      resumedFrom: o.resume ? { dir: o.resume.dir, envelopeSha256: o.resume.envelopeSha256 } : undefined,
    });
    run.signature = record.final_outcome.signature;
    // After signing nothing may write into the sealed run dir: finalize gates run without the observers.
    const finalize =
      record.outcome.code === 'A' && !record.secret_leak && finalizeSpecs.length
        ? await section(finalizeSpecs, 'finalize', { ...deps, afterGate: undefined })
        : [];
    return { record, dir, sealed, finalize };
  } finally {
    await observers?.close();
    await res.close();
    await closeHosts();
  }
}

/** Every gate NOT RUN after the first, which is BLOCKED with the reason nothing could be attempted. */
function blockedAtStart(specs: GateSpec[], why: string, reportFile: (s: GateSpec) => string, macroHost?: string): GateRecord[] {
  return specs.map((s, i) =>
    i === 0
      ? {
          ...placeholder(s, reportFile(s), 'NOT_RUN', '', macroHost),
          status: 'BLOCKED',
          summary: why,
          reason: undefined,
          checks: [{ status: 'FAIL', text: why }],
        }
      : placeholder(s, reportFile(s), 'NOT_RUN', `not run: ${specs[0].id} blocked`, macroHost),
  );
}

/** Where heartbeat lines go: the stream the progress goes to. */
function progressLine(o: RunOptions): (line: string) => void {
  const stream = o.progressToStderr ? process.stderr : process.stdout;
  return (line) => stream.write(`${line}\n`);
}
