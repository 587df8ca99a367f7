// Gate `kb-publish`: after the bundle is signed, copies its reports into the knowledge base as new revisions.
import { defineGate, results } from '../src/gate.js';
import { runPageUrl } from '../src/view/site-paths.js';

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
  database: 'KB {root}: {message}',
};
const { pass, fail } = results(messages);

export default defineGate<KbPublishParams>({
  kind: 'kb-publish',
  summary: 'Publishes the signed report bundle to the knowledge base',
  facts: {
    documents: 'documents published',
    kb_root: 'the KB root (dir or database)',
    kb_path: 'the KB path published under',
    revisions: 'revision number of each document',
  },
  phase: 'finalize',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dir: { description: "KB folder (default the target's kb.dir)", type: 'string' },
      path: { description: "path inside the KB (default the macro's kb.path)", type: 'string' },
      tags: { description: 'tags written into each document', type: 'array', items: { type: 'string' } },
      store: { description: "dir (default with kb.dir) or database (the target's kb.database, schema kb)", enum: ['dir', 'database'] },
    },
  },
  messages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  async run(ctx, p) {
    const kb = (ctx.target.kb ?? {}) as { site_url?: string };
    const path = p.path ?? ctx.run.kb?.path;
    if (!path) return fail({ messageId: 'noPath' });
    const options = {
      tags: p.tags ?? ctx.run.kb?.tags ?? [],
      title: ctx.run.title ?? ctx.run.macroId,
      signature: ctx.run.signature ?? 'UNSIGNED',
      runPage: kb.site_url ? runPageUrl(kb.site_url, ctx.run.dir) : undefined,
    };
    // Each store writes a revision exclusively (never overwrites one). Publishing runs after the bundle is sealed, so it
    // is not in the signed ledger; each KB document links back to the run and its signature instead.
    const r = await ctx.kb.publish({ path, runDir: ctx.run.dir, dir: p.dir, store: p.store, options });
    if (!r.ok) return fail({ messageId: r.messageId, data: r.data });
    const checks = r.docs.map((d) => ({ status: 'PASS' as const, text: `${d.kbId} ${d.path} Revision ${d.revision}` }));
    return pass(`published ${r.docs.length} documents to ${r.root}/${path}`, {
      checks,
      facts: {
        documents: r.docs.length,
        kb_root: r.root,
        kb_path: path,
        revisions: r.docs.map((d) => d.revision),
        run_page: options.runPage ?? null,
      },
    });
  },
});
