// `plan` warnings: forbidden rules that can never be DONE under the macro's policy, so their NOT DONE proves nothing.
import type { Macro } from './types.js';

/** Ledger actions gaterun records (exec covers ssh, file.copy covers scp when a rule names them). */
export const LEDGER_ACTIONS = ['exec', 'ssh', 'scp', 'file.copy', 'file.read', 'file.list', 'db.tx', 'db.lock', 'db.count', 'run.lock'];

/** One warning per forbidden rule that cannot match anything a run of this macro records. */
export function unreachableRules(macro: Pick<Macro, 'forbidden' | 'mutation'>): string[] {
  const out: string[] = [];
  macro.forbidden.forEach((f, i) => {
    const r = f.ledger;
    if (!r) return;
    const at = `forbidden[${i}] "${f.name}"`;
    if (r.action && !LEDGER_ACTIONS.includes(r.action))
      out.push(`${at}: no gate records the ledger action "${r.action}" (known: ${LEDGER_ACTIONS.join(', ')}), so it can never be DONE`);
    if (r.action === 'db.tx' && r.mutating === true)
      out.push(
        `${at}: db.tx entries are never mutating (database writes are refused, proofs roll back), so it can never be DONE; watch the database with an observed rule instead`,
      );
    if (r.mutating === true && macro.mutation === 'none')
      out.push(
        `${at}: mutation: none refuses every mutating action before it happens, so it is enforced, never DONE (refused attempts are cited)`,
      );
  });
  return out;
}
