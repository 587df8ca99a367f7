// Honest residue: each item's status computed from the run's facts (closed_if / open_if), or labelled declared.
import type { Facts } from '../gate.js';
import type { Residue } from '../macro/types.js';
import { evalCondition } from './outcome.js';
import type { GateRecord, ResidueRow } from './types.js';

/**
 * The residue rows of a run. With conditions: CLOSED when every closed_if holds, OPEN when an open_if holds, UNKNOWN
 * when a fact they need is missing (its gate did not run); otherwise the declared status, never CLOSED (a closed_if
 * that does not hold cannot leave an item closed). Without conditions: the declared status, "declared (not checked)".
 */
export function computeResidue(items: Residue[], gates: GateRecord[]): ResidueRow[] {
  const facts: Record<string, Facts> = Object.fromEntries(gates.map((g) => [g.id, g.facts]));
  return items.map((r) => {
    const base = { id: r.id, note: r.note, next: r.next ?? null, declared: r.status };
    if (!r.closed_if?.length && !r.open_if?.length)
      return { ...base, status: r.status, basis: 'declared', evidence: 'declared (not checked)' };
    const closed = (r.closed_if ?? []).map((c) => evalCondition(c, facts, gates));
    const open = (r.open_if ?? []).map((c) => evalCondition(c, facts, gates));
    const missing = [...closed, ...open].filter((x) => x.missing).map((x) => x.text);
    const evidence = [...closed, ...open].map((x) => x.text).join('; ');
    if (closed.length && closed.every((x) => x.ok))
      return { ...base, status: 'CLOSED', basis: 'computed', evidence: `closed: ${evidence}` };
    if (open.some((x) => x.ok))
      return {
        ...base,
        status: 'OPEN',
        basis: 'computed',
        evidence: `open: ${open
          .filter((x) => x.ok)
          .map((x) => x.text)
          .join('; ')}`,
      };
    if (missing.length) return { ...base, status: 'UNKNOWN', basis: 'computed', evidence: `cannot tell: ${missing.join('; ')}` };
    const status = r.status === 'CLOSED' ? 'OPEN' : r.status;
    return { ...base, status, basis: 'computed', evidence: `${closed.length ? 'not closed' : 'no open condition holds'}: ${evidence}` };
  });
}
