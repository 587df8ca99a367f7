// Non-mutation and forbidden-action attestations computed from the ledger and gate facts, each row citing its evidence.
import { textOf } from '../text.js';
import type { FactValue } from '../gate.js';
import { lookupFact, type GateFacts } from '../macro/facts.js';
import { isMutation, type LedgerEntry, type MutationPolicy } from '../context/ledger.js';
import type { Condition, Forbidden } from '../macro/types.js';

/** A forbidden item's ledger rule: DONE when an entry matches every given field. */
type LedgerRule = NonNullable<Forbidden['ledger']>;

export type ForbiddenStatus = 'NOT DONE' | 'DONE' | 'NOT CHECKED';

export interface ForbiddenRow {
  name: string;
  status: ForbiddenStatus;
  /** `NOT DONE — no ledger entry matches /systemctl/ (checked 42 entries #1–#42)`. */
  text: string;
  /** Ledger entries cited (matches, or refused attempts). */
  ledger: number[];
  /** Facts cited, as `G7.execution_enabled = False` (or `= (missing)`). */
  facts: string[];
}

export interface NonMutationRow {
  label: string;
  value: string;
  ledger: number[];
}

export interface NonMutationAttestation {
  /** `NONE`, or a count such as `2 actions` — the value for the final-outcome block. */
  productionMutation: string;
  mutations: LedgerEntry[];
  refused: LedgerEntry[];
  dbTransactions: LedgerEntry[];
  rows: NonMutationRow[];
}

export type { GateFacts };

const MAX_CITED = 8;

const list = (seqs: number[]): string => {
  const shown = seqs
    .slice(0, MAX_CITED)
    .map((s) => `#${s}`)
    .join(', ');
  return seqs.length > MAX_CITED ? `${shown} and ${seqs.length - MAX_CITED} more` : shown;
};

const range = (entries: LedgerEntry[]): string =>
  entries.length === 0
    ? 'checked 0 entries'
    : `checked ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} #${entries[0].seq}–#${entries[entries.length - 1].seq}`;

const describeEntry = (e: LedgerEntry): string => `#${e.seq}: ${e.action} ${e.target}${e.outcome !== 'ok' ? ` (${e.outcome})` : ''}`;

// Facts come from Python-ish tools as 'True'/'False' strings or as booleans; compare those across types.
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === typeof b) return JSON.stringify(a) === JSON.stringify(b);
  const prim = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  return prim(a) && prim(b) && String(a).toLowerCase() === String(b).toLowerCase();
}

/** Evaluates one condition; `undefined` when the fact is missing and the condition is not about existence. */
export function evaluateCondition(cond: Condition, facts: GateFacts): boolean | undefined {
  const { found, value } = lookupFact(facts, cond.fact);
  if (cond.exists !== undefined && !found) return !cond.exists;
  if (!found) return undefined;
  const checks: boolean[] = [];
  if (cond.exists !== undefined) checks.push(cond.exists);
  if ('equals' in cond) checks.push(sameValue(value, cond.equals));
  if ('not_equals' in cond) checks.push(!sameValue(value, cond.not_equals));
  if (cond.gte !== undefined) checks.push(typeof value === 'number' && value >= cond.gte);
  if (cond.lte !== undefined) checks.push(typeof value === 'number' && value <= cond.lte);
  if (cond.matches !== undefined) checks.push(new RegExp(cond.matches).test(textOf(value)));
  return checks.every(Boolean);
}

const showValue = (v: FactValue | undefined) => (typeof v === 'string' ? v : JSON.stringify(v));

function describeCondition(cond: Condition): string {
  const parts: string[] = [];
  if ('equals' in cond) parts.push(`= ${showValue(cond.equals as FactValue)}`);
  if ('not_equals' in cond) parts.push(`≠ ${showValue(cond.not_equals as FactValue)}`);
  if (cond.gte !== undefined) parts.push(`≥ ${cond.gte}`);
  if (cond.lte !== undefined) parts.push(`≤ ${cond.lte}`);
  if (cond.matches !== undefined) parts.push(`~ /${cond.matches}/`);
  if (cond.exists !== undefined) parts.push(cond.exists ? 'exists' : 'is absent');
  return `${cond.fact} ${parts.join(' and ')}`;
}

function describeRule(rule: LedgerRule): string {
  const parts: string[] = [];
  if (rule.mutating !== undefined) parts.push(rule.mutating ? 'mutating' : 'non-mutating');
  if (rule.action) parts.push(rule.action);
  if (rule.matches) parts.push(`/${rule.matches}/`);
  return parts.join(' ') || 'any entry';
}

/** Ledger actions that are one kind of action on any host: a rule on `exec` also sees remote commands (`ssh`). */
const ACTION_FAMILY: Record<string, string[]> = { exec: ['exec', 'ssh'], 'file.copy': ['file.copy', 'scp'] };

/** True when an entry's action is the rule's action, or one of its family (exec covers ssh, file.copy covers scp). */
function actionMatches(ruleAction: string, entryAction: string): boolean {
  return (ACTION_FAMILY[ruleAction] ?? [ruleAction]).includes(entryAction);
}

/** True when a ledger entry matches a rule (every given field). */
export function entryMatches(rule: LedgerRule, entry: LedgerEntry, re = rule.matches ? new RegExp(rule.matches) : null): boolean {
  if (rule.action !== undefined && !actionMatches(rule.action, entry.action)) return false;
  if (rule.mutating !== undefined && entry.mutating !== rule.mutating) return false;
  if (re && !re.test(entry.target)) return false;
  return true;
}

/** What a rule looked at: the entries its action (and mutating flag) select, before the pattern is applied. */
function examined(rule: LedgerRule, entries: LedgerEntry[]): string {
  const pool = entries.filter((e) => entryMatches({ action: rule.action, mutating: rule.mutating }, e));
  const what = [rule.mutating === undefined ? '' : rule.mutating ? 'mutating' : 'non-mutating', rule.action ?? '']
    .filter(Boolean)
    .join(' ');
  const noun = `${what ? `${what} ` : ''}entr${pool.length === 1 ? 'y' : 'ies'}`;
  return pool.length ? `examined ${pool.length} ${noun}: ${list(seqs(pool))}` : `examined 0 ${noun} (none in the ledger)`;
}

/** What the observers saw, as forbidden rules read it: each change and a line on what was watched. */
export interface ObservedForRules {
  changes: { source: 'database' | 'files'; where: string; text: string; status: string }[];
  /** e.g. `fingerprints of 1 database, 2 protected paths`. */
  what: string;
}

/** The Forbidden-action attestation: one row per `forbidden:` item, DONE / NOT DONE / NOT CHECKED with its citation. */
export function forbiddenAttestation(
  rules: Forbidden[],
  entries: LedgerEntry[],
  facts: GateFacts,
  observed: ObservedForRules | null = null,
): ForbiddenRow[] {
  return rules.map((rule) => {
    const row: ForbiddenRow = { name: rule.name, status: 'NOT CHECKED', text: '', ledger: [], facts: [] };
    const evidence: string[] = [];
    let unknown: string[] = [];

    if (rule.observed) {
      if (!observed) unknown.push('the observers (nothing was observed)');
      else {
        const re = rule.observed.matches ? new RegExp(rule.observed.matches) : null;
        const pool = observed.changes.filter((c) => !rule.observed!.source || c.source === rule.observed!.source);
        const hits = pool.filter((c) => c.status === 'unexplained' && (!re || re.test(c.text)));
        if (hits.length) {
          row.status = 'DONE';
          row.text = `DONE — observed: ${hits
            .slice(0, 3)
            .map((c) => `${c.where}: ${c.text}`)
            .join('; ')}${hits.length > 3 ? `; and ${hits.length - 3} more` : ''}`;
          return row;
        }
        evidence.push(
          `no unexplained observed change${re ? ` matches /${rule.observed.matches}/` : ''} (examined ${observed.what}; ${pool.length} change${pool.length === 1 ? '' : 's'} seen, all explained or accepted)`,
        );
      }
    }

    if (rule.ledger) {
      const re = rule.ledger.matches ? new RegExp(rule.ledger.matches) : null;
      const hits = entries.filter((e) => entryMatches(rule.ledger!, e, re));
      // A refused attempt was stopped before it happened: it is cited, but it is not the forbidden action done.
      const done = hits.filter((e) => e.outcome !== 'refused');
      const refused = hits.filter((e) => e.outcome === 'refused');
      if (done.length) {
        row.status = 'DONE';
        row.ledger = done.map((e) => e.seq);
        const shown = done.slice(0, 3).map((e, i) => (i === 0 ? `ledger ${describeEntry(e)}` : describeEntry(e)));
        row.text = `DONE — ${shown.join('; ')}${done.length > 3 ? `; and ${done.length - 3} more (${list(row.ledger.slice(3))})` : ''}`;
        return row;
      }
      row.ledger = refused.map((e) => e.seq);
      evidence.push(
        `no ledger entry matches ${describeRule(rule.ledger)} (${examined(rule.ledger, entries)})` +
          (refused.length
            ? `; ${refused.length} attempt${refused.length === 1 ? ' was' : 's were'} refused before ${refused.length === 1 ? 'it' : 'they'} happened (${list(row.ledger)})`
            : ''),
      );
    }

    for (const cond of rule.done_if ?? []) {
      const { found, value } = lookupFact(facts, cond.fact);
      row.facts.push(`${cond.fact} = ${found ? showValue(value) : '(missing)'}`);
      const holds = evaluateCondition(cond, facts);
      if (holds === true) {
        row.status = 'DONE';
        row.text = `DONE — ${cond.fact} = ${found ? showValue(value) : '(missing)'} (done if ${describeCondition(cond)})`;
        return row;
      }
      if (holds === undefined) unknown.push(cond.fact);
      else evidence.push(`${cond.fact} = ${showValue(value)}`);
    }
    unknown = [...new Set(unknown)];

    if (!rule.ledger && !rule.done_if?.length && !rule.observed) {
      row.text = 'NOT CHECKED — no ledger rule, observed rule or fact condition in the macro';
    } else if (unknown.length) {
      row.text = `NOT CHECKED — ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} missing (gate not run or fact not reported)${evidence.length ? `; ${evidence.join('; ')}` : ''}`;
    } else {
      row.status = 'NOT DONE';
      row.text = `NOT DONE — ${evidence.join('; ')}`;
    }
    return row;
  });
}

/**
 * The Non-mutation attestation. production_mutation is NONE only when no ledger entry is a mutating action
 * outside the run dir that was not refused; a rolled-back db.tx left nothing behind and is listed under db
 * transactions instead.
 */
export function nonMutationAttestation(entries: LedgerEntry[], policy: MutationPolicy): NonMutationAttestation {
  const isRolledBackTx = (e: LedgerEntry) => e.action === 'db.tx' && e.outcome === 'rolled-back';
  const mutations = entries.filter((e) => isMutation(e) && !isRolledBackTx(e));
  const refused = entries.filter((e) => e.outcome === 'refused');
  const dbTransactions = entries.filter((e) => e.action === 'db.tx');
  const runWrites = entries.filter((e) => e.mutating && e.scope === 'run' && e.outcome !== 'refused');

  // Production means data: a permitted deploy or source change is reported as a change, not as a production mutation
  // (the hand-written O8B report: deployed tree updated, production_mutation NONE). A surviving db write is one.
  const production = mutations.filter((e) => e.scope === 'db');
  const changes = mutations.filter((e) => e.scope !== 'db');
  const productionMutation =
    production.length === 0
      ? 'NONE'
      : `YES — ${production.length} database write${production.length === 1 ? '' : 's'} (${list(seqs(production))})`;
  const rows: NonMutationRow[] = [];
  rows.push(
    production.length === 0
      ? { label: 'production_mutation', value: `NONE — no database write survived the run (${range(entries)})`, ledger: [] }
      : {
          label: 'production_mutation',
          value: `${productionMutation}: ${production.slice(0, 5).map(describeEntry).join('; ')}${production.length > 5 ? `; and ${production.length - 5} more` : ''}`,
          ledger: seqs(production),
        },
  );
  rows.push(
    changes.length === 0
      ? { label: 'changes_outside_run_dir', value: 'none', ledger: [] }
      : {
          label: 'changes_outside_run_dir',
          value: `${changes.length}: ${changes
            .slice(0, 5)
            .map((e) => `${describeEntry(e)} [${e.scope ?? 'deploy'}]`)
            .join('; ')}${changes.length > 5 ? `; and ${changes.length - 5} more` : ''}`,
          ledger: seqs(changes),
        },
  );

  const byScope = (scope: string) => mutations.filter((e) => (e.scope ?? 'deploy') === scope);
  const outside =
    policy === 'none' ? mutations : policy === 'source' ? mutations.filter((e) => (e.scope ?? 'deploy') !== 'source') : byScope('db');
  rows.push({
    label: 'mutation_policy',
    value:
      `${policy} — ${outside.length === 0 ? 'no action outside the policy' : `${outside.length} action${outside.length === 1 ? '' : 's'} outside the policy (${list(seqs(outside))})`}` +
      `; ${refused.length === 0 ? 'nothing refused' : `${refused.length} refused before ${refused.length === 1 ? 'it' : 'they'} happened (${list(seqs(refused))})`}`,
    ledger: [...seqs(outside), ...seqs(refused)],
  });

  rows.push({ label: 'db_transactions', value: describeTransactions(dbTransactions), ledger: seqs(dbTransactions) });
  rows.push({
    label: 'run_dir_writes',
    value: runWrites.length === 0 ? 'none' : `${runWrites.length} (${list(seqs(runWrites))}) — inside the run directory only`,
    ledger: seqs(runWrites),
  });
  return { productionMutation, mutations, refused, dbTransactions, rows };
}

function describeTransactions(txs: LedgerEntry[]): string {
  if (txs.length === 0) return 'none';
  const outcomes = new Map<string, number[]>();
  for (const e of txs) outcomes.set(e.outcome, [...(outcomes.get(e.outcome) ?? []), e.seq]);
  const n = `${txs.length} transaction${txs.length === 1 ? '' : 's'}`;
  if (outcomes.size === 1 && outcomes.has('rolled-back')) {
    return `${txs.length} rollback-only transaction${txs.length === 1 ? '' : 's'}, ${txs.length === 1 ? 'rolled back' : 'all rolled back'} (${list(seqs(txs))})`;
  }
  return `${n}: ${[...outcomes].map(([outcome, s]) => `${s.length} ${outcome} (${list(s)})`).join(', ')}`;
}

function seqs(es: LedgerEntry[]): number[] {
  return es.map((e) => e.seq);
}

/** Reads ledger.jsonl text into entries (blank lines ignored). */
export function parseLedger(jsonl: string): LedgerEntry[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as LedgerEntry;
      } catch (e) {
        throw new Error(`ledger line ${i + 1} is not JSON: ${(e as Error).message}`);
      }
    });
}
