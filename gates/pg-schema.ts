// Tables, functions (with the sha256 of their definition) and triggers exist as the macro expects.
import { catalogInput } from '../src/checks/input-digest.js';
import { createHash } from 'node:crypto';
import { defineGate, results, type Check, type Evidence, type FactValue, type TxSql } from '../src/gate.js';
import { TABLE_PATTERN } from '../src/pg/gate-support.js';

export interface FunctionSpec {
  /** `schema.name` or `name` (search_path). */
  name: string;
  /** Arguments as psql shows them (`text, text` or `p_id integer, OUT n integer`); without it the name must be unique. */
  args?: string;
  /** Expected sha256 (hex) of pg_get_functiondef. */
  sha256?: string;
}

export interface PgSchemaParams {
  database: string;
  tables?: string[];
  functions?: FunctionSpec[];
  triggers?: { table: string; name: string }[];
}

const messages = {
  present: '{tables} table(s), {functions} function(s), {triggers} trigger(s) present on {db}',
  problems: '{n} schema problem(s) on {db}: {list}',
};
const { pass, fail } = results(messages);

/** An argument list compared loosely: case, spaces around commas and parentheses, repeated spaces. */
function normArgs(args: string): string {
  const text = args.includes('"') ? args : args.toLowerCase();
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s*([,()[\]])\s*/g, '$1')
    .trim();
}

/** The input parameters of an argument list with their names: OUT parameters and DEFAULT values left out. */
function inputArgs(full: string): string {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= full.length; i++) {
    const c = full[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === full.length) {
      parts.push(full.slice(start, i).trim());
      start = i + 1;
    }
  }
  return parts
    .filter((p) => p && !/^out\s/i.test(p))
    .map((p) => p.replace(/\s+default\s.*$/i, ''))
    .join(', ');
}

/**
 * The functions named `name` whose arguments are `args` in one of the forms psql shows: `\df`'s argument list
 * (names, modes, OUT parameters, defaults: pg_get_function_arguments), the identity arguments
 * (pg_get_function_identity_arguments), the named input parameters alone, or the bare input types (oidvectortypes). Anything else a regprocedure
 * cast accepts (`int4, varchar`) is tried last, in a savepoint, so a list it cannot parse is "not found", not a crash.
 */
async function functionsByArgs(sql: TxSql, name: string, args: string): Promise<string[]> {
  const [schema, proname] = name.includes('.') ? name.split('.') : [null, name];
  const rows = await sql.unsafe(
    `select p.oid::text as oid, pg_get_function_arguments(p.oid) as full_args,
       pg_get_function_identity_arguments(p.oid) as identity_args, oidvectortypes(p.proargtypes) as types
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.proname = $1 and ($2::text is null and pg_function_is_visible(p.oid) or n.nspname = $2)`,
    [proname, schema],
  );
  const want = normArgs(args);
  const hits = rows
    .filter((r) => [r.full_args, r.identity_args, r.types, inputArgs(String(r.full_args))].some((form) => normArgs(String(form)) === want))
    .map((r) => r.oid as string);
  if (hits.length) return [...new Set(hits)];
  const cast = await sql
    .savepoint((sp) => sp.unsafe('select to_regprocedure($1)::oid::text as oid', [`${name}(${args})`]))
    .catch(() => [] as { oid?: unknown }[]);
  const oid = (cast as { oid?: unknown }[])[0]?.oid;
  return typeof oid === 'string' ? [oid] : [];
}

export default defineGate<PgSchemaParams>({
  kind: 'pg-schema',
  summary: 'Checks that tables, functions (by definition sha256) and triggers exist',
  facts: {
    database: 'the database display',
    tables: 'tables checked and whether each exists',
    functions: 'functions checked and whether each exists',
    triggers: 'triggers checked and whether each exists',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['database'],
    anyOf: [{ required: ['tables'] }, { required: ['functions'] }, { required: ['triggers'] }],
    properties: {
      database: { description: 'a database of the target', type: 'string', minLength: 1 },
      tables: {
        description: 'schema.table names that must exist',
        type: 'array',
        minItems: 1,
        items: { type: 'string', pattern: TABLE_PATTERN },
      },
      functions: {
        description: 'functions that must exist, optionally with the sha256 of their definition',
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', pattern: TABLE_PATTERN },
            // As psql's \df prints them too: parameter names, IN/OUT/INOUT/VARIADIC, DEFAULT values.
            args: { type: 'string', pattern: '^[A-Za-z0-9_ ,.\\[\\]"()\'=:+-]*$' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      },
      triggers: {
        description: 'triggers that must exist on a table',
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['table', 'name'],
          properties: {
            table: { description: 'schema.table the trigger is on', type: 'string', pattern: TABLE_PATTERN },
            name: { description: 'trigger name', type: 'string', minLength: 1 },
          },
        },
      },
    },
  },
  messages,
  reuse: {
    reads: "the database's catalog (tables, functions and triggers live there: an unchanged catalog gives the same answers)",
    digest: async (ctx, p) => [await catalogInput(ctx, p.database)],
  },
  async run(ctx, params) {
    const h = ctx.db(params.database);
    const db = h.display;
    const tables = params.tables ?? [];
    const functions = params.functions ?? [];
    const triggers = params.triggers ?? [];

    const found = await h.readOnly(async (sql) => {
      const t: boolean[] = [];
      for (const name of tables) t.push(Boolean((await sql.unsafe('select to_regclass($1) is not null as ok', [name]))[0].ok));
      const f: { signature: string | null; def: string | null; candidates: number }[] = [];
      for (const fn of functions) {
        let oids: string[];
        if (fn.args !== undefined) {
          oids = await functionsByArgs(sql, fn.name, fn.args);
        } else {
          const [schema, name] = fn.name.includes('.') ? fn.name.split('.') : [null, fn.name];
          const rows = await sql.unsafe(
            `select p.oid::text as oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where p.proname = $1 and ($2::text is null and pg_function_is_visible(p.oid) or n.nspname = $2)`,
            [name, schema],
          );
          oids = rows.map((r) => r.oid as string);
        }
        if (oids.length !== 1) {
          f.push({ signature: null, def: null, candidates: oids.length });
          continue;
        }
        const [row] = await sql.unsafe(
          `select format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) as signature, pg_get_functiondef(p.oid) as def
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.oid = $1::oid`,
          [oids[0]],
        );
        f.push({ signature: row.signature as string, def: row.def as string, candidates: 1 });
      }
      const g: { exists: boolean; enabled: boolean }[] = [];
      for (const tr of triggers) {
        const rows = await sql.unsafe(
          "select tgenabled <> 'D' as enabled from pg_trigger where tgrelid = to_regclass($1) and tgname = $2 and not tgisinternal",
          [tr.table, tr.name],
        );
        g.push({ exists: rows.length === 1, enabled: Boolean(rows[0]?.enabled) });
      }
      return { t, f, g };
    });

    const checks: Check[] = [];
    const problems: string[] = [];
    const factTables: Record<string, FactValue> = {};
    tables.forEach((name, i) => {
      factTables[name] = found.t[i];
      checks.push({ id: 'TABLE', status: found.t[i] ? 'PASS' : 'FAIL', text: `${name} ${found.t[i] ? 'exists' : 'does not exist'}` });
      if (!found.t[i]) problems.push(`table ${name} does not exist`);
    });
    const factFunctions: Record<string, FactValue> = {};
    const evidence: Evidence[] = [];
    functions.forEach((fn, i) => {
      const r = found.f[i];
      const label = fn.args !== undefined ? `${fn.name}(${fn.args})` : fn.name;
      if (!r.def || !r.signature) {
        const why = r.candidates === 0 ? 'does not exist' : `is ambiguous (${r.candidates} overloads; give args)`;
        checks.push({ id: 'FUNCTION', status: 'FAIL', text: `${label} ${why}` });
        problems.push(`function ${label} ${why}`);
        return;
      }
      const sha = createHash('sha256').update(r.def).digest('hex');
      factFunctions[r.signature] = sha;
      const ok = !fn.sha256 || fn.sha256 === sha;
      checks.push({
        id: 'FUNCTION',
        status: ok ? 'PASS' : 'FAIL',
        text: `${r.signature} sha256=${sha.slice(0, 16)}${ok ? '' : ` (expected ${fn.sha256!.slice(0, 16)})`}`,
      });
      if (!ok) problems.push(`function ${r.signature} definition sha256 ${sha} differs from ${fn.sha256}`);
      evidence.push({
        kind: 'sql',
        title: `pg_get_functiondef(${r.signature}) sha256 ${sha}`,
        sql: 'select pg_get_functiondef($1::regprocedure)',
        rows: [{ sha256: sha, definition: r.def }],
      });
    });
    const factTriggers: Record<string, FactValue> = {};
    triggers.forEach((tr, i) => {
      const r = found.g[i];
      const ok = r.exists && r.enabled;
      factTriggers[`${tr.table}.${tr.name}`] = ok;
      const text = `${tr.name} on ${tr.table} ${!r.exists ? 'does not exist' : r.enabled ? 'exists, enabled' : 'exists but is DISABLED'}`;
      checks.push({ id: 'TRIGGER', status: ok ? 'PASS' : 'FAIL', text });
      if (!ok) problems.push(`trigger ${text}`);
    });
    const facts = { database: db, tables: factTables, functions: factFunctions, triggers: factTriggers };
    if (problems.length)
      return fail({ messageId: 'problems', data: { n: problems.length, db, list: problems.join('; ') }, checks, facts, evidence });
    return pass({
      messageId: 'present',
      data: { tables: tables.length, functions: functions.length, triggers: triggers.length, db },
      checks,
      facts,
      evidence,
    });
  },
});
