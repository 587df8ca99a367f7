// SQL proofs inside one transaction that is always rolled back, with independent before/after counts.
import { textOf } from '../src/text.js';
import { defineGate, results, type Check, type Evidence, type Facts, type FactValue, type TxRecord, type TxSql } from '../src/gate.js';
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
  /** Non-transactional changes the macro accepts explicitly; they are listed as accepted, never hidden. */
  accept?: { sequences?: string[] };
}

const messages = {
  allPass: '{passed}/{total} proofs passed on {db}; ROLLBACK; counts before={before} after={after}; probe rows leaked={leaked}',
  proofsFailed: '{failed} of {total} proofs failed on {db} (rolled back; counts before={before} after={after}; leaked={leaked})',
  countsChanged: 'row counts changed across a rolled-back transaction on {db}: {list}',
  leaked: '{leaked} probe row(s) present after the rolled-back transaction on {db}',
  txFailed: 'the proof transaction on {db} failed: {error} (rolled back)',
  identityChanged: 'a proof changed the session identity on {db}: {list}',
  sequencesConsumed: 'sequences changed during the rolled-back proofs on {db} (ROLLBACK does not undo them): {list}',
};
const { pass, fail } = results(messages);

// The ledger's outcome of the proof transaction, as the `transaction` fact states it.
function transactionFact(record: TxRecord | null): string {
  if (!record) return 'NOT STARTED';
  if (record.outcome === 'rolled-back') return 'ROLLBACK';
  if (record.outcome === 'error') return 'ROLLBACK (after error)';
  if (record.outcome === 'committed') return 'COMMIT';
  return record.outcome.toUpperCase();
}

// '+1' / '-2' are relative to the count before the transaction, '0' means unchanged, a number is absolute.
function expectedCount(spec: string | number, before: number): number {
  if (typeof spec === 'number') return spec;
  if (/^[+-]/.test(spec) || Number(spec) === 0) return before + Number(spec);
  return Number(spec);
}

export default defineGate<RollbackProofParams>({
  kind: 'rollback-proof',
  summary: 'Runs SQL proofs inside a transaction that is always rolled back; counts before and after on an independent connection',
  facts: {
    database: 'the database display',
    role: 'the role proofs ran as (null: the connection role)',
    proofs_passed: 'proofs that passed',
    proofs_total: 'proofs run',
    leaked: 'probe rows visible after ROLLBACK (must be 0)',
    counts_before: 'row counts before (independent connection)',
    counts_after: 'row counts after (independent connection)',
    counts_in_txn: 'row counts inside the transaction, per proof',
    counts_unchanged: 'counts after equal counts before',
    counts_table: 'before / in transaction / after per table',
    probes_before: 'probe values before',
    probes_after: 'probe values after',
    probes_table: 'before / after per probe',
    transaction: 'always ROLLBACK',
    transaction_error: 'an error that ended the transaction early (null: none)',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['database', 'tables', 'proofs'],
    properties: {
      database: { description: 'a database of the target', type: 'string', minLength: 1 },
      role: { description: 'SET LOCAL ROLE inside the transaction (default the connection role)', type: 'string', minLength: 1 },
      tables: {
        description: 'schema.table names counted before and after on an independent connection',
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: TABLE_PATTERN },
      },
      probes: { description: 'named scalar queries compared before and after', type: 'array', items: PROBE_SCHEMA },
      accept: {
        description: 'changes the proof may leave: sequences (schema.seq) whose values it consumes (nextval is never rolled back)',
        type: 'object',
        additionalProperties: false,
        properties: {
          sequences: {
            description: 'sequences accepted as consumed',
            type: 'array',
            uniqueItems: true,
            items: { type: 'string', pattern: TABLE_PATTERN },
          },
        },
      },
      proofs: {
        description: 'SQL proofs run in one transaction that is always rolled back',
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'sql'],
          properties: {
            name: { description: 'proof id shown in the report (PROOF-n)', type: 'string', minLength: 1 },
            sql: { description: 'statements run inside the transaction (no COMMIT, ROLLBACK or BEGIN)', type: 'string', minLength: 1 },
            params: { description: 'query parameters ($1, $2…)', type: 'array' },
            expect: {
              description: 'what must hold inside the transaction',
              type: 'object',
              additionalProperties: false,
              properties: {
                rows: { description: 'number of rows returned', type: 'integer', minimum: 0 },
                first: {
                  description: 'columns of the first row and their values',
                  type: 'object',
                  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
                },
                counts: {
                  description: 'row count of tables inside the transaction',
                  type: 'object',
                  propertyNames: { pattern: TABLE_PATTERN },
                  additionalProperties: {
                    anyOf: [
                      { type: 'string', pattern: '^[+-]?\\d+$' },
                      { type: 'integer', minimum: 0 },
                    ],
                  },
                },
                error: { description: 'the statement must fail with an error matching this', type: 'string', minLength: 1 },
              },
            },
          },
        },
      },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, params) {
    const h = ctx.db(params.database);
    const db = h.display;
    const proofTables = params.proofs.flatMap((p) => Object.keys(p.expect?.counts ?? {}));
    const tables = [...new Set([...params.tables, ...proofTables])];
    const probes = params.probes ?? [];

    const before = await countTables(h, tables);
    const probesBefore = await runProbes(h, probes);
    const { states: sequencesBefore, unreadable: sequencesUnreadable } = await h.sequences();

    interface Outcome {
      name: string;
      ok: boolean;
      detail: string;
      sql: string;
      rows: FactValue[];
      inTxn?: Record<string, number>;
      /** current_user read back before and after the proof, inside the transaction. */
      ranAs: string;
      endedAs: string;
    }
    const outcomes: Outcome[] = [];
    let txError: string | null = null;
    let txRecord: TxRecord | null = null;
    const whoAmI = async (tx: TxSql) => String((await tx<{ u: string }[]>`select current_user as u`)[0].u);
    try {
      await h.rollbackOnly(
        async (tx) => {
          for (const proof of params.proofs) {
            const ranAs = await whoAmI(tx);
            const o = await runProof(tx, proof, tables, before);
            const endedAs = await whoAmI(tx);
            // A function the guard cannot see into may switch roles; what matters is who the session is now.
            if (endedAs !== ranAs) {
              o.ok = false;
              o.detail = `the session identity changed from ${ranAs} to ${endedAs} during this proof; later proofs not run`;
            }
            outcomes.push({ ...o, ranAs, endedAs });
            if (ctx.signal.aborted || endedAs !== ranAs) break;
          }
        },
        {
          ...(params.role ? { role: params.role } : {}),
          onEnd: (record) => {
            txRecord = record;
          },
        },
      );
    } catch (e) {
      // Not reaching the server, or being cancelled, is not a proof result: let the runner report it.
      if (h.isConnectError(e) || ctx.signal.aborted) throw e;
      txError = (e as Error).message ?? String(e);
    }

    const after = await countTables(h, tables);
    const probesAfter = await runProbes(h, probes);
    const { states: sequencesAfter } = await h.sequences();
    const seqText = (x: { last_value: string; is_called: boolean } | undefined) =>
      x === undefined ? 'absent' : x.is_called ? x.last_value : `${x.last_value} (not called)`;
    const acceptList = new Set(params.accept?.sequences ?? []);
    const consumed = [...new Set([...Object.keys(sequencesBefore), ...Object.keys(sequencesAfter)])]
      .sort()
      .filter((s) => seqText(sequencesBefore[s]) !== seqText(sequencesAfter[s]))
      .map((s) => ({ sequence: s, before: seqText(sequencesBefore[s]), after: seqText(sequencesAfter[s]), accepted: acceptList.has(s) }));
    const unaccepted = consumed.filter((c) => !c.accepted);
    const identityChanged = outcomes.filter((o) => o.ranAs !== o.endedAs);
    const transaction = transactionFact(txRecord);
    // A probe counts rows that only a proof could have written: any present afterwards leaked.
    const leaked = Object.values(probesAfter).reduce((a, b) => a + b, 0);
    const changed = tables.filter((t) => before[t] !== after[t]).map((t) => `${t} ${before[t]}→${after[t]}`);
    const passed = outcomes.filter((o) => o.ok).length;
    const total = params.proofs.length;

    const checks: Check[] = params.proofs.map((p, i) => {
      const o = outcomes[i];
      if (!o) {
        const why = txError ?? (identityChanged.length ? 'an earlier proof changed the session identity' : 'aborted');
        return { id: `PROOF-${i + 1}`, status: 'FAIL', text: `${p.name} — not run (${why})` };
      }
      return { id: `PROOF-${i + 1}`, status: o.ok ? 'PASS' : 'FAIL', text: `${p.name} (as ${o.ranAs}) — ${o.detail}` };
    });
    const recorded = txRecord as TxRecord | null;
    checks.push({
      id: 'ROLLBACK',
      status: recorded?.outcome === 'rolled-back' ? 'PASS' : 'FAIL',
      text: txError
        ? `transaction failed; ledger #${recorded?.ledgerSeq ?? '?'} records ${transaction}: ${txError}`
        : `ledger #${recorded?.ledgerSeq ?? '?'} records the transaction ended with ${transaction}${recorded?.outcome === 'rolled-back' ? ' (never committed)' : ''}`,
    });
    const seqLine = (c: (typeof consumed)[number]) => `sequence ${c.sequence} ${c.before} → ${c.after}${c.accepted ? ' (accepted)' : ''}`;
    // Sequences this login may not read are not checked, and the line says so instead of claiming none changed.
    const unchecked = sequencesUnreadable.length ? `; not readable by this login, not checked: ${sequencesUnreadable.join(', ')}` : '';
    checks.push({
      id: 'SEQUENCES',
      status: unaccepted.length ? 'FAIL' : unchecked ? 'INFO' : 'PASS',
      text: consumed.length
        ? `changed while the proofs ran, not undone by ROLLBACK: ${consumed.map(seqLine).join(', ')}${unchecked}`
        : `no sequence changed (${Object.keys(sequencesAfter).length} read before and after on the independent connection)${unchecked}`,
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
      roles_observed: [...new Set(outcomes.flatMap((o) => [o.ranAs, o.endedAs]))],
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
      transaction,
      transaction_ledger_seq: recorded?.ledgerSeq ?? null,
      transaction_error: txError,
      sequences_consumed: consumed.map((c) => ({ sequence: c.sequence, before: c.before, after: c.after })),
      sequences_accepted: consumed.filter((c) => c.accepted).map((c) => c.sequence),
      sequences_unaccepted: unaccepted.map((c) => c.sequence),
      sequences_unchecked: sequencesUnreadable,
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
        title: `PROOF-${i + 1} ${o.name} (as ${o.ranAs}${o.endedAs !== o.ranAs ? `, ended as ${o.endedAs}` : ''})`,
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
    if (identityChanged.length) {
      const list = identityChanged.map((o) => `${o.name}: ${o.ranAs} → ${o.endedAs}`).join(', ');
      return fail({ messageId: 'identityChanged', data: { ...data, list }, ...body });
    }
    if (passed < total) return fail({ messageId: 'proofsFailed', data, ...body });
    if (changed.length) return fail({ messageId: 'countsChanged', data, ...body });
    if (leaked) return fail({ messageId: 'leaked', data, ...body });
    if (unaccepted.length) {
      const list = unaccepted.map(seqLine).join(', ');
      return fail({ messageId: 'sequencesConsumed', data: { ...data, list }, ...body });
    }
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
      const [row] = await tx.unsafe(countSql(t));
      inTxn[t] = Number(Object.values(row)[0]);
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
