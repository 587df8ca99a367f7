// The manifest-verify checks: a tree on a host against a DEPLOY-MANIFEST: N/N sha256 match, each mismatch, missing, extra.
// Shared by the `manifest-verify` gate and by gates that compose it (predecessor); takes only ctx.
import { fail, pass, type Check, type GateContext, type GateResult, hostMessages } from '../gate.js';
import { readManifest, verifyTree } from '../deploy/verify-tree.js';
import { DEFAULT_VERIFY_IGNORES } from '../files/glob.js';
import { hostBlocked } from '../files/host-ready.js';

export interface ManifestVerifyParams {
  path: string;
  manifest: string;
  /** Host that holds the manifest file (default local: the artifact gate writes it there). */
  manifest_host?: string;
  /** Extra files matching these globs are counted as ignored, not as extra (default: Python caches). */
  ignore?: string[];
}

export const manifestVerifyMessages = {
  ...hostMessages,
  mismatch: '{line}; {problems}',
  unreadable: '{error}',
};

/** JSON Schema of the manifest-verify check's params (the `manifest-verify` gate's `with:`). */
export const manifestVerifyParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'manifest'],
  properties: {
    path: { description: 'tree to check on the gate host', type: 'string', minLength: 1 },
    manifest: { description: 'DEPLOY-MANIFEST file (lines: sha256  path)', type: 'string', minLength: 1 },
    manifest_host: { description: 'host that holds the manifest (default local)', type: 'string', minLength: 1 },
    ignore: { description: 'globs counted as ignored, not extra (default: Python caches)', type: 'array', items: { type: 'string' } },
  },
} as const;

/** Runs the manifest-verify checks through ctx; the `manifest-verify` gate returns this result as its own. */
export async function runManifestVerify(ctx: GateContext, p: ManifestVerifyParams): Promise<GateResult & { messageId?: string }> {
  const host = ctx.host;
  const unreachable = await hostBlocked(ctx, host);
  if (unreachable) return unreachable;
  const m = await readManifest(ctx, p.manifest, p.manifest_host ?? 'local');
  if (!m.manifest) return fail(m.error!, { messageId: 'unreadable', evidence: [m.evidence] });
  const v = await verifyTree(ctx, p.path, m.manifest, { host, ignore: p.ignore ?? DEFAULT_VERIFY_IGNORES });
  const evidence = [m.evidence, v.evidence];
  if (!v.comparison) return fail(v.error!, { messageId: 'unreadable', evidence });
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
    return fail(`${v.line} at ${where}; ${v.problems.slice(0, 10).join(', ')}${v.problems.length > 10 ? ', …' : ''}`, {
      messageId: 'mismatch',
      checks,
      facts,
      evidence,
    });
  return pass(`${v.line} at ${where}`, { checks, facts, evidence });
}
