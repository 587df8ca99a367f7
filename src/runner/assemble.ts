// Phase `assemble`: the run record (run.json) from the gate records, the ledger and the macro; plain data in, data out.
import { hostname } from 'node:os';
import type { RunInfo, TargetInfo } from '../gate.js';
import { hostDisplay, resolveHost } from '../context/hosts.js';
import type { Ledger } from '../context/ledger.js';
import type { LoadedMacro } from '../macro/types.js';
import { version } from '../paths.js';
import { forbiddenAttestation, nonMutationAttestation, type NonMutationRow, type ObservedForRules } from '../report/attest.js';
import { finalFileName } from '../report/render-report.js';
import { computeOutcome, evalCriteria, finalOutcome } from './outcome.js';
import { computeResidue } from './residue.js';
import { targetDigest } from './resume.js';
import type { Observed } from './observe.js';
import { filesMethodByHost } from '../observe/files-method.js';
import type { GateRecord, RunRecord } from './types.js';

export interface AssembleInput {
  loaded: LoadedMacro;
  target: TargetInfo;
  run: RunInfo;
  ledger: Ledger;
  /** The macro's gates in order, then its `finally:` gates, then finalize gates (PENDING or NOT_RUN). */
  gates: GateRecord[];
  /** How many of `gates` belong to the main section (the outcome is decided there first). */
  mainCount: number;
  /** How many `finally:` gates follow them. */
  finallyCount: number;
  /** How many numbered reports there are (main + finally). */
  numbered: number;
  started: Date;
  finished: Date;
  redact: (s: string) => string;
  /** What the observers saw (null: nothing was observed, e.g. the run was blocked before the first gate). */
  observed?: Observed | null;
  /** The earlier signed run this one resumed from. */
  resumedFrom?: RunRecord['resumed_from'];
}

/** The hosts the gates ran on, by their name in the target, with `user@host:port` or `local`. */
function hostsOf(target: TargetInfo, gates: GateRecord[]): { name: string; display: string }[] {
  const names = [...new Set(gates.map((g) => g.host))];
  return names.map((name) => {
    try {
      return { name, display: hostDisplay(resolveHost(target, name)) };
    } catch {
      return { name, display: 'unknown host' };
    }
  });
}

/** Builds the run record: outcome, criteria, attestations, residue, next, and the final-outcome block. */
export function assemble(a: AssembleInput): RunRecord {
  const { macro } = a.loaded;
  const main = a.gates.slice(0, a.mainCount);
  const criteria = evalCriteria(macro, a.gates);
  const decided = computeOutcome(macro, main, criteria, a.gates.slice(a.mainCount, a.mainCount + a.finallyCount));
  const observedChanges = a.observed?.changes ?? [];
  const unexplained = observedChanges.filter((c) => c.status === 'unexplained');
  const accepted = observedChanges.filter((c) => c.status === 'accepted');
  // An unexplained change can never end A: the run fails at the gate the change followed.
  const ran = a.gates.filter((g) => g.status !== 'NOT_RUN' && g.status !== 'PENDING');
  const blame = unexplained.length ? (ran.find((g) => g.id === unexplained[0].after) ?? ran.at(-1)) : undefined;
  const outcome =
    decided.code === 'A' && unexplained.length && blame
      ? {
          code: 'C' as const,
          text: `C — FAIL at ${blame.id}`,
          stopped_at: blame.id,
          reason: `unexplained change: ${unexplained.map((c) => c.text).join('; ')}`,
        }
      : decided;
  const gateFacts = Object.fromEntries(a.gates.map((g) => [g.id, g.facts]));
  const nonMutation = nonMutationAttestation(a.ledger.entries, macro.mutation);
  const production = productionMutation(nonMutation.productionMutation, unexplained, accepted);
  const signature = a.run.signature ?? 'UNSIGNED';
  return {
    schema: 'gaterun/run@1',
    gaterun_version: version,
    run_id: a.run.id,
    macro: {
      id: macro.id,
      name: macro.macro,
      title: macro.title,
      summary: macro.summary ?? null,
      file: a.loaded.file,
      sha256: a.loaded.sha256,
      effort: macro.effort ?? null,
      mutation: macro.mutation,
      outcome: macro.outcome,
      kb: a.run.kb ?? null,
    },
    target: { name: a.target.name, file: a.target.file, sha256: targetDigest(a.target) },
    resumed_from: a.resumedFrom ?? null,
    host: hostname(),
    hosts: hostsOf(a.target, a.gates),
    started_at: a.started.toISOString(),
    finished_at: a.finished.toISOString(),
    date_utc: a.started.toISOString().slice(0, 10),
    outcome,
    gates: a.gates,
    criteria,
    changes: nonMutation.mutations.map((e) => ({
      seq: e.seq,
      action: e.action,
      target: e.target,
      host: e.host,
      scope: e.scope ?? 'deploy',
    })),
    non_mutation: observedRows(nonMutation.rows, a, production).map((r) => ({ ...r, value: a.redact(r.value) })),
    observed: a.observed ?? null,
    forbidden: forbiddenAttestation(macro.forbidden, a.ledger.entries, gateFacts, observedForRules(a.observed)).map((r) => ({
      ...r,
      text: a.redact(r.text),
    })),
    residue: computeResidue(macro.residue, a.gates),
    next: macro.next.map((n) => ({ step: n.step, what: n.what })),
    final_outcome: finalOutcome({
      macro,
      runId: a.run.id,
      outcome,
      gates: a.gates,
      production,
      signature,
      runDir: a.run.dir,
      baseDir: a.target.baseDir,
    }),
    files: {
      reports: a.gates.filter((g) => g.report).map((g) => g.report),
      final: finalFileName(a.numbered, macro.id),
      ledger: 'ledger.jsonl',
    },
    secret_leak: null,
    ledger_entries: a.ledger.entries.length,
  };
}

const listed = (cs: { text: string }[]) =>
  `${cs
    .slice(0, 5)
    .map((c) => c.text)
    .join('; ')}${cs.length > 5 ? `; and ${cs.length - 5} more` : ''}`;

/** production_mutation: NONE only when nothing changed that a permitted, ledgered action does not explain. */
function productionMutation(declared: string, unexplained: Observed['changes'], accepted: Observed['changes']): string {
  if (unexplained.length)
    return `YES — ${unexplained.length} unexplained observed change${unexplained.length === 1 ? '' : 's'}: ${listed(unexplained)}`;
  if (declared !== 'NONE') return declared;
  return accepted.length ? `NONE (${accepted.length} accepted by the macro: ${listed(accepted)})` : 'NONE';
}

/** The attestation rows: what the observers saw per database and host, then the ledger's rows (declared). */
function observedRows(ledgerRows: NonMutationRow[], a: AssembleInput, production: string): NonMutationRow[] {
  const rows: NonMutationRow[] = [];
  const obs = a.observed;
  const dbText = obs?.databases.length
    ? obs.databases
        .map((d) =>
          d.note
            ? `${d.name}: declared only (${d.note})`
            : `${d.name} (${d.display}): observed by ${d.method}, ${d.fingerprints} fingerprints of ${d.tables} tables, ${d.sequences} sequences and the catalog`,
        )
        .join('; ')
    : 'no database in the target';
  rows.push({ label: 'production_mutation', value: `${production} — ${dbText}`, ledger: [] });
  const changes = obs?.changes ?? [];
  for (const c of changes.filter((x) => x.status !== 'explained'))
    rows.push({ label: `observed ${c.status}`, value: `${c.where}: ${c.text} — ${c.by}`, ledger: [] });
  const protect = Object.fromEntries((obs?.hosts ?? []).filter((h) => !h.note).map((h) => [h.host, h.paths]));
  for (const h of filesMethodByHost(a.ledger.entries, protect))
    rows.push({
      label: `changes_outside_run_dir (${h.host})`,
      value: `${h.text}${h.protectedPaths && !changes.some((c) => c.source === 'files' && c.where === h.host) ? '; no change observed' : ''}`,
      ledger: [],
    });
  for (const h of obs?.hosts ?? []) if (h.note) rows.push({ label: `protected paths (${h.host})`, value: h.note, ledger: [] });
  return [
    ...rows,
    ...ledgerRows.filter((r) => r.label !== 'production_mutation').map((r) => ({ ...r, label: `${r.label} (declared, ledger)` })),
  ];
}

/** The observers' findings as the forbidden rules read them (null when nothing was observed). */
function observedForRules(o: Observed | null | undefined): ObservedForRules | null {
  if (!o) return null;
  const dbs = o.databases.filter((d) => !d.note).length;
  const paths = o.hosts.filter((h) => !h.note).reduce((n, h) => n + h.paths.length, 0);
  return {
    changes: o.changes,
    what: `fingerprints of ${dbs} database${dbs === 1 ? '' : 's'}, ${paths} protected path${paths === 1 ? '' : 's'}`,
  };
}
