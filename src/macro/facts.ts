// Fact lookup: `G4.leaked` in the facts gates produced (used by references, ctx.facts, criteria and attestations).
import type { FactValue, Facts } from '../gate.js';

/** Gate facts by gate id, as the runner holds them: `{G7: {execution_enabled: false}}`. */
export type GateFacts = Record<string, Facts>;

/** Looks up `Gx.name` (a dotted name is tried whole first, then as a path into nested objects). */
export function lookupFact(facts: GateFacts, ref: string): { found: boolean; value?: FactValue } {
  const dot = ref.indexOf('.');
  const gate = facts[ref.slice(0, dot)];
  const name = ref.slice(dot + 1);
  if (!gate || dot < 0) return { found: false };
  if (Object.prototype.hasOwnProperty.call(gate, name)) return { found: true, value: gate[name] };
  let cur: FactValue | undefined = gate;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, part))
      return { found: false };
    cur = (cur as Record<string, FactValue>)[part];
  }
  return { found: true, value: cur };
}
