// The gate reference, generated from the gate modules: docs/gates.md, `gaterun explain <kind>` and the kinds' `with:` schemas in schemas/macro.schema.json.
import { gateKinds } from '../../gates/index.js';
import type { GateModule } from '../gate.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
};

/** One `with:` parameter, flattened to a dotted path (`repos[].name`). */
export interface ParamRow {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** A schema's type in words: `string`, `list of string`, `integer or list of integer`, `one of "run", "deploy"`. */
export function typeText(s: Schema | undefined): string {
  if (!s) return 'any';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeText))].join(' or ');
  const t = ([] as string[]).concat(s.type ?? []);
  if (!t.length) return s.properties ? 'mapping' : 'any';
  return t
    .map((x) => {
      if (x === 'array') return `list of ${typeText(s.items)}`;
      if (x === 'object') {
        if (s.properties) return 'mapping';
        return typeof s.additionalProperties === 'object' ? `mapping of ${typeText(s.additionalProperties)}` : 'mapping';
      }
      return x;
    })
    .join(' or ');
}

/** Every parameter of a params schema, nested mappings and lists of mappings flattened, in schema order. */
export function paramRows(schema: Schema, prefix = '', depth = 0): ParamRow[] {
  const rows: ParamRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    const notes: string[] = [];
    if (s.description) notes.push(s.description);
    if (s.default !== undefined) notes.push(`default ${JSON.stringify(s.default)}`);
    if (s.pattern) notes.push(`pattern \`${s.pattern}\``);
    rows.push({ name, type: typeText(s), required: required.has(key), description: notes.join('; ') });
    if (depth >= 3) continue;
    const nested = s.properties ? s : s.items?.properties ? s.items : (s.anyOf ?? []).find((a) => a.properties || a.items?.properties);
    if (nested?.properties) rows.push(...paramRows(nested, `${name}.`, depth + 1));
    else if (nested?.items?.properties) rows.push(...paramRows(nested.items, `${name}[].`, depth + 1));
  }
  return rows;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown section for one gate kind (the same text `gaterun explain <kind>` prints). */
export function gateReference(mod: GateModule<unknown>): string {
  const rows = paramRows(mod.params as Schema);
  const lines = [`## ${mod.kind}`, '', `${mod.summary}.`, ''];
  if (mod.phase === 'finalize') lines.push('Runs after the reports are rendered and signed; it has no numbered report.', '');
  lines.push(
    `**On \`run --resume\`:** ${
      mod.reuse === 'present'
        ? 'always runs again (its truth is about the present).'
        : mod.reuse
          ? `reused when it passed before and its spec, resolved params and inputs are unchanged; inputs: ${mod.reuse.reads}.`
          : 'cannot say what it reads, so it runs again, and so does every gate after it.'
    }`,
    '',
  );
  lines.push('**`with:`**', '');
  if (!rows.length) lines.push('No parameters.');
  else {
    lines.push('| param | type | required | description |', '|---|---|---|---|');
    for (const r of rows) lines.push(`| \`${r.name}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.description)} |`);
  }
  lines.push('', '**Facts it sets**', '');
  const facts = Object.entries(mod.facts ?? {});
  if (!facts.length) lines.push('None declared.');
  else for (const [k, v] of facts) lines.push(`- \`${k}\` — ${v}`);
  lines.push('', '**Messages**', '');
  const messages = Object.entries(mod.messages ?? {});
  if (!messages.length) lines.push('None declared.');
  else for (const [k, v] of messages) lines.push(`- \`${k}\`: ${v}`);
  return lines.join('\n') + '\n';
}

/** The JSON form of one kind's reference (`gaterun explain <kind> --json`). */
export function gateReferenceJson(mod: GateModule<unknown>) {
  return {
    format_version: 1 as const,
    kind: mod.kind,
    summary: mod.summary,
    after_signing: mod.phase === 'finalize',
    params: paramRows(mod.params as Schema),
    facts: mod.facts ?? {},
    messages: mod.messages ?? {},
    schema: mod.params,
  };
}

/** docs/gates.md: every kind, alphabetically, with a table of contents. */
export function gatesMarkdown(kinds: Record<string, GateModule<unknown>> = gateKinds): string {
  const names = Object.keys(kinds).sort();
  return [
    '# Gate reference',
    '',
    '<!-- Generated from the gate modules (gates/*.ts) by `npm run docs`; do not edit by hand. A test fails when it is stale. -->',
    '',
    `${names.length} kinds. \`gaterun explain <kind>\` prints one section; \`schemas/macro.schema.json\` carries each kind's \`with:\` schema for editors.`,
    "Values may reference the target (`${target.paths.x}`) and earlier gates' facts (`${gates.G0.facts.y}`).",
    '',
    ...names.map((k) => `- [\`${k}\`](#${k}) — ${kinds[k].summary}`),
    '',
    ...names.map((k) => gateReference(kinds[k])),
  ].join('\n');
}

/** A value written as a reference; the runner resolves it before the gate's params are checked. */
const REFERENCE = {
  type: 'string',
  pattern: '\\$\\{\\s*(target|gates|run)\\.',
  description: 'a ${target.…}, ${gates.…} or ${run.…} reference, resolved before the gate runs',
};

/** A params schema in which every constrained scalar (pattern, enum, number, boolean) may also be a `${…}` reference. */
export function allowReferences(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = { ...(schema as Schema & Record<string, unknown>) };
  const types = ([] as string[]).concat(s.type ?? []);
  const container = s.properties || s.items || types.includes('object') || types.includes('array');
  if (!container && (s.pattern || s.enum || s.const !== undefined || s.anyOf || types.some((t) => t !== 'string'))) {
    const { description, ...rest } = s;
    return { ...(description ? { description } : {}), anyOf: [rest, REFERENCE] };
  }
  if (s.properties) s.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, allowReferences(v) as Schema]));
  if (s.items) s.items = allowReferences(s.items) as Schema;
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    s.additionalProperties = allowReferences(s.additionalProperties) as Schema;
  if (s.anyOf) s.anyOf = s.anyOf.map((x) => allowReferences(x) as Schema);
  return s;
}

/** The macro schema with one if/then per kind, so an editor checks each gate's `with:` against its kind's params. */
export function macroSchemaWithKinds(
  base: Record<string, unknown>,
  kinds: Record<string, GateModule<unknown>> = gateKinds,
): Record<string, unknown> {
  const schema = structuredClone(base) as { properties: { gates: { items: Record<string, unknown> } } };
  const items = schema.properties.gates.items;
  const kindProp = (items.properties as Record<string, Schema>).kind;
  kindProp.enum = Object.keys(kinds).sort();
  items.allOf = Object.keys(kinds)
    .sort()
    .map((k) => ({
      if: { properties: { kind: { const: k } }, required: ['kind'] },
      then: { properties: { with: { description: kinds[k].summary, ...(allowReferences(kinds[k].params) as object) } } },
    }));
  return schema;
}
