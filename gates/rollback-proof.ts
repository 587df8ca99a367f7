// SQL proofs inside one transaction that is always rolled back, with independent before/after counts.
import { textOf } from '../src/text.js';
import { defineGate, results, type Check, type Evidence, type Facts, type FactValue, type TxSql } from '../src/gate.js';
import { isConnectError, quoteQualified } from '../src/context/db.js';
import { isGaterunError } from '../src/errors.js';
import {
  countSql,
  countTables,
  jsonRows,
  jsonValue,
  matchesValue,
  PROBE_SCHEMA,
  runProbes,
  TABLE_PATTERN,
  tuple,
  type Probe,
} from '../src/pg/gate-support.js';

export interface ProofExpect {
  /** Number of rows the statement returns. */
  rows?: number;
  /** Column values of the first row. */
  first?: Record<string, string | number | boolean | null>;
  /** In-transaction counts after this proof: '+1' / '-2' relative to before, '0' unchanged, or an absolute number. */
  counts?: Record<string, string | number>;
  /** The statement must fail with an error containing this text (e.g. a trigger's refusal). */
  error?: string;
}

export interface Proof {
  name: string;
  sql: string;
  params?: unknown[];
  expect?: ProofExpect;
}

export interface RollbackProofParams {
  database: string;
  role?: string;
  tables: string[];
  probes?: Probe[];
  proofs: Proof[];
}

const messages = {
  allPass: '{passed}/{total} proofs passed on {db}; ROLLBACK; counts before={before} after={after}; probe rows leaked={leaked}',
  proofsFailed: '{failed} of {total} proofs failed on {db} (rolled back; counts before={before} after={after}; leaked={leaked})',
  countsChanged: 'row counts changed across a rolled-back transaction on {db}: {list}',
  leaked: '{leaked} probe row(s) present after the rolled-back transaction on {db}',
  txFailed: 'the proof transaction on {db} failed: {error} (rolled back)',
};
const { pass, fail } = results(messages);

// '+1' / '-2' are relative to the count before the transaction, '0' means unchanged, a number is absolute.
function expectedCount(spec: string | number, before: number): number {
  if (typeof spec === 'number') return spec;
  if (/^[+-]/.test(spec) || Number(spec) === 0) return before + Number(spec);
  return Number(spec);
}

export default defineGate<RollbackProofParams>({
  kind: 'rollback-proof',
  summary: 'Runs SQL proofs inside a transaction that is always rolled back; counts before and after on an independent connection',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['database', 'tables', 'proofs'],
    properties: {
      database: { type: 'string', minLength: 1 },
      role: { type: 'string', minLength: 1 },
      tables: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: TABLE_PATTERN } },
      probes: { type: 'array', items: PROBE_SCHEMA },
      proofs: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'sql'],
          properties: {
            name: { type: 'string', minLength: 1 },
            sql: { type: 'string', minLength: 1 },
            params: { type: 'array' },
            expect: {
              type: 'object',
              additionalProperties: false,
              properties: {
                rows: { type: 'integer', minimum: 0 },
                first: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
                counts: {
                  type: 'object',
                  propertyNames: { pattern: TABLE_PATTERN },
                  additionalProperties: {
                    anyOf: [
                      { type: 'string', pattern: '^[+-]?\\d+$' },
                      { type: 'integer', minimum: 0 },
                    ],
                  },
                },
                error: { type: 'string', minLength: 1 },
              },
            },
          },
        },
      },
    },
  },
  messages,
  async run(ctx, params) {
    const h = ctx.db(params.database);
    const db = h.display;
    const proofTables = params.proofs.flatMap((p) => Object.keys(p.expect?.counts ?? {}));
    const tables = [...new Set([...params.tables, ...proofTables])];
    const probes = params.probes ?? [];

    const before = await countTables(h, tables);
    const probesBefore = await runProbes(h, probes);

    interface Outcome {
      name: string;
      ok: boolean;
      detail: string;
      sql: string;
      rows: FactValue[];
      inTxn?: Record<string, number>;
    }
    const outcomes: Outcome[] = [];
    let txError: string | null = null;
    try {
      await h.rollbackOnly(
        async (tx) => {
          for (const proof of params.proofs) {
            outcomes.push(await runProof(tx, proof, tables, before));
            if (ctx.signal.aborted) break;
          }
        },
        params.role ? { role: params.role } : {},
      );
    } catch (e) {
      // Not reaching the server, or being cancelled, is not a proof result: let the runner report it.
      if (isConnectError(e) || (isGaterunError(e) && e.code === 'EDBCONNECT') || ctx.signal.aborted) throw e;
      txError = (e as Error).message ?? String(e);
    }

    const after = await countTables(h, tables);
    const probesAfter = await runProbes(h, probes);
    // A probe counts rows that only a proof could have written: any present afterwards leaked.
    const leaked = Object.values(probesAfter).reduce((a, b) => a + b, 0);
    const changed = tables.filter((t) => before[t] !== after[t]).map((t) => `${t} ${before[t]}→${after[t]}`);
    const passed = outcomes.filter((o) => o.ok).length;
    const total = params.proofs.length;

    const checks: Check[] = params.proofs.map((p, i) => {
      const o = outcomes[i];
      if (!o) return { id: `PROOF-${i + 1}`, status: 'FAIL', text: `${p.name} — not run (${txError ?? 'aborted'})` };
      return { id: `PROOF-${i + 1}`, status: o.ok ? 'PASS' : 'FAIL', text: `${p.name} — ${o.detail}` };
    });
    checks.push({
      id: 'ROLLBACK',
      status: txError ? 'FAIL' : 'PASS',
      text: txError ? `transaction failed and was rolled back: ${txError}` : 'transaction ended with ROLLBACK (never committed)',
    });
    checks.push({
      id: 'COUNTS',
      status: changed.length ? 'FAIL' : 'PASS',
      text: `counts before=${tuple(before, tables)} after=${tuple(after, tables)}${changed.length ? `; changed: ${changed.join(', ')}` : ''}`,
    });
    checks.push({
      id: 'LEAK',
      status: leaked ? 'FAIL' : 'PASS',
      text: `probe rows leaked=${leaked}${probes.length ? '' : ' (no probes declared)'}`,
    });

    const inTxnByProof: Record<string, FactValue> = {};
    for (const o of outcomes) if (o.inTxn) inTxnByProof[o.name] = o.inTxn;
    const lastInTxn: Record<string, number> = {};
    for (const o of outcomes) Object.assign(lastInTxn, o.inTxn ?? {});
    const facts: Facts = {
      database: db,
      role: params.role ?? null,
      proofs_passed: passed,
      proofs_total: total,
      leaked,
      counts_before: before,
      counts_after: after,
      counts_in_txn: inTxnByProof,
      counts_unchanged: changed.length === 0,
      counts_table: tables.map((t) => ({ table: t, before: before[t], in_txn: lastInTxn[t] ?? null, after: after[t] })),
      probes_before: probesBefore,
      probes_after: probesAfter,
      probes_table: probes.map((p) => ({ probe: p.name, before: probesBefore[p.name], after: probesAfter[p.name] })),
      transaction: 'ROLLBACK',
      transaction_error: txError,
    };
    const evidence: Evidence[] = [
      {
        kind: 'sql',
        title: `counts before (independent connection, ${db})`,
        sql: tables
          .map(countSql)
          .concat(probes.map((p) => p.sql))
          .join(';\n'),
        rows: [{ ...before, ...prefixed(probesBefore) }],
      },
      ...outcomes.map((o, i): Evidence => ({
        kind: 'sql',
        title: `PROOF-${i + 1} ${o.name}${params.role ? ` (as ${params.role})` : ''}`,
        sql: o.sql,
        rows: o.rows,
      })),
      {
        kind: 'sql',
        title: `counts after ROLLBACK (independent connection, ${db})`,
        sql: tables
          .map(countSql)
          .concat(probes.map((p) => p.sql))
          .join(';\n'),
        rows: [{ ...after, ...prefixed(probesAfter) }],
      },
    ];
    const data = {
      db,
      passed,
      total,
      failed: total - passed,
      before: tuple(before, tables),
      after: tuple(after, tables),
      leaked,
      list: changed.join(', '),
      error: txError ?? '',
    };
    const body = { checks, facts, evidence };
    if (txError) return fail({ messageId: 'txFailed', data, ...body });
    if (passed < total) return fail({ messageId: 'proofsFailed', data, ...body });
    if (changed.length) return fail({ messageId: 'countsChanged', data, ...body });
    if (leaked) return fail({ messageId: 'leaked', data, ...body });
    return pass({ messageId: 'allPass', data, ...body });
  },
});

function prefixed(probes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(probes).map(([k, v]) => [`probe:${k}`, v]));
}

// One proof inside its own savepoint, so an expected (or unexpected) error does not poison the rest.
async function runProof(tx: TxSql, proof: Proof, tables: string[], before: Record<string, number>) {
  const expect = proof.expect ?? {};
  let rows: readonly Record<string, unknown>[] = [];
  let error: string | null = null;
  try {
    rows = await tx.savepoint(
      async (sp) => sp.unsafe(proof.sql, (proof.params ?? []) as never[]) as unknown as Promise<Record<string, unknown>[]>,
    );
  } catch (e) {
    error = (e as Error).message ?? String(e);
  }
  const problems: string[] = [];
  const notes: string[] = [];
  if (expect.error !== undefined) {
    if (error === null) problems.push(`expected an error containing "${expect.error}", but it succeeded`);
    else if (!error.toLowerCase().includes(expect.error.toLowerCase()))
      problems.push(`expected an error containing "${expect.error}", got: ${error}`);
    else notes.push(`refused as expected: ${error}`);
  } else if (error !== null) {
    problems.push(`error: ${error}`);
  }
  if (error === null) {
    if (expect.rows !== undefined && rows.length !== expect.rows) problems.push(`expected ${expect.rows} row(s), got ${rows.length}`);
    for (const [col, want] of Object.entries(expect.first ?? {})) {
      const got = rows[0]?.[col];
      if (!rows[0] || !(col in rows[0])) problems.push(`no column ${col} in the first row`);
      else if (!matchesValue(got, want)) problems.push(`${col}=${JSON.stringify(jsonValue(got))}, expected ${JSON.stringify(want)}`);
      else notes.push(`${col}=${typeof want === 'string' ? JSON.stringify(textOf(jsonValue(got))) : textOf(jsonValue(got))}`);
    }
  }
  let inTxn: Record<string, number> | undefined;
  if (expect.counts) {
    inTxn = {};
    for (const t of tables) {
      const [{ n }] = await tx.unsafe(`select count(*) as n from ${quoteQualified(t)}`);
      inTxn[t] = Number(n);
    }
    for (const [t, spec] of Object.entries(expect.counts)) {
      const want = expectedCount(spec, before[t]);
      if (inTxn[t] !== want) problems.push(`${t} in-txn ${inTxn[t]}, expected ${want} (${spec})`);
      else notes.push(`${t} ${before[t]}→${inTxn[t]} in-txn`);
    }
  }
  const ok = problems.length === 0;
  return {
    name: proof.name,
    ok,
    detail: ok ? notes.join('; ') || `${rows.length} row(s)` : problems.join('; '),
    // Parameters travel with the statement so a reviewer can re-run it.
    sql: proof.params?.length ? `${proof.sql}\n-- params: ${JSON.stringify(proof.params)}` : proof.sql,
    rows: error !== null ? [{ error }] : jsonRows(rows),
    inTxn,
  };
}
