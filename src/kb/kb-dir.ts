// The directory KB store: `<kbRoot>/<kbPath>/<file>` is the latest revision, `.revisions/<file>.rN.md` keeps every one.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../errors.js';
import { writeFileAtomic } from '../files/write-atomic.js';
import {
  asKbId,
  collectReports,
  documentTitle,
  kbIdOf,
  normalizeKbPath,
  parseKbHeader,
  renderKbDocument,
  type KbListing,
  type KbPublished,
  type KbPublishOptions,
  type KbShown,
} from './kb-document.js';

export const REVISIONS_DIR = '.revisions';

const revisionFile = (file: string, n: number) => `${file}.r${n}.md`;

function revisionsOf(docDir: string, file: string): number[] {
  const dir = join(docDir, REVISIONS_DIR);
  if (!existsSync(dir)) return [];
  const prefix = `${file}.r`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.md') && /^\d+$/.test(f.slice(prefix.length, -3)))
    .map((f) => Number(f.slice(prefix.length, -3)))
    .sort((a, b) => a - b);
}

/** Writes a new file and fails if it exists: a revision is never overwritten. */
function writeExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Copies each Markdown report of a signed run dir into the KB dir with a header; re-publishing makes the next revision. */
export function publishToKbDir(kbRoot: string, kbPath: string, runDir: string, options: KbPublishOptions): KbPublished[] {
  const base = normalizeKbPath(kbPath);
  const reports = collectReports(runDir, options.signature);
  const docDir = join(kbRoot, base);
  mkdirSync(join(docDir, REVISIONS_DIR), { recursive: true });
  const publishedAt = (options.now ?? new Date()).toISOString();
  return reports.map((r) => {
    const path = `${base}/${r.file}`;
    const kbId = kbIdOf(path);
    let revision = (revisionsOf(docDir, r.file).pop() ?? 0) + 1;
    for (;;) {
      const text = renderKbDocument({
        kbId,
        path,
        title: documentTitle(options.title, r.file),
        revision,
        tags: options.tags,
        runDir,
        file: r.file,
        sha256: r.sha256,
        signature: options.signature,
        runPage: options.runPage,
        siblings: reports.map((x) => x.file),
        publishedAt,
        body: r.body,
      });
      // A concurrent publisher may have taken this number; take the next one rather than overwrite.
      if (writeExclusive(join(docDir, REVISIONS_DIR, revisionFile(r.file, revision)), text)) {
        writeFileAtomic(join(docDir, r.file), text);
        return { kbId, path, revision };
      }
      revision++;
    }
  });
}

/** Every document of a KB dir at its latest revision, sorted by path. */
export function listKb(kbRoot: string): KbListing[] {
  const out: KbListing[] = [];
  const walk = (rel: string): void => {
    const dir = join(kbRoot, rel);
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name === REVISIONS_DIR) {
        const files = new Set(readdirSync(join(dir, entry.name)).map((f) => f.replace(/\.r\d+\.md$/, '')));
        for (const file of files) {
          const revs = revisionsOf(dir, file);
          if (!revs.length) continue;
          const header = parseKbHeader(readFileSync(join(dir, REVISIONS_DIR, revisionFile(file, revs[revs.length - 1])), 'utf8'));
          const path = rel ? `${rel}/${file}` : file;
          out.push({
            kbId: kbIdOf(path),
            path,
            revision: revs[revs.length - 1],
            title: header?.title ?? file,
            publishedAt: header?.publishedAt ?? '',
          });
        }
      } else walk(rel ? `${rel}/${entry.name}` : entry.name);
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One document by KB id (`KB-5039`) or path, at its latest revision or the one asked for. */
export function showKb(kbRoot: string, idOrPath: string, revision?: number): KbShown {
  const all = listKb(kbRoot);
  const id = asKbId(idOrPath);
  const wanted = idOrPath.replace(/^\/+|\/+$/g, '');
  let matches = id ? all.filter((d) => d.kbId === id) : [];
  if (!matches.length) matches = all.filter((d) => d.path === wanted || d.path === `${wanted}.md`);
  if (!matches.length) throw errors.kbNotFound(idOrPath);
  if (matches.length > 1)
    throw errors.kbAmbiguous(
      idOrPath,
      matches.map((d) => d.path),
    );
  const doc = matches[0];
  const slash = doc.path.lastIndexOf('/');
  const docDir = join(kbRoot, doc.path.slice(0, Math.max(slash, 0)));
  const file = doc.path.slice(slash + 1);
  const revisions = revisionsOf(docDir, file);
  const rev = revision ?? revisions[revisions.length - 1];
  if (!revisions.includes(rev)) throw errors.kbNotFound(`${doc.path} revision ${rev} (kept: ${revisions.join(', ')})`);
  const text = readFileSync(join(docDir, REVISIONS_DIR, revisionFile(file, rev)), 'utf8');
  return { kbId: doc.kbId, path: doc.path, revision: rev, title: parseKbHeader(text)?.title ?? doc.title, revisions, text };
}
