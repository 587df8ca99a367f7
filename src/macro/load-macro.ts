// Loads a macro file and checks all of it before anything runs: syntax, schema, gate kinds, params, references.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gateKinds } from '../../gates/index.js';
import { errors } from '../errors.js';
import type { TargetInfo } from '../gate.js';
import { packagePath } from '../paths.js';
import { checkReferences, resolveReferences } from './references.js';
import { schemaProblems } from './schema-check.js';
import type { LoadedMacro, Macro } from './types.js';
import { parseYamlSource, positionOf, type YamlSource } from './yaml-source.js';

let macroSchema: object | undefined;
const schema = () => (macroSchema ??= JSON.parse(readFileSync(packagePath('schemas', 'macro.schema.json'), 'utf8')) as object);

/** The folder holding the bundled macros (GATERUN_MACROS overrides). */
export function macrosDir(): string {
  return process.env.GATERUN_MACROS ? resolve(process.env.GATERUN_MACROS) : packagePath('macros');
}

/** Finds a macro by id (macros/<ID>.yaml, case-insensitive) or by file path. */
export function findMacroFile(nameOrFile: string, dir = macrosDir()): string {
  if (/\.ya?ml$/i.test(nameOrFile) || nameOrFile.includes('/')) {
    if (!existsSync(nameOrFile)) throw errors.usage(`macro file ${nameOrFile} does not exist`);
    return resolve(nameOrFile);
  }
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)) : [];
  const hit = files.find((f) => f.replace(/\.ya?ml$/i, '').toLowerCase() === nameOrFile.toLowerCase());
  if (!hit) throw errors.macroNotFound(nameOrFile, files.map((f) => f.replace(/\.ya?ml$/i, '')));
  return join(dir, hit);
}

/** Edit distance, for did-you-mean hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The closest known name, if close enough to be a typo. */
export function didYouMean(name: string, known: string[]): string | undefined {
  const best = known.map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.k : undefined;
}

/** Checks a parsed macro; returns every problem found (empty when the macro is fine). */
export function checkMacro(src: YamlSource, data: unknown, target: TargetInfo): string[] {
  const problems = schemaProblems(schema(), data, src);
  if (!data || typeof data !== 'object') return problems.length ? problems : [`${src.file}:1:1 expected a mapping with id, macro, title, outcome and gates`];
  const m = data as Partial<Macro>;
  const gates = Array.isArray(m.gates) ? m.gates : [];
  const seen = new Map<string, number>();
  const earlier: string[] = [];
  const kinds = Object.keys(gateKinds);
  const hosts = Object.keys(target.hosts ?? {}).concat('local');
  if (m.host && typeof m.host === 'string' && !hosts.includes(m.host)) problems.push(`${positionOf(src, ['host'])} host: unknown host "${m.host}"; the target declares ${hosts.join(', ')}`);
  gates.forEach((g, i) => {
    if (!g || typeof g !== 'object') return;
    const at = (...p: (string | number)[]) => positionOf(src, ['gates', i, ...p]);
    if (typeof g.id === 'string') {
      if (seen.has(g.id)) problems.push(`${at('id')} gates[${i}].id: duplicate gate id "${g.id}" (first used by gates[${seen.get(g.id)}])`);
      else seen.set(g.id, i);
    }
    if (typeof g.kind === 'string') {
      const mod = gateKinds[g.kind];
      if (!mod) {
        const hint = didYouMean(g.kind, kinds);
        problems.push(`${at('kind')} gates[${i}].kind: unknown gate kind "${g.kind}"${hint ? `; did you mean "${hint}"?` : ''} (known: ${kinds.join(', ')})`);
      } else {
        const params = g.with ?? {};
        problems.push(...schemaProblems(mod.params as object, params, src, ['gates', i, 'with']).map((p) => p.replace(/: expected/, ` (${g.kind} params): expected`)));
      }
    }
    if (typeof g.host === 'string' && !hosts.includes(g.host)) problems.push(`${at('host')} gates[${i}].host: unknown host "${g.host}"; the target declares ${hosts.join(', ')}`);
    for (const r of checkReferences(g.with ?? {}, ['gates', i, 'with'], target, [...earlier])) problems.push(`${positionOf(src, r.path)} ${pathText(r.path)}: ${r.message}`);
    if (typeof g.id === 'string') earlier.push(g.id);
  });
  const ids = [...seen.keys()];
  const checkFact = (fact: unknown, path: (string | number)[]) => {
    if (typeof fact !== 'string') return;
    const gid = fact.split('.')[0];
    if (!ids.includes(gid)) problems.push(`${positionOf(src, path)} ${pathText(path)}: fact ${fact} names gate ${gid}, which this macro does not have (gates: ${ids.join(', ')})`);
  };
  (m.criteria ?? []).forEach((c, i) => (['all', 'any'] as const).forEach((k) => (c?.[k] ?? []).forEach((cond, j) => checkFact(cond?.fact, ['criteria', i, k, j, 'fact']))));
  (m.forbidden ?? []).forEach((f, i) => (f?.done_if ?? []).forEach((cond, j) => checkFact(cond?.fact, ['forbidden', i, 'done_if', j, 'fact'])));
  (m.forbidden ?? []).forEach((f, i) => {
    if (f?.ledger?.matches) {
      try { new RegExp(f.ledger.matches); } catch (e) { problems.push(`${positionOf(src, ['forbidden', i, 'ledger', 'matches'])} forbidden[${i}].ledger.matches: not a regular expression: ${(e as Error).message}`); }
    }
  });
  for (const [k, v] of Object.entries(m.outcome_facts ?? {})) checkFact(v, ['outcome_facts', k]);
  const lineOf = (x: string) => Number(/:(\d+):\d+ /.exec(x)?.[1] ?? 0);
  return problems.sort((a, b) => lineOf(a) - lineOf(b));
}

function pathText(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Reads and checks a macro file; throws EMACROINVALID listing every problem. */
export function loadMacro(file: string, target: TargetInfo): LoadedMacro {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw errors.usage(`cannot read macro file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const src = parseYamlSource(file, text);
  if (src.problems.length) throw errors.macroInvalid(file, src.problems);
  const data = src.doc.toJS();
  const problems = checkMacro(src, data, target);
  if (problems.length) throw errors.macroInvalid(file, problems);
  const macro = data as Macro;
  // Target references are fixed for the whole run: substitute them now (fact references wait for run time).
  for (const g of macro.gates) if (g.with) g.with = resolveReferences(g.with, { target }, 'target').value as Record<string, unknown>;
  macro.mutation ??= 'none';
  macro.criteria ??= [];
  macro.forbidden ??= [];
  macro.residue ??= [];
  macro.next ??= [];
  macro.outcome_facts ??= {};
  return { macro, file, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Every macro in a folder, with its id, title and gate count (or the reason it does not load). */
export function listMacros(dir = macrosDir()): { id: string; title: string; gates: number; file: string; error?: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort().map((f) => {
    const file = join(dir, f);
    const src = parseYamlSource(file, readFileSync(file, 'utf8'));
    const data = src.doc.toJS() as Partial<Macro> | null;
    const id = typeof data?.id === 'string' ? data.id : basename(f).replace(/\.ya?ml$/i, '');
    return { id, title: String(data?.title ?? ''), gates: Array.isArray(data?.gates) ? data!.gates.length : 0, file, ...(src.problems.length ? { error: src.problems[0] } : {}) };
  });
}
