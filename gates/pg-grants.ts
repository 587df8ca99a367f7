// Roles exist and hold exactly the privileges the macro expects (has_*_privilege), surplus and missing named.
import { catalogInput } from '../src/checks/input-digest.js';
import { defineGate, results, type Check, type FactValue } from '../src/gate.js';

export interface GrantSpec {
  role: string;
  on: 'table' | 'function' | 'schema' | 'sequence';
  /** `schema.table`, `schema.fn(argtypes)`, a schema name, or `schema.sequence`. */
  object: string;
  privilege: string;
  expect: boolean;
}

export interface PgGrantsParams {
  database: string;
  roles_exist?: string[];
  grants?: GrantSpec[];
}

const messages = {
  allMatch: '{roles} role(s) exist and {grants} grant(s) are as expected on {db}',
  mismatch: '{n} grant problem(s) on {db}: {list}',
};
const { pass, fail } = results(messages);

// Existence lookups that return null instead of raising, and the privilege function per object kind.
const EXISTS: Record<GrantSpec['on'], string> = {
  table: 'select to_regclass($1) is not null as ok',
  sequence: "select coalesce((select relkind = 'S' from pg_class where oid = to_regclass($1)), false) as ok",
  function: 'select to_regprocedure($1) is not null as ok',
  schema: 'select exists (select 1 from pg_namespace where nspname = $1) as ok',
};
const HAS: Record<GrantSpec['on'], string> = {
  table: 'select has_table_privilege($1, $2, $3) as has',
  sequence: 'select has_sequence_privilege($1, $2, $3) as has',
  function: 'select has_function_privilege($1, $2, $3) as has',
  schema: 'select has_schema_privilege($1, $2, $3) as has',
};

export default defineGate<PgGrantsParams>({
  kind: 'pg-grants',
  summary: 'Checks that roles exist and hold exactly the expected privileges (missing and surplus grants both FAIL)',
  facts: {
    database: 'the database display (role@host:port/db)',
    roles: 'each expected role: whether it exists',
    grants_ok: 'grants as expected',
    grants_total: 'grants checked',
    missing: 'expected grants that are absent',
    surplus: 'grants present but not expected',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['database'],
    anyOf: [{ required: ['roles_exist'] }, { required: ['grants'] }],
    properties: {
      database: { type: 'string', minLength: 1, description: 'a database of the target' },
      roles_exist: { description: 'roles that must exist', type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      grants: {
        description: 'privileges to check; a missing or a surplus grant FAILs',
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['role', 'on', 'object', 'privilege', 'expect'],
          properties: {
            role: { type: 'string', minLength: 1, description: 'the role' },
            on: { enum: ['table', 'function', 'schema', 'sequence'], description: 'the kind of object' },
            object: { type: 'string', minLength: 1, description: 'schema.name (functions with their argument types)' },
            privilege: { type: 'string', pattern: '^[A-Za-z ,]+$', description: 'e.g. SELECT, INSERT or EXECUTE' },
            expect: { type: 'boolean', description: 'true: the role must hold it; false: it must not' },
          },
        },
      },
    },
  },
  messages,
  reuse: {
    reads: "the database's catalog (roles, memberships and grants live there: an unchanged catalog gives the same answers)",
    digest: async (ctx, p) => [await catalogInput(ctx, p.database)],
  },
  async run(ctx, params) {
    const h = ctx.db(params.database);
    const db = h.display;
    const roleNames = [...new Set([...(params.roles_exist ?? []), ...(params.grants ?? []).map((g) => g.role)])];
    const grants = params.grants ?? [];

    const { roles, results } = await h.readOnly(async (sql) => {
      const found = await sql.unsafe('select rolname from pg_roles where rolname = any($1)', [roleNames]);
      const roles = new Set(found.map((r) => r.rolname as string));
      const results: { exists: boolean; has: boolean | null }[] = [];
      for (const g of grants) {
        const [{ ok }] = await sql.unsafe(EXISTS[g.on], [g.object]);
        const has = ok && roles.has(g.role) ? Boolean((await sql.unsafe(HAS[g.on], [g.role, g.object, g.privilege]))[0].has) : null;
        results.push({ exists: Boolean(ok), has });
      }
      return { roles, results };
    });

    const checks: Check[] = [];
    const problems: string[] = [];
    for (const r of params.roles_exist ?? []) {
      const ok = roles.has(r);
      checks.push({ id: 'ROLE', status: ok ? 'PASS' : 'FAIL', text: `${r} ${ok ? 'exists' : 'does not exist'}` });
      if (!ok) problems.push(`role ${r} does not exist`);
    }
    const missing: string[] = [];
    const surplus: string[] = [];
    grants.forEach((g, i) => {
      const what = `${g.role} ${g.privilege.toUpperCase()} on ${g.on} ${g.object}`;
      const r = results[i];
      let status: Check['status'] = 'PASS';
      let text: string;
      if (!roles.has(g.role)) {
        status = 'FAIL';
        text = `${what}: role does not exist`;
        problems.push(text);
      } else if (!r.exists) {
        status = 'FAIL';
        text = `${what}: ${g.on} does not exist`;
        problems.push(text);
      } else if (r.has === g.expect) text = `${what}: ${r.has ? 'granted' : 'not granted'}, as expected`;
      else if (g.expect) {
        status = 'FAIL';
        text = `missing grant: ${what}`;
        missing.push(what);
        problems.push(text);
      } else {
        status = 'FAIL';
        text = `surplus grant: ${what}`;
        surplus.push(what);
        problems.push(text);
      }
      checks.push({ id: 'GRANT', status, text });
    });

    const facts = {
      database: db,
      roles: Object.fromEntries(roleNames.map((r) => [r, roles.has(r)])) as Record<string, FactValue>,
      grants_ok: checks.filter((c) => c.id === 'GRANT' && c.status === 'PASS').length,
      grants_total: grants.length,
      missing,
      surplus,
    };
    const evidence = [
      {
        kind: 'sql' as const,
        title: `roles and privileges on ${db}`,
        sql: ['select rolname from pg_roles where rolname = any($1)', ...new Set(grants.map((g) => HAS[g.on]))].join(';\n'),
        rows: grants.map((g, i) => ({
          role: g.role,
          on: g.on,
          object: g.object,
          privilege: g.privilege,
          expected: g.expect,
          actual: results[i].has,
        })),
      },
    ];
    if (problems.length)
      return fail({ messageId: 'mismatch', data: { n: problems.length, db, list: problems.join('; ') }, checks, facts, evidence });
    return pass({
      messageId: 'allMatch',
      data: { roles: (params.roles_exist ?? []).length, grants: grants.length, db },
      checks,
      facts,
      evidence,
    });
  },
});
