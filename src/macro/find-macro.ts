// Finding and listing macro files: light enough for `gaterun list` (no schema compiler, no gate modules).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadProjectConfig } from '../config/project-config.js';
import { didYouMean } from '../did-you-mean.js';
import { errors } from '../errors.js';

export { didYouMean };
import { packagePath } from '../paths.js';
import type { Macro } from './types.js';
import { parseYamlSource, yamlData } from './yaml-source.js';

/** The folders searched for macros, in order: the project's (gaterun.config.yaml `macros:`, else ./macros), $GATERUN_MACROS, gaterun's own. */
export function macroDirs(cwd = process.cwd()): string[] {
  const project = loadProjectConfig(cwd).macros ?? resolve(cwd, 'macros');
  const dirs = [project, process.env.GATERUN_MACROS ? resolve(process.env.GATERUN_MACROS) : null, packagePath('macros')];
  return [...new Set(dirs.filter((d): d is string => !!d))];
}

/** The first folder macros are looked up in that exists (for messages). */
export function macrosDir(): string {
  return macroDirs().find((d) => existsSync(d)) ?? packagePath('macros');
}

const idOf = (f: string) => f.replace(/\.ya?ml$/i, '');
const yamlFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)) : []);

/** Finds a macro by id (<dir>/<ID>.yaml, case-insensitive, first folder of macroDirs() that has it) or by file path. */
export function findMacroFile(nameOrFile: string, dirs: string | string[] = macroDirs()): string {
  if (/\.ya?ml$/i.test(nameOrFile) || nameOrFile.includes('/')) {
    if (!existsSync(nameOrFile)) throw errors.usage(`macro file ${nameOrFile} does not exist`);
    return resolve(nameOrFile);
  }
  const known: string[] = [];
  for (const dir of ([] as string[]).concat(dirs)) {
    const files = yamlFiles(dir);
    const hit = files.find((f) => idOf(f).toLowerCase() === nameOrFile.toLowerCase());
    if (hit) return join(dir, hit);
    known.push(...files.map(idOf).filter((id) => !known.includes(id)));
  }
  throw errors.macroNotFound(nameOrFile, known, didYouMean(nameOrFile, known));
}

/** id, title and gate count read off the top-level lines; null when the file is not of that simple shape. */
export function quickSummary(text: string): { id: string; title: string; gates: number } | null {
  const scalar = (key: string) => {
    const m = new RegExp(`^${key}:[ \\t]*(.*?)[ \\t]*$`, 'm').exec(text);
    if (!m) return null;
    const v = m[1].replace(/[ \t]+#.*$/, '');
    if (/^["']/.test(v)) return v.length > 1 && v.endsWith(v[0]) ? v.slice(1, -1) : null;
    return v && !/^[|>&*!{[]/.test(v) ? v : null;
  };
  const id = scalar('id');
  const title = scalar('title');
  const block = /^gates:[ \t]*\n((?:[ \t]+.*\n?|[ \t]*\n)*)/m.exec(text);
  if (!id || title === null || !block) return null;
  const items = block[1].split('\n').filter((l) => /^[ \t]*- /.test(l));
  if (!items.length) return null;
  const indent = /^[ \t]*/.exec(items[0])![0];
  return { id, title, gates: items.filter((l) => l.startsWith(`${indent}- `)).length };
}

/** Every macro the lookup finds (macroDirs() order; a macro id found earlier hides a later file with the same id). */
export function listAllMacros(
  dirs = macroDirs(),
): { id: string; title: string; gates: number; file: string; dir: string; error?: string }[] {
  const seen = new Set<string>();
  const all: ReturnType<typeof listAllMacros> = [];
  for (const dir of dirs)
    for (const m of listMacros(dir)) {
      const key = idOf(basename(m.file)).toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      all.push({ ...m, dir });
    }
  return all;
}

/** Every macro in a folder, with its id, title and gate count (or the reason it does not load). */
export function listMacros(dir: string): { id: string; title: string; gates: number; file: string; error?: string }[] {
  if (!existsSync(dir)) return [];
  return yamlFiles(dir)
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      // A listing needs three values; a full YAML parse of every macro would double the CLI's cold start. `plan` validates.
      const quick = quickSummary(text);
      if (quick) return { ...quick, file };
      const src = parseYamlSource(file, text);
      const parsed = yamlData(src);
      src.problems.push(...parsed.problems);
      const data = parsed.data as Partial<Macro> | null;
      const id = typeof data?.id === 'string' ? data.id : basename(f).replace(/\.ya?ml$/i, '');
      return {
        id,
        title: String(data?.title ?? ''),
        gates: Array.isArray(data?.gates) ? data.gates.length : 0,
        file,
        ...(src.problems.length ? { error: src.problems[0] } : {}),
      };
    });
}
