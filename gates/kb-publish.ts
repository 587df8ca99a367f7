// Gate `kb-publish`: after the bundle is signed, copies its reports into the knowledge base as new revisions.
import { defineGate, results } from '../src/gate.js';
import { databaseUrl, type DatabaseEntry } from '../src/context/db.js';
import { publishToKbDir } from '../src/kb/kb-dir.js';
import { publishToKbPostgres, withKbDatabase } from '../src/kb/kb-postgres.js';

export interface KbPublishParams {
  /** KB directory; default the target's kb.dir. */
  dir?: string;
  /** Path inside the KB; default the macro's kb.path. */
  path?: string;
  tags?: string[];
  /** `dir` (default when the target has kb.dir) or `database` (the target's kb.database, schema kb). */
  store?: 'dir' | 'database';
}

const messages = {
  noDir: 'no KB directory: set kb.dir in the target file or dir: in the gate',
  noPath: 'no KB path: set kb.path in the macro or path: in the gate',
  noDatabase: 'no KB database: set kb.database in the target to one of its databases',
  database: 'KB {root}: {error}',
};
const { pass, fail } = results(messages);

export default defineGate<KbPublishParams>({
  kind: 'kb-publish',
  summary: 'Publishes the signed report bundle to the knowledge base',
  phase: 'finalize',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dir: { type: 'string' },
      path: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      store: { enum: ['dir', 'database'] },
    },
  },
  messages,
  async run(ctx, p) {
    const kb = (ctx.target.kb ?? {}) as { dir?: string; database?: string };
    const path = p.path ?? ctx.run.kb?.path;
    if (!path) return fail({ messageId: 'noPath' });
    const options = {
      tags: p.tags ?? ctx.run.kb?.tags ?? [],
      title: ctx.run.title ?? ctx.run.macroId,
      signature: ctx.run.signature ?? 'UNSIGNED',
    };
    const store = p.store ?? ((p.dir ?? kb.dir) ? 'dir' : kb.database ? 'database' : 'dir');
    // Each store writes a revision exclusively (never overwrites one). Publishing runs after the bundle is sealed, so it
    // is not in the signed ledger; each KB document links back to the run and its signature instead.
    let root: string;
    let docs;
    if (store === 'database') {
      if (!kb.database) return fail({ messageId: 'noDatabase' });
      const url = databaseUrl(
        (ctx.target.databases ?? {}) as Record<string, DatabaseEntry>,
        kb.database,
        ctx.target.baseDir ?? process.cwd(),
      );
      root = `database ${kb.database} (schema kb)`;
      try {
        docs = await withKbDatabase(url, (sql) => publishToKbPostgres(sql, path, ctx.run.dir, options));
      } catch (e) {
        return fail({ messageId: 'database', data: { root, error: (e as Error).message } });
      }
    } else {
      const dir = p.dir ?? kb.dir;
      if (!dir) return fail({ messageId: 'noDir' });
      root = dir;
      docs = publishToKbDir(dir, path, ctx.run.dir, options);
    }
    const checks = docs.map((d) => ({ status: 'PASS' as const, text: `${d.kbId} ${d.path} Revision ${d.revision}` }));
    return pass(`published ${docs.length} documents to ${root}/${path}`, {
      checks,
      facts: { documents: docs.length, kb_root: root, kb_path: path, revisions: docs.map((d) => d.revision) },
    });
  },
});
