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
  /** The message id of the kind's messages the gate reported (FAIL/BLOCKED always have one). */
  messageId?: string;
  checks: Check[];
  facts: Facts;
  evidence: Evidence[];
  report: string;
  timeoutS: number;
  startedAt: string | null;
  durationMs: number;
  reason?: string;
  crash?: { message: string; stack: string };
  /** What `run --resume` compares later: spec and params digests and the gate's input digests. */
  resume?: import('./resume.js').ResumeKey;
  /** Set when this record was reused from an earlier signed run instead of running. */
  reused?: { run_id: string; keyid: string; signed_at: string; report: string | null; why: string };
  /** On a resumed run: why this gate ran again instead of being reused. */
  rerun?: string;
  /** Every attempt, when the gate has `retry:` and ran more than once. */
  attempts?: Attempt[];
}

/** One attempt of a gate with `retry:`. */
export interface Attempt {
  n: number;
  status: string;
  summary: string;
  startedAt: string | null;
  durationMs: number;
}

/** A residue item as the run computed it (`basis: computed`) or as the macro declared it (`basis: declared`). */
export interface ResidueRow {
  id: string;
  status: 'OPEN' | 'PARTIAL' | 'CLOSED' | 'UNKNOWN';
  declared: 'OPEN' | 'PARTIAL' | 'CLOSED';
  basis: 'computed' | 'declared';
  /** The facts that decided it, or `declared (not checked)`. */
  evidence: string;
  note: string;
  next: string | null;
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
  /** Why the run did not end A (first line), or null. */
  reason: string | null;
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
  /** sha256: the target as loaded without `values:` (see targetDigest), compared by `--resume`. */
  target: { name: string; file: string | null; sha256: string };
  /** The earlier signed run this one resumed from, and its envelope's sha256 (also a signed input of the statement). */
  resumed_from: { run_id: string; dir: string; envelope_sha256: string; keyid: string } | null;
  host: string;
  /** The target's hosts the gates used, by role (the name in the target), with how they were reached. */
  hosts: { name: string; display: string }[];
  started_at: string;
  finished_at: string;
  date_utc: string;
  outcome: { code: OutcomeCode; text: string; stopped_at: string | null; reason: string | null };
  gates: GateRecord[];
  criteria: CriterionResult[];
  changes: { seq: number; action: string; target: string; host: string; scope: string }[];
  non_mutation: NonMutationRow[];
  /** What the observers saw: databases and hosts watched, and every change with how it is explained. */
  observed: import('./observe.js').Observed | null;
  forbidden: ForbiddenRow[];
  residue: ResidueRow[];
  next: { step: string; what: string }[];
  final_outcome: FinalOutcome;
  files: { reports: string[]; final: string; ledger: string };
  /** Set when the final secret scan found a secret value: the run was not signed. */
  secret_leak: string[] | null;
  ledger_entries: number;
}

export type { LedgerEntry };
