// What a run produces: one record per gate and the run as a whole (the shape of run.json).
import type { Check, Evidence, Facts, GateStatus } from '../gate.js';
import type { LedgerEntry } from '../context/ledger.js';
import type { ForbiddenRow, NonMutationRow } from '../report/attest.js';

export interface GateRecord {
  id: string;
  title: string;
  label: string;
  kind: string;
  host: string;
  /** PENDING: a finalize gate (kb-publish) that runs after the bundle is signed. */
  status: GateStatus | 'PENDING';
  summary: string;
  checks: Check[];
  facts: Facts;
  evidence: Evidence[];
  report: string;
  timeoutS: number;
  startedAt: string | null;
  durationMs: number;
  reason?: string;
  crash?: { message: string; stack: string };
}

export type OutcomeCode = 'A' | 'B' | 'C' | 'D';

export interface CriterionResult {
  name: string;
  met: boolean;
  evidence: string;
}

export interface FinalOutcome {
  final_outcome: string;
  macro: string;
  run_id: string;
  stopped_at: string | null;
  production_mutation: string;
  signature: string;
  next_action: string;
  [outcomeFact: string]: string | number | boolean | null;
}

export interface RunRecord {
  schema: 'gaterun/run@1';
  gaterun_version: string;
  run_id: string;
  macro: {
    id: string;
    name: string;
    title: string;
    summary: string | null;
    file: string;
    sha256: string;
    effort: string | null;
    mutation: string;
    outcome: string;
    kb: { path: string; tags: string[] } | null;
  };
  target: { name: string; file: string | null };
  host: string;
  started_at: string;
  finished_at: string;
  date_utc: string;
  outcome: { code: OutcomeCode; text: string; stopped_at: string | null; reason: string | null };
  gates: GateRecord[];
  criteria: CriterionResult[];
  changes: { seq: number; action: string; target: string; host: string; scope: string }[];
  non_mutation: NonMutationRow[];
  forbidden: ForbiddenRow[];
  residue: { id: string; status: string; note: string; next: string | null }[];
  next: { step: string; what: string }[];
  final_outcome: FinalOutcome;
  files: { reports: string[]; final: string; ledger: string };
  /** Set when the final secret scan found a secret value: the run was not signed. */
  secret_leak: string[] | null;
  ledger_entries: number;
}

export type { LedgerEntry };
