// Builds the reviewer's static site from a reports dir: index pages, run pages, report and log pages, assets.
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { errors } from '../errors.js';
import { keyIdOf } from '../report/keys.js';
import { FAVICON_SVG, SITE_CSS, SITE_JS } from './assets.js';
import { collectRuns, type RunEntry } from './collect-runs.js';
import { esc } from './html.js';
import { renderIndex } from './render-index.js';
import { renderRun, type SiteFile } from './render-run.js';

/** Marks a directory as built by `gaterun view`, so a rebuild may replace its content and nothing else's. */
export const SITE_MARKER = '.gaterun-site';

export interface BuiltSite {
  outDir: string;
  runs: RunEntry[];
  files: number;
}

/** Renders every page of the site in memory (no writes): for `view`, `serve` and tests. */
export function renderSite(reportsDir: string, trustedKeys: KeyObject[]): { runs: RunEntry[]; files: SiteFile[] } {
  const st = statSync(reportsDir, { throwIfNoEntry: false });
  if (!st) throw errors.viewReports(reportsDir, 'no such directory');
  if (!st.isDirectory()) throw errors.viewReports(reportsDir, 'not a directory');
  const runs = collectRuns(reportsDir, trustedKeys);
  const keys = trustedKeys.map((k) => keyIdOf(k).slice(0, 16));
  const footer = `Built by gaterun view from <code>${esc(resolve(reportsDir))}</code> · bundles checked by the code of <code>gaterun verify</code> against ${
    keys.length ? `trusted keyid${keys.length === 1 ? '' : 's'} ${keys.map(esc).join(', ')}` : 'no trusted keys (pass --key)'
  }.`;
  const files: SiteFile[] = [
    { path: 'assets/site.css', content: SITE_CSS },
    { path: 'assets/site.js', content: SITE_JS },
    { path: 'assets/favicon.svg', content: FAVICON_SVG },
    ...renderIndex(runs, footer),
  ];
  for (const r of runs) files.push(...renderRun(r));
  return { runs, files };
}

/** Writes the site into outDir, replacing an earlier build there; refuses a non-empty dir it did not build. */
export function buildSite(o: { reportsDir: string; outDir: string; trustedKeys: KeyObject[] }): BuiltSite {
  const { runs, files } = renderSite(o.reportsDir, o.trustedKeys);
  const out = resolve(o.outDir);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw errors.viewOut(o.outDir, 'exists and is not a directory');
    const entries = readdirSync(out);
    if (entries.length && !entries.includes(SITE_MARKER)) throw errors.viewOut(o.outDir, 'is not empty and was not built by gaterun view');
    for (const e of entries) rmSync(join(out, e), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, SITE_MARKER), 'built by gaterun view; the next build replaces everything here\n');
  const made = new Set<string>();
  for (const f of files) {
    const path = join(out, f.path);
    const d = dirname(path);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(path, f.content);
  }
  return { outDir: out, runs, files: files.length };
}
