// Loads a macro file and checks all of it before anything runs: syntax, schema, gate kinds, params, references.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gateKinds } from '../../gates/index.js';
import { errors } from '../errors.js';
import type { TargetInfo } from '../gate.js';
import { packagePath } from '../paths.js';
import { checkReferences, resolveReferences } from './references.js';
import { macroSchemaWithoutKinds } from './macro-schema.js';
import { schemaProblems } from './schema-check.js';
import { didYouMean } from './find-macro.js';
import type { LoadedMacro, Macro } from './types.js';
import { capProblems, parseYamlSource, positionOf, readUtf8File, sortByLine, yamlData, type YamlSource } from './yaml-source.js';

export { findMacroFile, listMacros, macrosDir, didYouMean } from './find-macro.js';

let macroSchema: object | undefined;
const schema = () =>
  (macroSchema ??= macroSchemaWithoutKinds(JSON.parse(readFileSync(packagePath('schemas', 'macro.schema.json'), 'utf8'))));

/** Keys of the final-outcome block that gaterun computes; outcome_facts may not overwrite them. */
export const RESERVED_OUTCOME_KEYS = [
  'final_outcome',
  'macro',
  'run_id',
  'stopped_at',
  'production_mutation',
  'signature',
  'next_action',
  'reason',
];

/** Checks a parsed macro; returns every problem found (empty when the macro is fine). */
export function checkMacro(src: YamlSource, data: unknown, target: TargetInfo): string[] {
  const problems = schemaProblems(schema(), data, src);
  if (!data || typeof data !== 'object')
    return problems.length ? problems : [`${src.file}:1:1 expected a mapping with id, macro, title, outcome and gates`];
  const m = data as Partial<Macro>;
  // `finally:` gates are checked like the others; their ids share one namespace with the gates.
  const gates = [...(Array.isArray(m.gates) ? m.gates : []), ...(Array.isArray(m.finally) ? m.finally : [])];
  const mainCount = Array.isArray(m.gates) ? m.gates.length : 0;
  const where = (i: number): ['gates' | 'finally', number] => (i < mainCount ? ['gates', i] : ['finally', i - mainCount]);
  const seen = new Map<string, number>();
  const earlier = new Set<string>();
  const kinds = Object.keys(gateKinds);
  const hosts = [...new Set(Object.keys(target.hosts ?? {}).concat('local'))];
  const databases = target.databases ? Object.keys(target.databases) : null;
  if (m.host && typeof m.host === 'string' && !hosts.includes(m.host))
    problems.push(`${positionOf(src, ['host'])} host: unknown host "${m.host}"; the target declares ${hosts.join(', ')}`);
  gates.forEach((g, i) => {
    if (!g || typeof g !== 'object') return;
    const at = (...p: (string | number)[]) => positionOf(src, [...where(i), ...p]);
    const name = `${where(i)[0]}[${where(i)[1]}]`;
    if (typeof g.id === 'string') {
      if (seen.has(g.id))
        problems.push(`${at('id')} ${name}.id: duplicate gate id "${g.id}" (first used by ${where(seen.get(g.id)!).join('[')}])`);
      else seen.set(g.id, i);
    }
    if (typeof g.kind === 'string') {
      const mod = gateKinds[g.kind];
      if (!mod) {
        const hint = didYouMean(g.kind, kinds);
        problems.push(
          `${at('kind')} ${name}.kind: unknown gate kind "${g.kind}"${hint ? `; did you mean "${hint}"?` : ''} (known: ${kinds.join(', ')})`,
        );
      } else {
        // Target references are known now, so check the values they stand for; a value holding a fact or run
        // reference is only known at run time, where the runner checks the resolved params again.
        const params = resolveReferences(g.with ?? {}, { target }, 'target').value;
        const runtime = new Set(runtimeRefPaths(params, [...where(i), 'with']));
        problems.push(
          ...schemaProblems(mod.params as object, params, src, [...where(i), 'with'])
            .filter((p) => !runtime.size || !runtime.has(problemPath(p, src.file) ?? ''))
            .map((p) => p.replace(/: expected/, ` (${g.kind} params): expected`)),
        );
      }
    }
    if (typeof g.host === 'string' && !hosts.includes(g.host))
      problems.push(`${at('host')} ${name}.host: unknown host "${g.host}"; the target declares ${hosts.join(', ')}`);
    // A database name is checked like a host, when a target file says which databases exist (a reference is checked at run time).
    const database = (g.with as { database?: unknown } | undefined)?.database;
    if (databases && typeof database === 'string' && !database.includes('${') && !databases.includes(database))
      problems.push(
        `${at('with', 'database')} ${name}.with.database: unknown database "${database}"; ${databases.length ? `the target declares ${databases.join(', ')}` : 'the target declares no databases'}`,
      );
    for (const r of checkReferences(g.with ?? {}, [...where(i), 'with'], target, earlier))
      problems.push(`${positionOf(src, r.path)} ${pathText(r.path)}: ${r.message}`);
    if (typeof g.id === 'string') earlier.add(g.id);
  });
  const ids = [...seen.keys()];
  const idList = ids.length > 20 ? `${ids.slice(0, 20).join(', ')}, … (${ids.length})` : ids.join(', ');
  const checkFact = (fact: unknown, path: (string | number)[]) => {
    if (typeof fact !== 'string') return;
    const gid = fact.split('.')[0];
    if (!seen.has(gid))
      problems.push(
        `${positionOf(src, path)} ${pathText(path)}: fact ${fact} names gate ${gid}, which this macro does not have (gates: ${idList})`,
      );
  };
  (m.criteria ?? []).forEach((c, i) =>
    (['all', 'any'] as const).forEach((k) => (c?.[k] ?? []).forEach((cond, j) => checkFact(cond?.fact, ['criteria', i, k, j, 'fact']))),
  );
  (m.forbidden ?? []).forEach((f, i) =>
    (f?.done_if ?? []).forEach((cond, j) => checkFact(cond?.fact, ['forbidden', i, 'done_if', j, 'fact'])),
  );
  (m.residue ?? []).forEach((r, i) =>
    (['closed_if', 'open_if'] as const).forEach((k) =>
      (r?.[k] ?? []).forEach((cond, j) => checkFact(cond?.fact, ['residue', i, k, j, 'fact'])),
    ),
  );
  (m.forbidden ?? []).forEach((f, i) => {
    if (f?.observed?.matches) {
      try {
        new RegExp(f.observed.matches);
      } catch (e) {
        problems.push(
          `${positionOf(src, ['forbidden', i, 'observed', 'matches'])} forbidden[${i}].observed.matches: not a regular expression: ${(e as Error).message}`,
        );
      }
    }
    if (f?.ledger?.matches) {
      try {
        new RegExp(f.ledger.matches);
      } catch (e) {
        problems.push(
          `${positionOf(src, ['forbidden', i, 'ledger', 'matches'])} forbidden[${i}].ledger.matches: not a regular expression: ${(e as Error).message}`,
        );
      }
    }
  });
  for (const [k, v] of Object.entries(m.outcome_facts ?? {})) {
    checkFact(v, ['outcome_facts', k]);
    if (RESERVED_OUTCOME_KEYS.includes(k))
      problems.push(
        `${positionOf(src, ['outcome_facts'], k)} outcome_facts.${k}: "${k}" is a reserved key of the final outcome; pick another name (reserved: ${RESERVED_OUTCOME_KEYS.join(', ')})`,
      );
  }
  return sortByLine(problems);
}

/** Dotted paths of the strings under `value` that still hold a `${gates.…}` or `${run.…}` reference. */
function runtimeRefPaths(value: unknown, path: (string | number)[]): string[] {
  if (typeof value === 'string') return /\$\{\s*(gates|run)\./.test(value) ? [pathText(path)] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => runtimeRefPaths(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => runtimeRefPaths(v, [...path, k]));
  return [];
}

/** The dotted path of a `file:line:col path: what` problem (a Set lookup instead of a scan per problem). */
function problemPath(problem: string, file: string): string | undefined {
  return /^:\d+:\d+ (.*?): /.exec(problem.startsWith(file) ? problem.slice(file.length) : problem)?.[1];
}

function pathText(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Reads and checks a macro file; throws EMACROINVALID listing every problem. */
export function loadMacro(file: string, target: TargetInfo): LoadedMacro {
  let read: ReturnType<typeof readUtf8File>;
  try {
    read = readUtf8File(file);
  } catch (e) {
    throw errors.usage(`cannot read macro file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (read.text === null) throw errors.macroInvalid(file, [read.problem]);
  const text = read.text;
  const src = parseYamlSource(file, text);
  if (src.problems.length) throw errors.macroInvalid(file, capProblems(sortByLine(src.problems)), src.problems.length);
  const { data, problems: aliasProblems } = yamlData(src);
  if (aliasProblems.length) throw errors.macroInvalid(file, aliasProblems);
  const problems = checkMacro(src, data, target);
  if (problems.length) throw errors.macroInvalid(file, capProblems(problems), problems.length);
  const macro = data as Macro;
  // Target references are fixed for the whole run: substitute them now (fact references wait for run time).
  macro.finally ??= [];
  for (const g of [...macro.gates, ...macro.finally])
    if (g.with) g.with = resolveReferences(g.with, { target }, 'target').value as Record<string, unknown>;
  macro.mutation ??= 'none';
  macro.criteria ??= [];
  macro.forbidden ??= [];
  macro.residue ??= [];
  macro.next ??= [];
  macro.outcome_facts ??= {};
  macro.next_action ??= 'STOP';
  return { macro, file, sha256: createHash('sha256').update(text).digest('hex') };
}
