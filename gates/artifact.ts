// artifact: a reproducible `<name>-<short-sha>.tar.gz` of a commit plus its DEPLOY-MANIFEST.
// Policy: VCS, env, key and cache files are left out by default and listed in `excluded` (a repo
// that commits a .pyc should still ship cleanly); `forbid:` globs are the hard stop — any shipped
// file they match FAILs the gate before anything is written.
import { commitTreeInput } from '../src/checks/input-digest.js';
import { defineGate, hostMessages, results } from '../src/gate.js';
import { buildArtifact } from '../src/files/artifact.js';
import { DEFAULT_ARTIFACT_EXCLUDES } from '../src/files/glob.js';
import { hostBlocked } from '../src/files/host-ready.js';

export interface ArtifactParams {
  repo: string;
  /** Commit to package (default HEAD). */
  commit?: string;
  name: string;
  /** Output directory (default: `<run dir>/artifacts`). */
  out?: string;
  exclude?: string[];
  forbid?: string[];
}

const messages = {
  ...hostMessages,
  badRev: 'cannot build: {error}',
  forbidden: 'forbidden files would be shipped: {files}',
  buildFailed: 'build failed: {error}',
};
const { pass, fail } = results(messages);

export default defineGate<ArtifactParams>({
  kind: 'artifact',
  summary: 'Builds a byte-reproducible tar.gz of a commit without VCS, env, key or cache files, plus a sha256 manifest',
  facts: {
    path: 'where the tar.gz was written',
    name: 'its file name',
    sha256: 'sha256 of the tar.gz',
    bytes: 'its size',
    files: 'files in it',
    symlinks: 'symlinks in it',
    manifest: 'path of DEPLOY-MANIFEST-<sha>.txt',
    manifest_sha256: 'sha256 of the manifest',
    commit: 'the commit archived',
    short_sha: 'its short sha',
    commit_time: 'its commit time',
    excluded: 'paths left out (.git, .env, keys, caches)',
    excluded_count: 'how many were left out',
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['repo', 'name'],
    properties: {
      repo: { description: 'git repository to package', type: 'string', minLength: 1 },
      commit: { description: 'commit to package (default HEAD)', type: 'string', minLength: 1 },
      name: { description: 'artifact base name: <name>-<short sha>.tar.gz', type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
      out: { description: 'output folder (default <run dir>/artifacts)', type: 'string', minLength: 1 },
      exclude: {
        description: 'extra globs left out of the tar.gz (on top of .git, .env, keys, caches)',
        type: 'array',
        items: { type: 'string', minLength: 1 },
      },
      forbid: {
        description: 'globs that must not be in the commit at all: FAIL if any is',
        type: 'array',
        items: { type: 'string', minLength: 1 },
      },
    },
  },
  messages,
  reuse: {
    reads: "the commit's tree (the artifact is made of it; a reused artifact stays in the earlier bundle, and deploy checks its sha256)",
    digest: async (ctx, p) => [await commitTreeInput(ctx, p.repo, p.commit ?? 'HEAD')],
  },
  async run(ctx, p) {
    const host = ctx.host;
    const unreachable = await hostBlocked(ctx, host);
    if (unreachable) return unreachable;
    const out = p.out ?? `${ctx.run.dir}/artifacts`;
    const insideRun = ctx.hosts.isLocal(host) && (out === ctx.run.dir || out.startsWith(`${ctx.run.dir}/`));
    const r = await buildArtifact(ctx, {
      repo: p.repo,
      commit: p.commit ?? 'HEAD',
      name: p.name,
      out,
      host,
      exclude: p.exclude,
      forbid: p.forbid,
      mutates: !insideRun,
    });
    if (!r.ok) {
      return fail({
        messageId: r.messageId,
        data: { error: r.error, files: (r.forbidden ?? []).join(', ') },
        checks: (r.forbidden ?? []).map((f) => ({
          id: 'FORBID',
          status: 'FAIL' as const,
          text: `${f} matches forbid: and would be shipped`,
        })),
        facts: { forbidden: r.forbidden ?? [] },
        evidence: r.evidence,
      });
    }
    const facts = {
      path: r.path,
      name: r.fileName,
      sha256: r.sha256,
      bytes: r.bytes,
      files: r.files,
      symlinks: r.symlinks,
      manifest: r.manifestPath,
      manifest_sha256: r.manifestSha256,
      commit: r.commit,
      short_sha: r.shortSha,
      commit_time: r.commitTime,
      excluded: r.excluded.map((e) => e.path),
      excluded_count: r.excluded.length,
    };
    const checks = [
      { id: 'ARTIFACT', status: 'PASS' as const, text: `${r.fileName} sha256 ${r.sha256} (${r.bytes} bytes, ${r.files} files)` },
      { id: 'MANIFEST', status: 'PASS' as const, text: `DEPLOY-MANIFEST-${r.shortSha}.txt sha256 ${r.manifestSha256}` },
      {
        id: 'CLEAN',
        status: 'PASS' as const,
        text: r.excluded.length
          ? `excluded ${r.excluded.length}: ${r.excluded.map((e) => `${e.path} (${e.why})`).join(', ')}`
          : `no .git/.env/key/cache files in the commit (rules: ${DEFAULT_ARTIFACT_EXCLUDES.join(' ')})`,
      },
    ];
    return pass(`artifact ${r.fileName} sha256 ${r.sha256.slice(0, 8)}…, ${r.files} files; manifest ${r.manifestSha256.slice(0, 8)}…`, {
      checks,
      facts,
      evidence: [
        ...r.evidence,
        { kind: 'file', title: r.fileName, path: r.path, sha256: r.sha256 },
        { kind: 'file', title: `DEPLOY-MANIFEST-${r.shortSha}.txt`, path: r.manifestPath, sha256: r.manifestSha256 },
      ],
    });
  },
});
