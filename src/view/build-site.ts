// Builds the reviewer's static site from a reports dir: index pages, run pages, report and log pages, assets.
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { errors } from '../errors.js';
import { keyIdOf } from '../report/keys.js';
import { FAVICON_SVG, SITE_CSS, SITE_JS } from './assets.js';
import { collectRuns, findFiles, type RunEntry, type RunSummary, type SummaryCache } from './collect-runs.js';
import { esc } from './html.js';
import { renderIndex } from './render-index.js';
import { renderRun, type SiteFile } from './render-run.js';

/** Marks a directory as built by `gaterun view`, so a rebuild may replace its content and nothing else's. */
export const SITE_MARKER = '.gaterun-site';

export interface BuiltSite {
  outDir: string;
  runs: RunEntry[];
  files: number;
  /** Runs whose pages were rendered by this build (the others were unchanged since the last one). */
  rendered: number;
}

/** Bumped when the pages' markup changes, so a site built by an older gaterun is re-rendered. */
const RENDER_VERSION = 1;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * What a run's content is: for a bundle that verifies, its signed envelope (whose subjects pin every file);
 * otherwise the sha256 of every file, read again (unsigned or altered bundles are few and must never show stale pages).
 */
function contentKey(r: RunEntry): string {
  if (r.signedKey) return `signed:${r.signedKey}`;
  return `files:${sha256(
    findFiles(r.dir)
      .map((f) => `${f}\0${sha256(readFileSync(join(r.dir, f)))}`)
      .join('\n'),
  )}`;
}

/** The cache key of a run's pages: its content, its badge, and what the page shows of its predecessor and previous run. */
export function runPagesKey(r: RunEntry, trusted: string[], contentOf: (r: RunEntry) => string): string {
  const near = (x: RunEntry | undefined) => (x ? { slug: x.slug, badge: x.badge, content: contentOf(x) } : null);
  return sha256(
    JSON.stringify({
      v: RENDER_VERSION,
      dir: r.dir,
      slug: r.slug,
      trusted,
      content: contentOf(r),
      badge: r.badge,
      problems: r.verify.problems,
      predecessor: r.predecessor ? { ...r.predecessor, entry: near(r.predecessor.entry) } : null,
      previous: near(r.previous),
    }),
  );
}

/** Memoised contentKey for one build. */
function contentKeys(): (r: RunEntry) => string {
  const memo = new Map<RunEntry, string>();
  return (r) => {
    let k = memo.get(r);
    if (k === undefined) memo.set(r, (k = contentKey(r)));
    return k;
  };
}

/** Checks the reports dir, collects and verifies its runs, and renders the index pages and assets. */
function startSite(
  reportsDir: string,
  trustedKeys: KeyObject[],
  cache?: SummaryCache,
): { runs: RunEntry[]; files: SiteFile[]; keys: string[] } {
  const st = statSync(reportsDir, { throwIfNoEntry: false });
  if (!st) throw errors.viewReports(reportsDir, 'no such directory');
  if (!st.isDirectory()) throw errors.viewReports(reportsDir, 'not a directory');
  const runs = collectRuns(reportsDir, trustedKeys, cache);
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
  return { runs, files, keys };
}

/** Renders every page of the site in memory (no writes): for `serve` and tests. */
export function renderSite(reportsDir: string, trustedKeys: KeyObject[]): { runs: RunEntry[]; files: SiteFile[] } {
  const { runs, files } = startSite(reportsDir, trustedKeys);
  for (const r of runs) files.push(...renderRun(r));
  return { runs, files };
}

/** A renderSite that re-renders only runs whose pages would differ from the last call's (for `serve`). */
export function cachedRenderer(): (
  reportsDir: string,
  trustedKeys: KeyObject[],
) => { runs: RunEntry[]; files: SiteFile[]; rendered: number } {
  let cache = new Map<string, SiteFile[]>();
  return (reportsDir, trustedKeys) => {
    const { runs, files, keys } = startSite(reportsDir, trustedKeys);
    const next = new Map<string, SiteFile[]>();
    const contentOf = contentKeys();
    let rendered = 0;
    for (const r of runs) {
      const key = runPagesKey(r, keys, contentOf);
      let pages = cache.get(key);
      if (!pages) {
        pages = renderRun(r);
        rendered++;
      }
      next.set(key, pages);
      files.push(...pages);
    }
    cache = next;
    return { runs, files, rendered };
  };
}

interface SiteManifest {
  version: number;
  /** Run slug (joined with /) → key of the pages written for it. */
  runs: Record<string, string>;
  /** Signed envelope sha256:path → what the index shows of that run (see SummaryCache). */
  summaries: Record<string, RunSummary>;
}

function readManifest(out: string): SiteManifest {
  try {
    const m = JSON.parse(readFileSync(join(out, SITE_MARKER), 'utf8')) as SiteManifest;
    if (m && m.version === RENDER_VERSION && typeof m.runs === 'object' && typeof m.summaries === 'object') return m;
  } catch {
    // A damaged manifest only costs a full re-render.
  }
  return { version: RENDER_VERSION, runs: {}, summaries: {} };
}

/**
 * Writes the site into outDir, replacing an earlier build there (stale pages are removed); refuses a non-empty dir
 * it did not build. A run whose pages would be the same as the last build's (same signed content, badge, neighbours)
 * is not rendered again; every bundle is still verified on every build.
 */
export function buildSite(o: { reportsDir: string; outDir: string; trustedKeys: KeyObject[] }): BuiltSite {
  const out = resolve(o.outDir);
  let before: string[] = [];
  let last: SiteManifest = { version: RENDER_VERSION, runs: {}, summaries: {} };
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw errors.viewOut(o.outDir, 'exists and is not a directory');
    const entries = readdirSync(out);
    if (entries.length && !entries.includes(SITE_MARKER)) throw errors.viewOut(o.outDir, 'is not empty and was not built by gaterun view');
    if (entries.length) {
      before = findFiles(out);
      last = readManifest(out);
    }
  }
  const summaries: Record<string, RunSummary> = {};
  const cache: SummaryCache = {
    get: (k) => (Object.hasOwn(last.summaries, k) ? (summaries[k] = last.summaries[k]) : undefined),
    set: (k, v) => void (summaries[k] = v),
  };
  const { runs, files, keys } = startSite(o.reportsDir, o.trustedKeys, cache);
  const beforeSet = new Set(before);
  mkdirSync(out, { recursive: true });
  const written = new Set<string>([SITE_MARKER]);
  const made = new Set<string>();
  const write = (f: SiteFile) => {
    const path = join(out, f.path);
    const d = dirname(path);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    // A page identical to the last build's is left alone: rewriting files costs more here than comparing them.
    if (!beforeSet.has(f.path) || readFileSync(path, 'utf8') !== f.content) writeFileSync(path, f.content);
    written.add(f.path);
  };
  files.forEach(write);
  const manifest: SiteManifest = { version: RENDER_VERSION, runs: {}, summaries };
  const contentOf = contentKeys();
  let rendered = 0;
  for (const r of runs) {
    const slug = r.slug.join('/');
    const key = runPagesKey(r, keys, contentOf);
    manifest.runs[slug] = key;
    const prefix = `runs/${slug}/`;
    if (last.runs[slug] === key && beforeSet.has(`${prefix}index.html`)) {
      for (const f of before) if (f.startsWith(prefix)) written.add(f);
      continue;
    }
    renderRun(r).forEach(write);
    rendered++;
  }
  for (const f of before) if (!written.has(f)) rmSync(join(out, f), { force: true });
  write({ path: SITE_MARKER, content: `${JSON.stringify(manifest)}\n` });
  return { outDir: out, runs, files: written.size - 1, rendered };
}
