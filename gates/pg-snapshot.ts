// Row counts of tables (and probe numbers), compared with expected counts or an earlier gate's snapshot.
import { defineGate, results, type Check, type Facts } from '../src/gate.js';
import { countSql, countTables, missingTables, PROBE_SCHEMA, runProbes, TABLE_PATTERN, type Probe } from '../src/pg/gate-support.js';

export interface PgSnapshotParams {
  database: string;
  tables: string[];
  probes?: Probe[];
  expect?: Record<string, number>;
  compare_with?: string;
}

const messages = {
  counted: 'counted {tables} tables on {db}',
  matches: 'row counts on {db} match {what}',
  differs: '{n} row-count difference(s) on {db} against {what}: {list}',
  noEarlier: '{gate} recorded no counts to compare with',
  noTable: '{n} table(s) to count do not exist on {db}: {list}',
};
const { pass, fail } = results(messages);

export default defineGate<PgSnapshotParams>({
  kind: 'pg-snapshot',
  summary: 'Counts rows of tables on an independent read-only connection and compares them with expected or earlier counts',
  facts: {
    database: 'the database display',
    counts: 'exact row count of each table',
    probes: 'value of each probe query',
    differences: 'with compare_with: how many counts differ',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['database', 'tables'],
    properties: {
      database: { description: 'a database of the target', type: 'string', minLength: 1 },
      tables: {
        description: 'schema.table names to count (exact count(*))',
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: TABLE_PATTERN },
      },
      probes: { description: 'named scalar queries recorded with the counts', type: 'array', items: PROBE_SCHEMA },
      expect: {
        description: 'expected counts by table: FAIL when any differs',
        type: 'object',
        propertyNames: { pattern: TABLE_PATTERN },
        additionalProperties: { type: 'integer', minimum: 0 },
      },
      compare_with: { description: 'an earlier pg-snapshot gate whose counts must be equal', type: 'string', minLength: 1 },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, params) {
    const h = ctx.db(params.database);
    const db = h.display;
    const earlierRaw = params.compare_with ? ctx.facts.get(params.compare_with, 'counts') : undefined;
    if (
      params.compare_with &&
      (earlierRaw === undefined || earlierRaw === null || typeof earlierRaw !== 'object' || Array.isArray(earlierRaw))
    ) {
      return fail({ messageId: 'noEarlier', data: { gate: params.compare_with } });
    }
    const earlier = earlierRaw as Record<string, number> | undefined;
    // Count every table the comparison mentions, so a table only in the expectation is not silently skipped.
    const tables = [...new Set([...params.tables, ...Object.keys(params.expect ?? {}), ...Object.keys(earlier ?? {})])];
    const missing = await missingTables(h, tables);
    if (missing.length) {
      return fail({
        messageId: 'noTable',
        data: { n: missing.length, db, list: missing.join(', ') },
        checks: missing.map((t) => ({ id: 'COUNT', status: 'FAIL' as const, text: `${t} does not exist` })),
        facts: { database: db, missing },
      });
    }
    const counts = await countTables(h, tables);
    const probes = await runProbes(h, params.probes ?? []);

    const against: string[] = [];
    if (params.expect) against.push('the expected counts');
    if (earlier) against.push(`${params.compare_with}'s counts`);
    const differences: string[] = [];
    const checks: Check[] = [];
    for (const t of tables) {
      const problems: string[] = [];
      const e = params.expect?.[t];
      if (e !== undefined && e !== counts[t]) problems.push(`expected ${e}`);
      if (earlier) {
        const before = earlier[t];
        if (before === undefined) problems.push(`not counted by ${params.compare_with}`);
        else if (before !== counts[t]) problems.push(`${params.compare_with} counted ${before}`);
      }
      differences.push(...problems.map((p) => `${t}: ${p}, got ${counts[t]}`));
      const compared = e !== undefined || earlier !== undefined;
      checks.push({
        id: 'COUNT',
        status: problems.length ? 'FAIL' : compared ? 'PASS' : 'INFO',
        text: `${t} = ${counts[t]}${problems.length ? ` (${problems.join('; ')})` : ''}`,
      });
    }
    for (const [name, n] of Object.entries(probes)) checks.push({ id: 'PROBE', status: 'INFO', text: `${name} = ${n}` });

    const facts: Facts = { database: db, counts, probes, differences: differences.length };
    const evidence = [
      {
        kind: 'sql' as const,
        title: `row counts on ${db}`,
        sql: [...tables.map(countSql), ...(params.probes ?? []).map((p) => p.sql)].join(';\n'),
        rows: [
          ...tables.map((t) => ({ table: t, count: counts[t] })),
          ...Object.entries(probes).map(([probe, count]) => ({ probe, count })),
        ],
      },
    ];
    const what = against.join(' and ');
    if (differences.length) {
      return fail({
        messageId: 'differs',
        data: { n: differences.length, db, what, list: differences.join('; ') },
        checks,
        facts,
        evidence,
      });
    }
    if (against.length) return pass({ messageId: 'matches', data: { db, what }, checks, facts, evidence });
    return pass({ messageId: 'counted', data: { tables: tables.length, db }, checks, facts, evidence });
  },
});
