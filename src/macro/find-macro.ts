// Finding and listing macro files: light enough for `gaterun list` (no schema compiler, no gate modules).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { errors } from '../errors.js';
import { packagePath } from '../paths.js';
import type { Macro } from './types.js';
import { parseYamlSource, yamlData } from './yaml-source.js';

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
  if (!hit)
    throw errors.macroNotFound(
      nameOrFile,
      files.map((f) => f.replace(/\.ya?ml$/i, '')),
    );
  return join(dir, hit);
}

/** Edit distance, for did-you-mean hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The closest known name, if close enough to be a typo. */
export function didYouMean(name: string, known: string[]): string | undefined {
  const best = known.map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.k : undefined;
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

/** Every macro in a folder, with its id, title and gate count (or the reason it does not load). */
export function listMacros(dir = macrosDir()): { id: string; title: string; gates: number; file: string; error?: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
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
