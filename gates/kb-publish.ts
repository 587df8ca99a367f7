// Gate `kb-publish`: after the bundle is signed, copies its reports into the knowledge base as new revisions.
import { defineGate, fail, pass } from '../src/gate.js';
import { publishToKbDir } from '../src/kb/kb-dir.js';

export interface KbPublishParams {
  /** KB directory; default the target's kb.dir. */
  dir?: string;
  /** Path inside the KB; default the macro's kb.path. */
  path?: string;
  tags?: string[];
}

const messages = {
  noDir: 'no KB directory: set kb.dir in the target file or dir: in the gate',
  noPath: 'no KB path: set kb.path in the macro or path: in the gate',
};

export default defineGate<KbPublishParams>({
  kind: 'kb-publish',
  summary: 'Publishes the signed report bundle to the knowledge base',
  phase: 'finalize',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { dir: { type: 'string' }, path: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
  },
  messages,
  async run(ctx, p) {
    const root = p.dir ?? (ctx.target.kb as { dir?: string } | undefined)?.dir;
    const path = p.path ?? ctx.run.kb?.path;
    if (!root) return fail(messages.noDir, { messageId: 'noDir' });
    if (!path) return fail(messages.noPath, { messageId: 'noPath' });
    // The KB module writes each revision exclusively (never overwrites one); it is the run's only output outside the run dir.
    const docs = publishToKbDir(root, path, ctx.run.dir, { tags: p.tags ?? ctx.run.kb?.tags ?? [], title: ctx.run.title ?? ctx.run.macroId, signature: ctx.run.signature ?? 'UNSIGNED' });
    const checks = docs.map((d) => ({ status: 'PASS' as const, text: `${d.kbId} ${d.path} Revision ${d.revision}` }));
    return pass(`published ${docs.length} documents to ${root}/${path}`, { checks, facts: { documents: docs.length, kb_root: root, kb_path: path, revisions: docs.map((d) => d.revision) } });
  },
});
