// Computes the run's outcome, its PASS criteria and the final-outcome block from gate records and the ledger.
import type { Facts } from '../gate.js';
import type { Condition, Macro } from '../macro/types.js';
import type { CriterionResult, FinalOutcome, GateRecord, OutcomeCode } from './types.js';
import { evaluateCondition } from '../report/attest.js';
import { lookupFact } from '../macro/facts.js';

/** The outcome code and line: A all PASS and every criterion met, B blocked, C failed (a gate or a criterion), D aborted. */
export function computeOutcome(
  macro: Macro,
  gates: GateRecord[],
  criteria: CriterionResult[] = [],
  finallyGates: GateRecord[] = [],
): { code: OutcomeCode; text: string; stopped_at: string | null; reason: string | null } {
  const main = decide(macro, gates, criteria);
  // `finally:` gates never turn a C into an A; when every gate passed, a finally gate that did not is the outcome.
  const late = finallyGates.find((g) => g.status !== 'PASS');
  if (main.code !== 'A' || !late) return main;
  if (late.status === 'BLOCKED') return { code: 'B', text: `B — BLOCKED at ${late.id}`, stopped_at: late.id, reason: late.summary };
  return { code: 'C', text: `C — FAIL at ${late.id}`, stopped_at: late.id, reason: late.summary };
}

function decide(
  macro: Macro,
  gates: GateRecord[],
  criteria: CriterionResult[],
): { code: OutcomeCode; text: string; stopped_at: string | null; reason: string | null } {
  const stop = gates.find((g) => g.status !== 'PASS' && g.status !== 'NOT_RUN');
  if (!stop) {
    const notRun = gates.find((g) => g.status === 'NOT_RUN');
    if (notRun) return { code: 'D', text: `D — ABORTED before ${notRun.id}`, stopped_at: notRun.id, reason: notRun.reason ?? null };
    // Every gate passed, but A also promises every PASS criterion: a NO under an A would be a claim the data does not hold.
    const unmet = criteria.filter((c) => !c.met);
    if (unmet.length)
      return {
        code: 'C',
        text: `C — FAIL at PASS criteria (${unmet.map((c) => c.name).join(', ')})`,
        stopped_at: null,
        reason: unmet.map((c) => `${c.name}: ${c.evidence}`).join('; '),
      };
    return { code: 'A', text: `A — ${macro.outcome}`, stopped_at: null, reason: null };
  }
  if (stop.status === 'ABORTED') return { code: 'D', text: `D — ABORTED at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
  if (stop.status === 'BLOCKED') return { code: 'B', text: `B — BLOCKED at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
  return { code: 'C', text: `C — FAIL at ${stop.id}`, stopped_at: stop.id, reason: stop.summary };
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Evaluates one condition against the facts; returns whether it holds and a line saying why. */
export function evalCondition(c: Condition, facts: Record<string, Facts>, gates: GateRecord[]): { ok: boolean; text: string } {
  const { found, value } = lookupFact(facts, c.fact);
  const holds = evaluateCondition(c, facts);
  if (!found) {
    const g = gates.find((x) => x.id === c.fact.split('.')[0]);
    return {
      ok: holds === true,
      text: `${c.fact}: no such fact${g && g.status !== 'PASS' ? ` (${g.id} ${g.status.replace('_', ' ')})` : ''}`,
    };
  }
  const want: string[] = [];
  if ('equals' in c) want.push(show(c.equals));
  if ('not_equals' in c) want.push(`not ${show(c.not_equals)}`);
  if (c.gte !== undefined) want.push(`≥ ${c.gte}`);
  if (c.lte !== undefined) want.push(`≤ ${c.lte}`);
  if (c.matches !== undefined) want.push(`to match /${c.matches}/`);
  return { ok: holds === true, text: `${c.fact} = ${show(value)}${holds ? '' : ` (expected ${want.join(', ')})`}` };
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

/** The machine-readable final-outcome block (same keys in run.json and the final report). */
export function finalOutcome(a: {
  macro: Macro;
  runId: string;
  outcome: ReturnType<typeof computeOutcome>;
  gates: GateRecord[];
  production: string;
  signature: string;
}): FinalOutcome {
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
  const ordered: FinalOutcome = {
    final_outcome: block.final_outcome,
    macro: block.macro,
    run_id: block.run_id,
    stopped_at: block.stopped_at,
    production_mutation: block.production_mutation,
  } as FinalOutcome;
  for (const [key, ref] of Object.entries(a.macro.outcome_facts)) {
    const { found, value: v } = lookupFact(facts, ref);
    ordered[key] = !found ? 'UNKNOWN' : typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean | null);
  }
  ordered.signature = block.signature;
  ordered.next_action = block.next_action;
  return ordered;
}
