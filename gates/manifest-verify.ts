// manifest-verify: a tree on a host against a DEPLOY-MANIFEST: N/N sha256 match, each mismatch, missing, extra.
import { defineGate, hostMessages, results, type Check } from '../src/gate.js';
import { readManifest, verifyTree } from '../src/deploy/verify-tree.js';
import { DEFAULT_VERIFY_IGNORES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';

export interface ManifestVerifyParams {
  path: string;
  manifest: string;
  /** Host that holds the manifest file (default local: the artifact gate writes it there). */
  manifest_host?: string;
  /** Extra files matching these globs are counted as ignored, not as extra (default: Python caches). */
  ignore?: string[];
}

const messages = {
  ...hostMessages,
  mismatch: '{line} at {where}; {problems}',
  unreadable: '{error}',
};
const { pass, fail } = results(messages);

export default defineGate<ManifestVerifyParams>({
  kind: 'manifest-verify',
  summary: 'Checks every file of a tree on a host against a sha256 manifest, naming each mismatch, missing and extra file',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'manifest'],
    properties: {
      path: { type: 'string', minLength: 1 },
      manifest: { type: 'string', minLength: 1 },
      manifest_host: { type: 'string', minLength: 1 },
      ignore: { type: 'array', items: { type: 'string' } },
    },
  },
  messages,
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    const m = await readManifest(ctx, p.manifest, p.manifest_host ?? 'local');
    if (!m.manifest) return fail({ messageId: 'unreadable', data: { error: m.error }, evidence: [m.evidence] });
    const v = await verifyTree(ctx, p.path, m.manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
    const evidence = [m.evidence, v.evidence];
    if (!v.comparison) return fail({ messageId: 'unreadable', data: { error: v.error }, evidence });
    const c = v.comparison;
    const facts = {
      matched: c.matched,
      total: c.total,
      mismatched: c.mismatched,
      missing: c.missing,
      extra: c.extra,
      ignored: c.ignored.length,
      host,
      path: p.path,
      manifest: p.manifest,
    };
    const where = `${ctx.hosts.display(host)}:${p.path}`;
    const checks: Check[] = [
      { id: 'MANIFEST', status: v.exact ? 'PASS' : 'FAIL', text: `${v.line} (${where})` },
      ...v.problems.map((text) => ({ status: 'FAIL' as const, text })),
      ...(c.ignored.length
        ? [
            {
              status: 'INFO' as const,
              text: `ignored ${c.ignored.length} cache file(s) (${(p.ignore ?? DEFAULT_VERIFY_IGNORES).join(' ')})`,
            },
          ]
        : []),
    ];
    if (!v.exact)
      return fail({
        messageId: 'mismatch',
        data: { line: v.line, where, problems: `${v.problems.slice(0, 10).join(', ')}${v.problems.length > 10 ? ', …' : ''}` },
        checks,
        facts,
        evidence,
      });
    return pass(`${v.line} at ${where}`, { checks, facts, evidence });
  },
});
