// Reproducible release artifacts from a git commit: filtered file list, fixed tar metadata, gzip -n.
import type { Evidence, GateContext } from '../gate.js';
import { git, gitError, lsTree, revParse } from '../git/git.js';
import { anyGlob, DEFAULT_ARTIFACT_EXCLUDES } from './glob.js';
import { hashFilesOnHost } from './hash-tree.js';
import { byteOrder, formatManifest } from './manifest.js';
import { writeFileOnHost } from './write-file.js';

export interface ArtifactOptions {
  repo: string;
  commit: string;
  name: string;
  out: string;
  host: string;
  /** Extra exclusions on top of DEFAULT_ARTIFACT_EXCLUDES. */
  exclude?: string[];
  /** Globs that must not match any file that would be shipped: a match fails the build. */
  forbid?: string[];
  /** Whether writing to `out` is a change outside the run dir (declared to the ledger). */
  mutates: boolean;
}

export interface ArtifactBuilt {
  ok: true;
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  files: number;
  symlinks: number;
  manifestPath: string;
  manifestSha256: string;
  commit: string;
  shortSha: string;
  commitTime: number;
  excluded: { path: string; why: string }[];
  evidence: Evidence[];
}

export interface ArtifactFailed {
  ok: false;
  messageId: 'badRev' | 'forbidden' | 'buildFailed';
  error: string;
  forbidden?: string[];
  evidence: Evidence[];
}

// bash for pipefail: a failing `git archive` or `tar` must fail the build, not yield a short archive.
// Fixed metadata makes the bytes a function of the commit only: names sorted by the caller (byte
// order), mtime = commit time, uid/gid 0 without names, modes 0644/0755 from the exec bit
// (a=rX,u+w), GNU format (no pax atime/ctime records), gzip -n (no name, no timestamp).
const BUILD_SCRIPT = `set -euo pipefail
repo=$1; sha=$2; stage=$3; mtime=$4; out=$5
mkdir -p "$stage/t" "$(dirname "$out")"
cat > "$stage/list"
git -C "$repo" archive --format=tar "$sha" | tar -x -C "$stage/t" -f -
cd "$stage/t"
LC_ALL=C tar --create --format=gnu --no-recursion --null --verbatim-files-from -T "$stage/list" \\
  --mtime="@$mtime" --owner=0 --group=0 --numeric-owner --mode=a=rX,u+w -f - | gzip -n -6 > "$out.part"
mv -f "$out.part" "$out"`;

/** Builds `<name>-<short>.tar.gz` and `DEPLOY-MANIFEST-<short>.txt` in `out` on the host. */
export async function buildArtifact(ctx: GateContext, o: ArtifactOptions): Promise<ArtifactBuilt | ArtifactFailed> {
  const evidence: Evidence[] = [];
  const host = o.host;
  const rev = await revParse(ctx, o.repo, o.commit, host);
  evidence.push(rev.exec.evidence);
  if (!rev.sha) return { ok: false, messageId: 'badRev', error: `${o.commit} is not a commit of ${o.repo}`, evidence };
  const sha = rev.sha;
  const shortSha = sha.slice(0, 7);
  const time = await git(ctx, o.repo, ['show', '-s', '--format=%ct', sha], { host });
  evidence.push(time.evidence);
  const commitTime = Number(time.stdout.trim());
  const tree = await lsTree(ctx, o.repo, sha, host);
  evidence.push(tree.exec.evidence);
  if (!tree.entries) return { ok: false, messageId: 'buildFailed', error: gitError(tree.exec), evidence };

  const excludedBy = anyGlob([...DEFAULT_ARTIFACT_EXCLUDES, ...(o.exclude ?? [])]);
  const excluded: { path: string; why: string }[] = [];
  const shipped: { path: string; mode: string }[] = [];
  for (const e of tree.entries) {
    if (e.type === 'commit') { excluded.push({ path: e.path, why: 'submodule' }); continue; }
    const why = excludedBy(e.path);
    if (why) excluded.push({ path: e.path, why });
    else shipped.push({ path: e.path, mode: e.mode });
  }
  const forbidden = o.forbid?.length ? shipped.map((f) => f.path).filter((p) => anyGlob(o.forbid!)(p)) : [];
  if (forbidden.length) return { ok: false, messageId: 'forbidden', error: `forbidden files would be shipped: ${forbidden.join(', ')}`, forbidden, evidence };
  shipped.sort((a, b) => byteOrder(a.path, b.path));

  const fileName = `${o.name}-${shortSha}.tar.gz`;
  const path = `${o.out.replace(/\/+$/, '')}/${fileName}`;
  const manifestPath = `${o.out.replace(/\/+$/, '')}/DEPLOY-MANIFEST-${shortSha}.txt`;
  const tmp = await ctx.exec('mktemp', ['-d', '-t', 'gaterun-artifact-XXXXXX'], { host });
  evidence.push(tmp.evidence);
  if (tmp.exitCode !== 0) return { ok: false, messageId: 'buildFailed', error: `mktemp: ${tmp.stderr.trim()}`, evidence };
  const stage = tmp.stdout.trim();
  try {
    const build = await ctx.exec('bash', ['-c', BUILD_SCRIPT, 'bash', o.repo, sha, stage, String(commitTime), path], {
      host,
      input: shipped.map((f) => `${f.path}\0`).join(''),
      mutates: o.mutates,
      scope: 'source',
    });
    evidence.push({ ...build.evidence, title: `build ${fileName}` });
    if (build.exitCode !== 0) return { ok: false, messageId: 'buildFailed', error: `building ${fileName}: ${build.stderr.trim().slice(0, 400)}`, evidence };

    const regular = shipped.filter((f) => f.mode !== '120000').map((f) => f.path);
    const hashed = await hashFilesOnHost(ctx, `${stage}/t`, regular, { host });
    evidence.push({ ...hashed.exec.evidence, title: 'sha256 of every shipped file' });
    if (!hashed.hashes || hashed.hashes.size !== regular.length) return { ok: false, messageId: 'buildFailed', error: hashed.error ?? 'manifest hashing missed files', evidence };
    const manifestText = formatManifest(hashed.hashes);
    const wm = await writeFileOnHost(ctx, manifestPath, manifestText, { host, mutates: o.mutates, scope: 'source' });
    evidence.push({ ...wm.evidence, title: `write ${manifestPath}` });
    if (wm.exitCode !== 0) return { ok: false, messageId: 'buildFailed', error: `writing the manifest: ${wm.stderr.trim()}`, evidence };

    const sums = await ctx.exec('sh', ['-c', 'sha256sum -- "$1" "$2" && stat -c %s -- "$1"', 'sh', path, manifestPath], { host });
    evidence.push(sums.evidence);
    const [a, m, size] = sums.stdout.trim().split('\n');
    if (sums.exitCode !== 0 || !a || !m) return { ok: false, messageId: 'buildFailed', error: `hashing the artifact: ${sums.stderr.trim()}`, evidence };
    return {
      ok: true, path, fileName, sha256: a.slice(0, 64), bytes: Number(size), files: shipped.length, symlinks: shipped.length - regular.length,
      manifestPath, manifestSha256: m.slice(0, 64), commit: sha, shortSha, commitTime, excluded, evidence,
    };
  } finally {
    await ctx.exec('rm', ['-rf', '--', stage], { host });
  }
}
