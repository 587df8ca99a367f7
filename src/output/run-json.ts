// `gaterun run --json` v1: the run's outcome and per-gate results as one JSON document (schemas/run-output.schema.json).
import { join } from 'node:path';
import type { FinalOutcome, GateRecord, OutcomeCode, RunRecord } from '../runner/types.js';

/** Bumped only for a change that breaks a reader of the document; new keys may be added within a version. */
export const RUN_JSON_FORMAT_VERSION = 1;

/** One gate in `--json` output. */
export interface RunJsonGate {
  id: string;
  title: string;
  label: string;
  kind: string;
  status: GateRecord['status'];
  summary: string;
  duration_ms: number;
  /** Path of the gate's report (run_dir joined with its file name); null for a gate that runs after signing. */
  report: string | null;
  /** True for gates that run after the bundle is signed (kb-publish). */
  after_signing: boolean;
  /** `--resume`: the run whose signed record this gate reused, else null. */
  reused_from: string | null;
  /** How many times the gate ran (more than 1 only with `retry:`). */
  attempts: number;
}

/** The `--json` v1 document of a run. */
export interface RunJson {
  format_version: 1;
  outcome: OutcomeCode;
  final_outcome: FinalOutcome;
  reason: string | null;
  stopped_at: string | null;
  run_id: string;
  macro: { id: string; name: string; title: string };
  run_dir: string;
  final_report: string;
  signed: boolean;
  /** The earlier run this one resumed from (`--resume`), else null. */
  resumed_from: string | null;
  gates: RunJsonGate[];
  criteria: { name: string; met: boolean; evidence: string }[];
  secret_leak: string[] | null;
}

/** Builds the `--json` v1 document from a finished run; `finalize` are the results of the gates run after signing. */
export function runJson(record: RunRecord, runDir: string, finalize: GateRecord[] = []): RunJson {
  const after = new Map(finalize.map((g) => [g.id, g]));
  return {
    format_version: RUN_JSON_FORMAT_VERSION,
    outcome: record.outcome.code,
    final_outcome: record.final_outcome,
    reason: record.outcome.reason,
    stopped_at: record.outcome.stopped_at,
    run_id: record.run_id,
    macro: { id: record.macro.id, name: record.macro.name, title: record.macro.title },
    run_dir: runDir,
    final_report: join(runDir, record.files.final),
    signed: record.final_outcome.signature !== 'UNSIGNED',
    resumed_from: record.resumed_from?.run_id ?? null,
    gates: record.gates.map((recorded) => {
      const g = after.get(recorded.id) ?? recorded;
      return {
        id: g.id,
        title: g.title,
        label: g.label,
        kind: g.kind,
        status: g.status,
        summary: g.summary,
        duration_ms: g.durationMs,
        report: recorded.report ? join(runDir, recorded.report) : null,
        after_signing: recorded.status === 'PENDING',
        reused_from: g.reused?.run_id ?? null,
        attempts: g.attempts?.length ?? (g.status === 'NOT_RUN' || g.status === 'PENDING' || g.reused ? 0 : 1),
      };
    }),
    criteria: record.criteria.map((c) => ({ name: c.name, met: c.met, evidence: c.evidence })),
    secret_leak: record.secret_leak,
  };
}
