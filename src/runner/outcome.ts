// Computes the run's outcome, its PASS criteria and the final-outcome block from gate records and the ledger.
import type { Facts } from '../gate.js';
import { toBlockPath } from '../files/block-path.js';
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
export function evalCondition(
  c: Condition,
  facts: Record<string, Facts>,
  gates: GateRecord[],
): { ok: boolean; text: string; missing: boolean } {
  const { found, value } = lookupFact(facts, c.fact);
  const holds = evaluateCondition(c, facts);
  if (!found) {
    const g = gates.find((x) => x.id === c.fact.split('.')[0]);
    return {
      ok: holds === true,
      missing: holds === undefined,
      text: `${c.fact}: no such fact${g && g.status !== 'PASS' ? ` (${g.id} ${g.status.replace('_', ' ')})` : ''}`,
    };
  }
  const want: string[] = [];
  if ('equals' in c) want.push(show(c.equals));
  if ('not_equals' in c) want.push(`not ${show(c.not_equals)}`);
  if (c.gte !== undefined) want.push(`≥ ${c.gte}`);
  if (c.lte !== undefined) want.push(`≤ ${c.lte}`);
  if (c.matches !== undefined) want.push(`to match /${c.matches}/`);
  return { ok: holds === true, missing: false, text: `${c.fact} = ${show(value)}${holds ? '' : ` (expected ${want.join(', ')})`}` };
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

/** A fact's value in the block: itself when found where the macro says; else the last value an earlier gate reported, with where from. */
function outcomeFact(ref: string, facts: Record<string, Facts>, gates: GateRecord[]): string | number | boolean | null {
  const { found, value } = lookupFact(facts, ref);
  if (found) return typeof value === 'object' && value !== null ? JSON.stringify(value) : value!;
  const [gid, ...rest] = ref.split('.');
  const name = rest.join('.');
  const g = gates.find((x) => x.id === gid);
  const why = `${gid} ${g ? g.status.replace('_', ' ').toLowerCase() : 'missing'}`;
  const ran = gates.filter((x) => x.id !== gid && x.status !== 'NOT_RUN' && x.status !== 'PENDING');
  for (const other of ran.reverse()) {
    const hit = lookupFact(facts, `${other.id}.${name}`);
    if (hit.found) return `${typeof hit.value === 'string' ? hit.value : JSON.stringify(hit.value)} (${other.id}; ${why})`;
  }
  return `UNKNOWN (${why})`;
}

/** The machine-readable final-outcome block (same keys in run.json and the final report). */
export function finalOutcome(a: {
  macro: Macro;
  runId: string;
  outcome: ReturnType<typeof computeOutcome>;
  gates: GateRecord[];
  production: string;
  signature: string;
  runDir?: string;
  baseDir?: string;
}): FinalOutcome {
  const facts = Object.fromEntries(a.gates.map((g) => [g.id, g.facts]));
  const block = {
    final_outcome: a.outcome.text,
    macro: a.macro.macro,
    run_id: a.runId,
    stopped_at: a.outcome.stopped_at,
    reason: a.outcome.reason ? a.outcome.reason.split('\n')[0] : null,
    production_mutation: a.production,
  } as FinalOutcome;
  for (const [key, ref] of Object.entries(a.macro.outcome_facts)) {
    const v = outcomeFact(ref, facts, a.gates);
    block[key] = typeof v === 'string' ? toBlockPath(v, a) : v;
  }
  block.signature = a.signature;
  block.next_action = a.macro.next_action ?? 'STOP';
  return block;
}
