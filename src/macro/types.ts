// The shape of a macro file once loaded and checked.

export interface Condition {
  fact: string;
  equals?: unknown;
  not_equals?: unknown;
  gte?: number;
  lte?: number;
  matches?: string;
  exists?: boolean;
}

export interface GateSpec {
  id: string;
  title: string;
  label?: string;
  kind: string;
  host?: string;
  timeout?: number;
  /** Run again on FAIL/BLOCKED: `attempts` runs in all, `delay` seconds apart (never after the gate made a change). */
  retry?: { attempts: number; delay?: number };
  with?: Record<string, unknown>;
}

export interface Criterion {
  name: string;
  all?: Condition[];
  any?: Condition[];
}
export interface Forbidden {
  name: string;
  done_if?: Condition[];
  ledger?: { action?: string; matches?: string; mutating?: boolean };
  /** DONE when the observers saw an unexplained change that matches. */
  observed?: { source?: 'database' | 'files'; matches?: string };
}
export interface Residue {
  id: string;
  status: 'OPEN' | 'PARTIAL' | 'CLOSED';
  note: string;
  next?: string;
  /** CLOSED when every condition holds. */
  closed_if?: Condition[];
  /** OPEN when any condition holds. */
  open_if?: Condition[];
}
export interface NextStep {
  step: 'next' | 'then' | 'later';
  what: string;
}

export interface Macro {
  id: string;
  macro: string;
  title: string;
  summary?: string;
  effort?: 'low' | 'medium' | 'high';
  mutation: 'none' | 'source' | 'deploy';
  outcome: string;
  host?: string;
  kb?: { path: string; tags?: string[] };
  gates: GateSpec[];
  /** Gates that run whatever happened (kill-switch after, manifest still matches); never turn a C into an A. */
  finally: GateSpec[];
  criteria: Criterion[];
  forbidden: Forbidden[];
  residue: Residue[];
  next: NextStep[];
  next_action?: string;
  outcome_facts: Record<string, string>;
}

/** A macro plus where it came from. */
export interface LoadedMacro {
  macro: Macro;
  file: string;
  sha256: string;
}
