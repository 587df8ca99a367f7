// What both KB stores share: KB ids, reading time, the header, and the reports of a signed bundle.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256Hex } from '../files/sha256.js';
import { errors } from '../errors.js';
import { decodeBase64 } from '../report/dsse.js';
import { ENVELOPE_FILE, type Statement } from '../report/sign-bundle.js';

/** Marks where the header ends; the bytes after it are the report exactly as signed. */
export const BODY_MARKER = '<!-- gaterun:kb-body (the bytes below are the signed report) -->';
/** Starts the footer after the signed bytes (links to the run's other reports, the way back to the hub). */
export const FOOTER_MARKER = '<!-- gaterun:kb-footer (not part of the signed report) -->';
export const WORDS_PER_MINUTE = 200;

export interface KbPublishOptions {
  tags: string[];
  /** Macro title; each document is titled `<title> — <report name>`. */
  title: string;
  /** The bundle's signing keyid, or 'UNSIGNED'. */
  signature: string;
  now?: Date;
  /** URL of the run's page in the web view (`gaterun view`), when the target sets kb.site_url. */
  runPage?: string;
}

/** One published revision. */
export interface KbPublished {
  kbId: string;
  /** `<kbPath>/<file>`: the document's path in the KB. */
  path: string;
  revision: number;
}

export interface KbListing extends KbPublished {
  title: string;
  publishedAt: string;
}

export interface KbShown extends KbPublished {
  title: string;
  /** Every revision number kept for this path, ascending. */
  revisions: number[];
  /** Header + body, as a reader sees it. */
  text: string;
}

/** A report of a signed bundle, ready to publish. */
export interface KbSourceReport {
  file: string;
  body: Buffer;
  sha256: string;
}

/** Normalizes a KB path: forward slashes, no leading/trailing slash, no `.`/`..` segments. */
export function normalizeKbPath(kbPath: string): string {
  const parts = kbPath
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..')) throw errors.kbPath(kbPath);
  return parts.join('/');
}

/** `KB-XXXX`: the first 4 hex digits (upper case) of the sha256 of the document's KB path. */
export function kbIdOf(docPath: string): string {
  return `KB-${sha256Hex(docPath).slice(0, 4).toUpperCase()}`;
}

/** Reading time in minutes at 200 words a minute, at least 1. */
export function readingMinutes(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
}

/** The top-level Markdown reports of a run dir, each checked against the signed statement when the run is signed. */
export function collectReports(runDir: string, signature: string): KbSourceReport[] {
  if (!existsSync(runDir)) throw errors.kbSource(runDir, 'no such directory');
  const files = readdirSync(runDir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) throw errors.kbSource(runDir, 'it holds no Markdown reports');
  const reports = files.map((file) => {
    const body = readFileSync(join(runDir, file));
    // Both stores keep text (PostgreSQL text holds neither NUL nor invalid UTF-8); a lossy copy would no longer match its signature.
    if (body.includes(0) || !Buffer.from(body.toString('utf8'), 'utf8').equals(body))
      throw errors.kbSource(runDir, `${file} is not UTF-8 text`);
    return { file, body, sha256: sha256Hex(body) };
  });
  const envelopePath = join(runDir, ENVELOPE_FILE);
  if (signature === 'UNSIGNED') return reports;
  if (!existsSync(envelopePath))
    throw errors.kbSource(runDir, `signature ${signature.slice(0, 16)} was given but ${ENVELOPE_FILE} is missing`);
  // The signature itself was checked by whoever signed or verified the run; here we only make sure the
  // copies are the signed bytes, so the KB never carries a report that differs from the bundle.
  let statement: Statement;
  try {
    statement = JSON.parse(decodeBase64(JSON.parse(readFileSync(envelopePath, 'utf8')).payload).toString('utf8')) as Statement;
  } catch (e) {
    throw errors.kbSource(runDir, `${ENVELOPE_FILE} is unreadable: ${(e as Error).message}`);
  }
  const signed = new Map(statement.subject.map((s) => [s.name, s.digest.sha256]));
  for (const r of reports) {
    if (signed.get(r.file) !== r.sha256)
      throw errors.kbSource(runDir, `${r.file} ${signed.has(r.file) ? 'changed since it was signed' : 'is not in the signed bundle'}`);
  }
  return reports;
}

/** The document's title: `<title> — <report file without .md>`. */
export function documentTitle(title: string, file: string): string {
  return `${title} — ${file.replace(/\.md$/, '')}`;
}

/** Renders a KB document: the header lines of the reference reports, then the signed report verbatim. */
export function renderKbDocument(doc: {
  kbId: string;
  path: string;
  title: string;
  revision: number;
  tags: string[];
  runDir: string;
  file: string;
  sha256: string;
  signature: string;
  publishedAt: string;
  body: Buffer | string;
  runPage?: string;
  /** The other reports of the run, published next to this one: linked in the footer. */
  siblings?: string[];
}): string {
  const body = typeof doc.body === 'string' ? doc.body : doc.body.toString('utf8');
  const runDir = resolve(doc.runDir);
  const sig = doc.signature === 'UNSIGNED' ? 'UNSIGNED' : `ed25519 keyid \`${doc.signature}\``;
  const header = [
    doc.kbId,
    doc.title,
    `${readingMinutes(body)} min read Revision ${doc.revision}`,
    `tags: ${doc.tags.join(', ')}`,
    `source: [${runDir}/${doc.file}](file://${encodeURI(runDir)}/${encodeURI(doc.file)}) · sha256 \`${doc.sha256}\` · signature ${sig} · run dir [${runDir}](file://${encodeURI(runDir)}) · published ${doc.publishedAt}`,
    `kb path: ${doc.path}`,
    // After the lines parseKbHeader reads by position, so documents with and without it parse alike.
    ...(doc.runPage ? [`web view: [${doc.runPage}](${encodeURI(doc.runPage)})`] : []),
  ];
  // The body stays the signed bytes; the links and the way back live in a footer after it, as the hand-written KB pages end.
  const others = (doc.siblings ?? []).filter((f) => f !== doc.file);
  const footer = [
    FOOTER_MARKER,
    '---',
    ...(others.length ? [`Reports of this run: ${others.map((f) => `[Report ${f.slice(0, 2)}](./${encodeURI(f)})`).join(' · ')}`] : []),
    `Back to Knowledge Hub ${doc.path.split('/').slice(0, -1).join('/')}`,
  ];
  return `${header.join('\n')}\n${BODY_MARKER}\n${body}\n${footer.join('\n')}\n`;
}

/** The report bytes inside a KB document (what was signed); null when the marker is missing. */
export function kbBodyOf(text: string): string | null {
  const i = text.indexOf(`\n${BODY_MARKER}\n`);
  if (i < 0) return null;
  const rest = text.slice(i + BODY_MARKER.length + 2);
  const end = rest.lastIndexOf(`\n${FOOTER_MARKER}\n`);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Parses the header of a rendered KB document. */
export function parseKbHeader(text: string): { kbId: string; title: string; revision: number; publishedAt: string; path: string } | null {
  const lines = text.split('\n', 7);
  const rev = /Revision (\d+)$/.exec(lines[2] ?? '');
  const published = / · published (\S+)$/.exec(lines[4] ?? '');
  const path = /^kb path: (.*)$/.exec(lines[5] ?? '');
  if (!/^KB-[0-9A-F]{4}$/.test(lines[0] ?? '') || !rev || !published || !path) return null;
  return { kbId: lines[0], title: lines[1], revision: Number(rev[1]), publishedAt: published[1], path: path[1] };
}

/** Whether a query (`KB-5039`, `5039`, `kb-5039`) is a KB id; returns it normalized. */
export function asKbId(query: string): string | null {
  const m = /^(?:KB-)?([0-9a-f]{4})$/i.exec(query.trim());
  return m ? `KB-${m[1].toUpperCase()}` : null;
}
