// The PostgreSQL KB store (postgres.js): table kb.document_revision, one row per published revision, never updated.
import { resolve } from 'node:path';
import type { Sql } from 'postgres';
import { postgresJs } from '../db/postgres-module.js';
import { errors } from '../errors.js';
import {
  asKbId,
  collectReports,
  documentTitle,
  kbIdOf,
  normalizeKbPath,
  renderKbDocument,
  type KbListing,
  type KbPublished,
  type KbPublishOptions,
  type KbShown,
} from './kb-document.js';

// Any postgres.js instance, whatever its custom types.
type AnySql = Sql<Record<string, unknown>>;

interface RevisionRow {
  kb_id: string;
  path: string;
  revision: number;
  title: string;
  body: string;
  sha256: string;
  signature: string;
  tags: string[];
  run_dir: string;
  file: string;
  published_at: Date;
}

/** Creates schema kb and table kb.document_revision if absent. */
export async function ensureKbSchema(sql: AnySql): Promise<void> {
  await sql.begin(async (tx) => {
    // Two first publishers at once would race on CREATE ... IF NOT EXISTS (unique violation in the catalog).
    await tx`select pg_advisory_xact_lock(hashtext('gaterun.kb.schema'))`;
    await tx`create schema if not exists kb`;
    await tx`
      create table if not exists kb.document_revision (
        kb_id        text        not null,
        path         text        not null,
        revision     integer     not null check (revision >= 1),
        title        text        not null,
        body         text        not null,
        sha256       text        not null,
        signature    text        not null,
        tags         text[]      not null default '{}',
        run_dir      text        not null,
        file         text        not null,
        published_at timestamptz not null default now(),
        unique (path, revision)
      )`;
    await tx`create index if not exists document_revision_kb_id on kb.document_revision (kb_id)`;
  });
}

/** Publishes each Markdown report of a signed run dir as the next revision of `<kbPath>/<file>`, all in one transaction. */
export async function publishToKbPostgres(sql: AnySql, kbPath: string, runDir: string, options: KbPublishOptions): Promise<KbPublished[]> {
  const base = normalizeKbPath(kbPath);
  const reports = collectReports(runDir, options.signature);
  const publishedAt = options.now ?? new Date();
  await ensureKbSchema(sql);
  return sql.begin<KbPublished[]>(async (tx) => {
    const out: KbPublished[] = [];
    for (const r of reports) {
      const path = `${base}/${r.file}`;
      const kbId = kbIdOf(path);
      // Serializes publishers of the same path so max(revision)+1 is never taken twice.
      await tx`select pg_advisory_xact_lock(hashtext(${path}))`;
      const [{ next }] = await tx<
        { next: number }[]
      >`select coalesce(max(revision), 0) + 1 as next from kb.document_revision where path = ${path}`;
      await tx`
        insert into kb.document_revision (kb_id, path, revision, title, body, sha256, signature, tags, run_dir, file, published_at)
        values (${kbId}, ${path}, ${next}, ${documentTitle(options.title, r.file)}, ${r.body.toString('utf8')}, ${r.sha256},
                ${options.signature}, ${options.tags}, ${resolve(runDir)}, ${r.file}, ${publishedAt})`;
      out.push({ kbId, path, revision: next });
    }
    return out;
  });
}

/** Every document at its latest revision, sorted by path. */
export async function listKbPostgres(sql: AnySql): Promise<KbListing[]> {
  await ensureKbSchema(sql);
  const rows = await sql<{ kb_id: string; path: string; revision: number; title: string; published_at: Date }[]>`
    select distinct on (path) kb_id, path, revision, title, published_at
    from kb.document_revision order by path, revision desc`;
  return rows.map((r) => ({
    kbId: r.kb_id,
    path: r.path,
    revision: r.revision,
    title: r.title,
    publishedAt: r.published_at.toISOString(),
  }));
}

/** One document by KB id or path, at its latest revision or the one asked for; rendered exactly like the dir store. */
export async function showKbPostgres(sql: AnySql, idOrPath: string, revision?: number): Promise<KbShown> {
  await ensureKbSchema(sql);
  const id = asKbId(idOrPath);
  const wanted = idOrPath.replace(/^\/+|\/+$/g, '');
  let paths: string[] = [];
  if (id)
    paths = (await sql<{ path: string }[]>`select distinct path from kb.document_revision where kb_id = ${id} order by path`).map(
      (r) => r.path,
    );
  if (!paths.length)
    paths = (
      await sql<
        { path: string }[]
      >`select distinct path from kb.document_revision where path in (${wanted}, ${wanted + '.md'}) order by path`
    ).map((r) => r.path);
  if (!paths.length) throw errors.kbNotFound(idOrPath);
  if (paths.length > 1) throw errors.kbAmbiguous(idOrPath, paths);
  const revisions = (
    await sql<{ revision: number }[]>`select revision from kb.document_revision where path = ${paths[0]} order by revision`
  ).map((r) => r.revision);
  const rev = revision ?? revisions[revisions.length - 1];
  const [row] = await sql<RevisionRow[]>`select * from kb.document_revision where path = ${paths[0]} and revision = ${rev}`;
  if (!row) throw errors.kbNotFound(`${paths[0]} revision ${rev} (kept: ${revisions.join(', ')})`);
  // The run's other reports, published with it, for the footer links (as the dir store renders them).
  const siblings = (
    await sql<{ file: string }[]>`select distinct file from kb.document_revision where run_dir = ${row.run_dir} order by file`
  ).map((r) => r.file);
  const text = renderKbDocument({
    siblings,
    kbId: row.kb_id,
    path: row.path,
    title: row.title,
    revision: row.revision,
    tags: row.tags,
    runDir: row.run_dir,
    file: row.file,
    sha256: row.sha256,
    signature: row.signature,
    publishedAt: row.published_at.toISOString(),
    body: row.body,
  });
  return { kbId: row.kb_id, path: row.path, revision: row.revision, title: row.title, revisions, text };
}

/** Opens a short-lived connection to the KB database, makes sure the schema exists, runs fn, and closes it. */
export async function withKbDatabase<T>(url: string, fn: (sql: AnySql) => Promise<T>): Promise<T> {
  const sql = postgresJs()(url, {
    max: 1,
    connect_timeout: 5,
    onnotice: () => undefined,
    connection: { application_name: 'gaterun/kb' },
  }) as unknown as AnySql;
  try {
    await ensureKbSchema(sql);
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
