// Shared pieces of the PostgreSQL gate kinds: counting, probes, JSON-able rows, value matching.
import { textOf } from '../text.js';
import type { DbHandle, FactValue } from '../gate.js';
import { quoteQualified } from '../db/sql-quote.js';

/** `table` or `schema.table`, unquoted identifiers only (they are quoted when used). */
export const TABLE_PATTERN = '^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$';

/** JSON Schema of one probe: a query returning one number (rows that must not leak, e.g. probe addresses). */
export const PROBE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sql'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'name the value is recorded under' },
    sql: { type: 'string', minLength: 1, description: 'a query returning one number' },
    params: { type: 'array', description: 'query parameters ($1, $2…)' },
  },
} as const;

export interface Probe {
  name: string;
  sql: string;
  params?: unknown[];
}

/** The count(*) statement for a table. */
export function countSql(table: string): string {
  return `select count(*) from ${quoteQualified(table)}`;
}

/** The tables of the list that do not exist (or are not visible) on the handle's database. */
export async function missingTables(h: DbHandle, tables: string[]): Promise<string[]> {
  if (!tables.length) return [];
  return h.readOnly(async (sql) => {
    const rows = await sql<{ name: string }[]>`
      select t.name from unnest(${tables}::text[], ${tables.map(quoteQualified)}::text[]) as t(name, quoted)
      where to_regclass(t.quoted) is null`;
    return rows.map((r) => r.name);
  });
}

/** Row counts per table on the handle's independent connection. */
export async function countTables(h: DbHandle, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await h.count(countSql(t));
  return out;
}

/** Each probe's number on the independent connection. */
export async function runProbes(h: DbHandle, probes: Probe[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of probes) out[p.name] = await h.count(p.sql, p.params ?? []);
  return out;
}

/** A value as something JSON can carry into facts and evidence (dates as ISO, bytes as hex, bigint as text). */
export function jsonValue(v: unknown): FactValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return '\\x' + v.toString('hex');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object') {
    const o: Record<string, FactValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = jsonValue(x);
    return o;
  }
  return textOf(v);
}

/** Rows as plain JSON objects, at most `limit` of them. */
export function jsonRows(rows: readonly unknown[], limit = 20): FactValue[] {
  return rows.slice(0, limit).map(jsonValue);
}

/** Whether a returned value equals an expected one (numbers compare numerically: count(*) comes back as text). */
export function matchesValue(actual: unknown, expected: unknown): boolean {
  const a = jsonValue(actual);
  if (expected === null) return a === null;
  if (typeof expected === 'number') return a !== null && a !== '' && Number(a) === expected;
  if (typeof expected === 'boolean') return a === expected || textOf(a) === String(expected);
  if (typeof expected === 'string') return a !== null && (typeof a === 'object' ? JSON.stringify(a) : String(a)) === expected;
  return JSON.stringify(a) === JSON.stringify(expected);
}

/** `(158,165,60)` — the compact form the reference reports use. */
export function tuple(counts: Record<string, number>, tables: string[]): string {
  return `(${tables.map((t) => counts[t] ?? '?').join(',')})`;
}
