// Phase `assemble`: the run record (run.json) from the gate records, the ledger and the macro; plain data in, data out.
import { hostname } from 'node:os';
import type { RunInfo, TargetInfo } from '../gate.js';
import { hostDisplay, resolveHost } from '../context/hosts.js';
import type { Ledger } from '../context/ledger.js';
import type { LoadedMacro } from '../macro/types.js';
import { version } from '../paths.js';
import { forbiddenAttestation, nonMutationAttestation } from '../report/attest.js';
import { finalFileName } from '../report/render-report.js';
import { computeOutcome, evalCriteria, finalOutcome } from './outcome.js';
import { computeResidue } from './residue.js';
import type { GateRecord, RunRecord } from './types.js';

export interface AssembleInput {
  loaded: LoadedMacro;
  target: TargetInfo;
  run: RunInfo;
  ledger: Ledger;
  /** The macro's gates in order, then its `finally:` gates, then finalize gates (PENDING or NOT_RUN). */
  gates: GateRecord[];
  /** How many of `gates` belong to the main section (the outcome is decided there first). */
  mainCount: number;
  /** How many `finally:` gates follow them. */
  finallyCount: number;
  /** How many numbered reports there are (main + finally). */
  numbered: number;
  started: Date;
  finished: Date;
  redact: (s: string) => string;
}

/** The hosts the gates ran on, by their name in the target, with `user@host:port` or `local`. */
function hostsOf(target: TargetInfo, gates: GateRecord[]): { name: string; display: string }[] {
  const names = [...new Set(gates.map((g) => g.host))];
  return names.map((name) => {
    try {
      return { name, display: hostDisplay(resolveHost(target, name)) };
    } catch {
      return { name, display: 'unknown host' };
    }
  });
}

/** Builds the run record: outcome, criteria, attestations, residue, next, and the final-outcome block. */
export function assemble(a: AssembleInput): RunRecord {
  const { macro } = a.loaded;
  const main = a.gates.slice(0, a.mainCount);
  const criteria = evalCriteria(macro, a.gates);
  const outcome = computeOutcome(macro, main, criteria, a.gates.slice(a.mainCount, a.mainCount + a.finallyCount));
  const gateFacts = Object.fromEntries(a.gates.map((g) => [g.id, g.facts]));
  const nonMutation = nonMutationAttestation(a.ledger.entries, macro.mutation);
  const signature = a.run.signature ?? 'UNSIGNED';
  return {
    schema: 'gaterun/run@1',
    gaterun_version: version,
    run_id: a.run.id,
    macro: {
      id: macro.id,
      name: macro.macro,
      title: macro.title,
      summary: macro.summary ?? null,
      file: a.loaded.file,
      sha256: a.loaded.sha256,
      effort: macro.effort ?? null,
      mutation: macro.mutation,
      outcome: macro.outcome,
      kb: a.run.kb ?? null,
    },
    target: { name: a.target.name, file: a.target.file },
    host: hostname(),
    hosts: hostsOf(a.target, a.gates),
    started_at: a.started.toISOString(),
    finished_at: a.finished.toISOString(),
    date_utc: a.started.toISOString().slice(0, 10),
    outcome,
    gates: a.gates,
    criteria,
    changes: nonMutation.mutations.map((e) => ({
      seq: e.seq,
      action: e.action,
      target: e.target,
      host: e.host,
      scope: e.scope ?? 'deploy',
    })),
    non_mutation: nonMutation.rows.map((r) => ({ ...r, value: a.redact(r.value) })),
    forbidden: forbiddenAttestation(macro.forbidden, a.ledger.entries, gateFacts).map((r) => ({ ...r, text: a.redact(r.text) })),
    residue: computeResidue(macro.residue, a.gates),
    next: macro.next.map((n) => ({ step: n.step, what: n.what })),
    final_outcome: finalOutcome({
      macro,
      runId: a.run.id,
      outcome,
      gates: a.gates,
      production: nonMutation.productionMutation,
      signature,
      runDir: a.run.dir,
      baseDir: a.target.baseDir,
    }),
    files: {
      reports: a.gates.filter((g) => g.report).map((g) => g.report),
      final: finalFileName(a.numbered, macro.id),
      ledger: 'ledger.jsonl',
    },
    secret_leak: null,
    ledger_entries: a.ledger.entries.length,
  };
}
