// The knowledge-base store a run publishes to (the target's kb.dir or kb.database), behind ctx.kb.
import type { TargetInfo } from '../gate.js';
import { databaseUrl, type DatabaseEntry } from '../db/database-url.js';
import { publishToKbDir } from './kb-dir.js';
import type { KbPublished, KbPublishOptions } from './kb-document.js';
import { publishToKbPostgres, withKbDatabase } from './kb-postgres.js';

/** Which store and where: a gate's params override the target's kb settings. */
export interface KbPublishRequest {
  /** Path inside the KB. */
  path: string;
  /** The signed run directory whose reports are published. */
  runDir: string;
  /** A KB directory (overrides the target's kb.dir). */
  dir?: string;
  /** `dir` (default when a directory is known) or `database` (the target's kb.database, schema kb). */
  store?: 'dir' | 'database';
  options: KbPublishOptions;
}

/** Where the documents went, or why nothing was published (a message id of the kb-publish gate). */
export type KbPublishResult =
  | { ok: true; root: string; docs: KbPublished[] }
  | { ok: false; messageId: 'noDir' | 'noDatabase' | 'database'; data: Record<string, string> };

/** The KB as a gate sees it. */
export interface KbAccess {
  /** Publishes each report of a signed run directory as the next revision of `<path>/<file>`. */
  publish(request: KbPublishRequest): Promise<KbPublishResult>;
}

/** The KB store of a target: its kb.dir, or its kb.database through the target's database entries. */
export function kbAccessFor(target: TargetInfo, embeddedUrl?: () => string | undefined): KbAccess {
  const kb = (target.kb ?? {}) as { dir?: string; database?: string };
  return {
    async publish(r): Promise<KbPublishResult> {
      const store = r.store ?? ((r.dir ?? kb.dir) ? 'dir' : kb.database ? 'database' : 'dir');
      if (store === 'database') {
        if (!kb.database) return { ok: false, messageId: 'noDatabase', data: {} };
        const root = `database ${kb.database} (schema kb)`;
        try {
          const databases = (target.databases ?? {}) as Record<string, DatabaseEntry>;
          const url = databaseUrl(databases, kb.database, target.baseDir ?? process.cwd(), embeddedUrl?.());
          const docs = await withKbDatabase(url, (sql) => publishToKbPostgres(sql, r.path, r.runDir, r.options));
          return { ok: true, root, docs };
        } catch (e) {
          return { ok: false, messageId: 'database', data: { root, message: (e as Error).message } };
        }
      }
      const dir = r.dir ?? kb.dir;
      if (!dir) return { ok: false, messageId: 'noDir', data: {} };
      return { ok: true, root: dir, docs: publishToKbDir(dir, r.path, r.runDir, r.options) };
    },
  };
}
