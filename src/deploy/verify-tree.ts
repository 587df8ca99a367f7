// A tree on a host against a manifest: N/N sha256 match, with each mismatch, missing and extra file.
import type { Evidence, GateContext } from '../gate.js';
import { anyGlob, DEFAULT_VERIFY_IGNORES } from '../files/glob.js';
import { hashTreeOnHost } from '../files/hash-tree.js';
import { compareWithManifest, isExactMatch, parseManifest, type TreeComparison } from '../files/manifest.js';

/** Reads and parses a manifest file on a host (default local). */
export async function readManifest(
  ctx: GateContext,
  path: string,
  host = 'local',
): Promise<{ manifest: Map<string, string> | null; evidence: Evidence; error?: string }> {
  const r = await ctx.exec('cat', ['--', path], { host });
  if (r.exitCode !== 0) return { manifest: null, evidence: r.evidence, error: `cannot read manifest ${path}: ${r.stderr.trim()}` };
  try {
    return { manifest: parseManifest(r.stdout), evidence: r.evidence };
  } catch (e) {
    return { manifest: null, evidence: r.evidence, error: `${path}: ${(e as Error).message}` };
  }
}

export interface TreeVerification {
  comparison: TreeComparison | null;
  exact: boolean;
  /** `N/N sha256 match` line for reports. */
  line: string;
  problems: string[];
  evidence: Evidence;
  error?: string;
}

/** Hashes `root` on the host and compares it with the manifest; ignored globs drop cache files from "extra". */
export async function verifyTree(
  ctx: GateContext,
  root: string,
  manifest: Map<string, string>,
  options: { host?: string; ignore?: string[] } = {},
): Promise<TreeVerification> {
  const h = await hashTreeOnHost(ctx, root, { host: options.host });
  if (!h.hashes)
    return {
      comparison: null,
      exact: false,
      line: `${root}: ${h.error}`,
      problems: [h.error ?? 'unreadable'],
      evidence: h.exec.evidence,
      error: h.error,
    };
  const ignored = anyGlob(options.ignore ?? DEFAULT_VERIFY_IGNORES);
  const c = compareWithManifest(manifest, h.hashes, (p) => ignored(p) !== null);
  const problems = [
    ...c.mismatched.map((p) => `MISMATCH ${p}`),
    ...c.missing.map((p) => `MISSING ${p}`),
    ...c.extra.map((p) => `EXTRA ${p}`),
  ];
  return {
    comparison: c,
    exact: isExactMatch(c),
    line: `${c.matched}/${c.total} sha256 match`,
    problems,
    evidence: { ...h.exec.evidence, title: `sha256 of every file under ${root}` },
  };
}
