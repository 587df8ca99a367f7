// Computes the run's outcome, its PASS criteria and the final-outcome block from gate records and the ledger.
import type { Facts } from '../gate.js';
import type { Ledger } from '../context/ledger.js';
import type { Condition, Macro } from '../macro/types.js';
import type { CriterionResult, FinalOutcome, GateRecord, OutcomeCode } from './types.js';
import { lookup } from '../macro/references.js';

/** The outcome code and line: A all PASS, B blocked, C failed, D aborted. */
export function computeOutcome(macro: Macro, gates: GateRecord[]): { code: OutcomeCode; text: string; stopped_at: string | null; reason: string | null } {
  const stop = gates.find((g) => g.status !== 'PASS' && g.status !== 'NOT_RUN');
  if (!stop) {
    const notRun = gates.find((g) => g.status === 'NOT_RUN');
    if (notRun) return { code: 'D', text: `D — ABORTED before ${notRun.id}`, stopped_at: notRun.id, reason: notRun.reason ?? null };
    return { code: 'A', text: `A — ${macro.outcome}`, stopped_at: null, reason: null };
  }
  if (stop.status === 'ABORTED') return { code: 'D', text: `D — ABORTED at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
  if (stop.status === 'BLOCKED') return { code: 'B', text: `B — BLOCKED at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
  return { code: 'C', text: `C — FAIL at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
}

/** Reads `Gx.name.sub` from the gates' facts. */
export function factValue(facts: Record<string, Facts>, ref: string): unknown {
  const [gid, ...rest] = ref.split('.');
  return lookup(facts[gid], rest.join('.'));
}

const same = (a: unknown, b: unknown) => a === b || (a !== null && b !== null && typeof a !== 'object' && typeof b !== 'object' && String(a) === String(b));
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Evaluates one condition against the facts; returns whether it holds and a line saying why. */
export function evalCondition(c: Condition, facts: Record<string, Facts>, gates: GateRecord[]): { ok: boolean; text: string } {
  const v = factValue(facts, c.fact);
  if (c.exists !== undefined) return { ok: (v !== undefined) === c.exists, text: `${c.fact} ${v === undefined ? 'absent' : 'present'}` };
  if (v === undefined) {
    const g = gates.find((x) => x.id === c.fact.split('.')[0]);
    return { ok: false, text: `${c.fact}: no such fact${g && g.status !== 'PASS' ? ` (${g.id} ${g.status.replace('_', ' ')})` : ''}` };
  }
  const fails: string[] = [];
  if ('equals' in c && !same(v, c.equals)) fails.push(`expected ${show(c.equals)}`);
  if ('not_equals' in c && same(v, c.not_equals)) fails.push(`expected not ${show(c.not_equals)}`);
  if (c.gte !== undefined && !(Number(v) >= c.gte)) fails.push(`expected ≥ ${c.gte}`);
  if (c.lte !== undefined && !(Number(v) <= c.lte)) fails.push(`expected ≤ ${c.lte}`);
  if (c.matches !== undefined && !new RegExp(c.matches).test(String(v))) fails.push(`expected to match /${c.matches}/`);
  return { ok: fails.length === 0, text: `${c.fact} = ${show(v)}${fails.length ? ` (${fails.join(', ')})` : ''}` };
}

/** Evaluates the macro's PASS criteria (YES only when the facts hold). */
export function evalCriteria(macro: Macro, gates: GateRecord[]): CriterionResult[] {
  const facts = Object.fromEntries(gates.map((g) => [g.id, g.facts]));
  return macro.criteria.map((c) => {
    const conds = (c.all ?? c.any)!;
    const results = conds.map((x) => evalCondition(x, facts, gates));
    const met = c.all ? results.every((r) => r.ok) : results.some((r) => r.ok);
    return { name: c.name, met, evidence: results.map((r) => r.text).join('; ') };
  });
}

/** `NONE` when the ledger holds no change outside the run directory, else what changed. */
export function productionMutation(ledger: Ledger): string {
  const m = ledger.mutations();
  return m.length ? `YES — ${m.length} mutating action${m.length > 1 ? 's' : ''} (${m.map((e) => `#${e.seq}`).join(', ')})` : 'NONE';
}

/** The machine-readable final-outcome block (same keys in run.json and the final report). */
export function finalOutcome(a: { macro: Macro; runId: string; outcome: ReturnType<typeof computeOutcome>; gates: GateRecord[]; production: string; signature: string }): FinalOutcome {
  const facts = Object.fromEntries(a.gates.map((g) => [g.id, g.facts]));
  const block: FinalOutcome = {
    final_outcome: a.outcome.text,
    macro: a.macro.macro,
    run_id: a.runId,
    stopped_at: a.outcome.stopped_at,
    production_mutation: a.production,
    signature: a.signature,
    next_action: a.macro.next_action ?? 'STOP -> route to GPT / User',
  };
  const ordered: FinalOutcome = { final_outcome: block.final_outcome, macro: block.macro, run_id: block.run_id, stopped_at: block.stopped_at, production_mutation: block.production_mutation } as FinalOutcome;
  for (const [key, ref] of Object.entries(a.macro.outcome_facts)) {
    const v = factValue(facts, ref);
    ordered[key] = v === undefined ? 'UNKNOWN' : typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean | null);
  }
  ordered.signature = block.signature;
  ordered.next_action = block.next_action;
  return ordered;
}
