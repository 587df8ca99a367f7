// JSON Schema checks (ajv, compiled once per schema) rendered as file:line:col problems.
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import { AJV_OPTIONS, schemaDigest, VALIDATORS_FILE } from './schema-digest.js';
import { dottedPath, positionOf, sortByLine, type YamlSource } from './yaml-source.js';

const require = createRequire(import.meta.url);
const compiled = new Map<unknown, ValidateFunction>();
let builders: Record<string, () => ValidateFunction> | undefined;
let ajv: Ajv | undefined;

/** The build's generated validators by schema digest (dist only; from src under ts-jest there are none). */
function generated(): Record<string, () => ValidateFunction> {
  try {
    return require(`./${VALIDATORS_FILE}`) as Record<string, () => ValidateFunction>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return {};
    throw e;
  }
}

/** Where a schema's validator comes from: the build's generated code, or ajv's compiler (loaded only then). */
export function validatorSource(schema: object): 'generated' | 'compiled' {
  return (builders ??= generated())[schemaDigest(schema)] ? 'generated' : 'compiled';
}

/** Compiles a schema once (cached by object identity); a built-in schema's validator was generated at build time. */
export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    const build = (builders ??= generated())[schemaDigest(schema)];
    fn = build ? build() : (ajv ??= new (require('ajv') as typeof import('ajv')).Ajv(AJV_OPTIONS)).compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates data against a schema; returns problems positioned in the YAML source (data path prefixed by `base`). */
export function schemaProblems(schema: object, data: unknown, src: YamlSource, base: (string | number)[] = []): string[] {
  const validate = compileSchema(schema);
  if (validate(data)) return [];
  const all = validate.errors ?? [];
  // Alternatives (anyOf) report one error per branch; keep the summary and fold the branches' types into it.
  const anyOfAt = new Map(all.filter((e) => e.keyword === 'anyOf').map((e) => [e.instancePath, e]));
  const branchTypes = new Map<string, string[]>();
  for (const e of all)
    if (e.keyword === 'type' && anyOfAt.has(e.instancePath) && /\/anyOf\/\d+\/type$/.test(e.schemaPath))
      branchTypes.set(e.instancePath, [...(branchTypes.get(e.instancePath) ?? []), String(e.params.type)]);
  const errs = all.filter(
    (e) =>
      !e.schemaPath.includes('/oneOf/') && !(anyOfAt.has(e.instancePath) && /\/anyOf\/\d+\//.test(e.schemaPath) && e.keyword !== 'anyOf'),
  );
  for (const e of errs)
    if (e.keyword === 'anyOf' && branchTypes.has(e.instancePath))
      (e.params as Record<string, unknown>).types = branchTypes.get(e.instancePath);
  // When a deeper error explains what is wrong inside an alternative, the "expected one of" summary only confuses.
  // Every proper ancestor path of an error's path, so the test is a Set lookup (a scan per error was quadratic).
  const ancestors = new Set<string>();
  for (const x of errs)
    for (let i = x.instancePath.lastIndexOf('/'); i >= 0; i = x.instancePath.lastIndexOf('/', i - 1)) {
      ancestors.add(x.instancePath.slice(0, i));
      if (i === 0) break;
    }
  const deeper = (p: string) => ancestors.has(p);
  const kept = errs.filter((e) => !(e.keyword === 'anyOf' && deeper(e.instancePath)));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of kept) {
    const path = [...base, ...pointerToPath(e.instancePath)];
    const key = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
    const where = positionOf(src, path, key);
    const line = `${where} ${dottedPath(key ? [...path, key] : path)}: ${describe(e)}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  return sortByLine(out);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      const t = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(t) ? Number(t) : t;
    });
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return `unknown key "${p.additionalProperty}"; allowed keys: ${allowed.join(', ')}`;
    }
    case 'required':
      return `missing required key "${p.missingProperty}"`;
    case 'type':
      return `expected ${p.type}, got ${typeName(e.data)}${scalar(e.data)}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(e.data)}`;
    case 'pattern': {
      const d = (e.parentSchema as { description?: string })?.description;
      return `${JSON.stringify(e.data)} does not match ${p.pattern}${d ? ` (${d})` : ''}`;
    }
    case 'oneOf':
      return 'expected exactly one of the alternatives (e.g. all: or any:)';
    case 'anyOf':
      return p.types
        ? `expected ${(p.types as string[]).join(' or ')}, got ${typeName(e.data)}${scalar(e.data)}`
        : `expected one of the allowed forms, got ${typeName(e.data)}${scalar(e.data)}`;
    case 'minItems':
      return `expected at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return 'expected a non-empty string';
    default:
      return `expected ${e.message ?? e.keyword}`;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}
function scalar(v: unknown): string {
  return v !== null && typeof v !== 'object' ? ` ${JSON.stringify(v)}` : '';
}
