// The report templates on disk and their digests: what render-report.ts and the build-time precompiler share.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The options every report template is compiled with (precompiled or on demand: the same code). */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/** The name of the generated module, next to the built render-report.js. */
export const PRECOMPILED_FILE = 'templates.generated.cjs';

/** Every template file under `dir` (`partials/<name>.hbs` and `<name>.md.hbs`) with its text, sorted by name. */
export function templateFiles(dir: string): { name: string; text: string }[] {
  const files: { name: string; text: string }[] = [];
  const partials = join(dir, 'partials');
  if (existsSync(partials))
    for (const f of readdirSync(partials)
      .filter((f) => f.endsWith('.hbs'))
      .sort())
      files.push({ name: `partials/${f}`, text: readFileSync(join(partials, f), 'utf8') });
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.md.hbs'))
    .sort())
    files.push({ name: f, text: readFileSync(join(dir, f), 'utf8') });
  return files;
}

/** sha256 hex of a template's text: the key that ties a precompiled template to its source. */
export function templateDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when every template file has a precompiled spec made from exactly its text (then none needs compiling). */
export function precompiledFresh(files: { name: string; text: string }[], built: Record<string, { sha256: string }>): boolean {
  return files.length > 0 && files.every((f) => built[f.name]?.sha256 === templateDigest(f.text));
}
