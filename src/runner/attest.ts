// Attestations computed from the ledger and the facts: non-mutation rows and forbidden-action rows.
import type { Facts } from '../gate.js';
import type { Ledger } from '../context/ledger.js';
import type { Macro } from '../macro/types.js';
import { evalCondition } from './outcome.js';
import type { AttestationRow, ForbiddenResult, GateRecord } from './types.js';

const cite = (seqs: number[]) => seqs.map((s) => `#${s}`).join(', ');

/** Non-mutation rows: what the ledger shows was (not) changed. */
export function nonMutationRows(ledger: Ledger, production: string): AttestationRow[] {
  const all = ledger.entries;
  const mut = ledger.mutations();
  const refused = all.filter((e) => e.outcome === 'refused');
  const db = all.filter((e) => e.action === 'db.tx');
  const rows: AttestationRow[] = [
    { name: 'production_mutation', value: production, evidence: mut.length ? `mutating ledger entries ${cite(mut.map((e) => e.seq))}` : `0 mutating entries among ${all.length} ledger entries` },
    { name: 'actions_recorded', value: String(all.length), evidence: summarize(all.map((e) => e.action)) || 'none' },
  ];
  if (db.length) rows.push({ name: 'database_transactions', value: summarize(db.map((e) => e.outcome)), evidence: `ledger ${cite(db.map((e) => e.seq))}` });
  rows.push({ name: 'refused_by_policy', value: String(refused.length), evidence: refused.length ? `ledger ${cite(refused.map((e) => e.seq))}` : `mutation policy: ${ledger.policy}` });
  return rows;
}

function summarize(items: string[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Forbidden-action rows: DONE / NOT DONE from ledger matches or facts; NOT CHECKED when there is no rule. */
export function forbiddenRows(macro: Macro, ledger: Ledger, gates: GateRecord[]): ForbiddenResult[] {
  const facts: Record<string, Facts> = Object.fromEntries(gates.map((g) => [g.id, g.facts]));
  return macro.forbidden.map((f) => {
    const reasons: string[] = [];
    let done = false;
    let checked = false;
    if (f.ledger) {
      checked = true;
      const re = f.ledger.matches ? new RegExp(f.ledger.matches) : null;
      const hits = ledger.entries.filter((e) => e.outcome !== 'refused' && (!f.ledger!.action || e.action === f.ledger!.action) && (!re || re.test(e.target)) && (f.ledger!.mutating === undefined || e.mutating === f.ledger!.mutating));
      if (hits.length) {
        done = true;
        reasons.push(`ledger ${cite(hits.map((e) => e.seq))}: ${hits[0].action} ${hits[0].target}`);
      } else {
        const n = ledger.entries.length;
        reasons.push(`no ledger entry matches${f.ledger.action ? ` action ${f.ledger.action}` : ''}${re ? ` /${f.ledger.matches}/` : ''} (checked ${n} entr${n === 1 ? 'y' : 'ies'}${n ? ` #1–#${n}` : ''})`);
      }
    }
    for (const c of f.done_if ?? []) {
      const r = evalCondition(c, facts, gates);
      const known = !r.text.includes('no such fact');
      if (known) checked = true;
      if (r.ok) done = true;
      reasons.push(r.text);
    }
    const status: ForbiddenResult['status'] = done ? 'DONE' : checked ? 'NOT DONE' : 'NOT CHECKED';
    return { name: f.name, status, evidence: reasons.join('; ') || 'no rule given: cannot be checked' };
  });
}
