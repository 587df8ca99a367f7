// Reproducible release artifacts from a git commit: filtered file list, fixed tar metadata, gzip -n.
import type { Evidence, GateContext } from '../gate.js';
import { gitError } from '../git/git.js';
import { anyGlob, globMatcher, DEFAULT_ARTIFACT_EXCLUDES } from './glob.js';
import { parseSha256sumZ } from './hash-tree.js';
import { byteOrder, formatManifest } from './manifest.js';

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

// One exec does the heavy part, so the cost is close to `git archive | gzip` itself:
// - the tar is git's own writer (`git archive --format=tar`): entries in tree order, mtime = commit
//   time, uid/gid 0, modes 0644/0755 from the exec bit (tar.umask=0022), a pax header naming the
//   commit; user config that rewrites content (autocrlf/eol) is pinned off; excluded files are left
//   out by `:(exclude,literal)` pathspecs; `gzip -n` stores no name
//   or time. So the bytes depend on the commit only (and on git's tar writer and gzip, which are
//   stable across versions in practice).
// - the same stream is tee'd into a staging dir (tmpfs when it has room) and every staged file is
//   hashed there: the manifest describes exactly the bytes in the archive.
// bash for pipefail: a failing `git archive` must fail the build, not yield a short archive.
const BUILD_SCRIPT = [
  'set -euo pipefail',
  'repo=$1; sha=$2; out=$3; need_kb=$4; files=$5; shift 5',
  'base=${TMPDIR:-/tmp}',
  'if [ -d /dev/shm ] && [ -w /dev/shm ]; then',
  '  if [ "$need_kb" -lt 16384 ]; then base=/dev/shm',
  '  else',
  "    avail=$(df -Pk /dev/shm | awk 'NR==2 {print $4}')",
  '    if [ "${avail:-0}" -gt $((need_kb * 3 + 65536)) ]; then base=/dev/shm; fi',
  '  fi',
  'fi',
  'stage=$(mktemp -d "$base/gaterun-artifact-XXXXXX")',
  'trap \'rm -rf "$stage"\' EXIT',
  'mkdir -p "$stage/t" "$(dirname "$out")"',
  'mkfifo "$stage/gz"',
  'gzip -n -6 < "$stage/gz" > "$out.part" &',
  'gz=$!',
  'git -C "$repo" -c tar.umask=0022 -c core.autocrlf=false -c core.eol=lf archive --format=tar "$sha" -- . "$@" | tee "$stage/gz" | tar -x -C "$stage/t" -f -',
  'wait "$gz"',
  'mv -f "$out.part" "$out"',
  'cd "$stage/t"',
  'if [ "$files" -lt 2000 ]; then find . -type f -print0 | xargs -0 -r sha256sum -z --; exit 0; fi',
  'P=$(nproc 2>/dev/null || echo 2)',
  'mkdir "$stage/h"',
  'find . -type f -print0 | xargs -0 -r -P "$P" -n 1000 sh -c \'sha256sum -z -- "$@" > "$0/$$"\' "$stage/h"',
  'cat "$stage/h"/* 2>/dev/null || true',
].join('\n');

/** The `why` of files `git archive` leaves out because an attribute file marks them export-ignore. */
export const EXPORT_IGNORE = 'export-ignore (.gitattributes)';

// The commit's own attributes, as `git archive` reads them: a throw-away index holding the commit's tree,
// then `check-attr --cached` over every file and every directory (`dir/`): archive skips a directory whose
// attribute is set, so its files count as ignored too. (`check-attr --source` needs git 2.40.)
const CHECK_ATTR_SCRIPT = [
  'set -e',
  'idx=$(mktemp "${TMPDIR:-/tmp}/gaterun-index-XXXXXX")',
  'trap \'rm -f "$idx"\' EXIT',
  'GIT_INDEX_FILE=$idx git -C "$1" read-tree "$2"',
  'GIT_INDEX_FILE=$idx git -C "$1" check-attr --cached -z --stdin export-ignore',
].join('\n');

/** Paths of a commit that its attributes mark export-ignore (directly or through a directory). */
export async function exportIgnored(
  ctx: GateContext,
  repo: string,
  commit: string,
  paths: string[],
  host: string,
): Promise<{ paths: Set<string>; evidence: Evidence; error?: string }> {
  const dirs = new Set<string>();
  for (const p of paths) for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i + 1));
  const asked = [...dirs, ...paths];
  const r = await ctx.exec('sh', ['-c', CHECK_ATTR_SCRIPT, 'sh', repo, commit], { host, input: asked.map((p) => `${p}\0`).join('') });
  const evidence = { ...r.evidence, title: 'export-ignore attributes of the commit (git check-attr)' };
  if (r.exitCode !== 0) return { paths: new Set(), evidence, error: `reading .gitattributes: ${gitError(r)}` };
  const set = new Set<string>();
  const f = r.stdout.split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) if (f[i + 1] === 'export-ignore' && f[i + 2] === 'set') set.add(f[i]);
  const ignored = new Set<string>();
  if (set.size)
    for (const p of paths) {
      if (set.has(p)) ignored.add(p);
      else for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (set.has(p.slice(0, i + 1))) ignored.add(p);
    }
  return { paths: ignored, evidence };
}

/** `:(exclude,literal)` pathspecs for excluded entries: whole directories where a directory rule matched, else files. */
export function excludePathspecs(excluded: { path: string; why: string }[]): string[] {
  const out = new Set<string>();
  for (const e of excluded) {
    if (e.why === EXPORT_IGNORE) continue;
    let spec = e.path;
    if (e.why.endsWith('/')) {
      const dirRule = globMatcher(e.why);
      const parts = e.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (dirRule(`${prefix}/`)) {
          spec = prefix;
          break;
        }
      }
    }
    out.add(`:(exclude,literal)${spec}`);
  }
  return [...out].sort(byteOrder);
}

/** Builds `<name>-<short>.tar.gz` and `DEPLOY-MANIFEST-<short>.txt` in `out` on the host. */
export async function buildArtifact(ctx: GateContext, o: ArtifactOptions): Promise<ArtifactBuilt | ArtifactFailed> {
  const evidence: Evidence[] = [];
  const host = o.host;
  // One exec for the commit and its tree: `<sha> <commit time>` on the first line, then ls-tree -z.
  ctx.log.info(`reading the tree of ${o.commit} in ${o.repo}`);
  const tree = await ctx.exec(
    'sh',
    [
      '-c',
      'c=$(git -C "$1" rev-parse --verify --quiet "$2^{commit}") || exit 9\ngit -C "$1" show -s --format="%H %ct" "$c" --\ngit -C "$1" ls-tree -r -l -z --full-tree "$c"',
      'sh',
      o.repo,
      o.commit,
    ],
    { host },
  );
  evidence.push(tree.evidence);
  if (tree.exitCode === 9) return { ok: false, messageId: 'badRev', error: `${o.commit} is not a commit of ${o.repo}`, evidence };
  if (tree.exitCode !== 0) return { ok: false, messageId: 'buildFailed', error: gitError(tree), evidence };
  const nl = tree.stdout.indexOf('\n');
  const [sha, ct] = tree.stdout.slice(0, nl).split(' ');
  const shortSha = sha.slice(0, 7);
  const commitTime = Number(ct);
  const entries = tree.stdout
    .slice(nl + 1)
    .split('\0')
    .filter((r) => r.length > 0 && r !== '\n')
    .map((rec) => {
      const tab = rec.indexOf('\t');
      const [mode, type, , size] = rec.slice(0, tab).replace(/^\n/, '').trim().split(/\s+/);
      return { mode, type, size: Number(size) || 0, path: rec.slice(tab + 1) };
    });

  // `git archive` leaves out what the commit's attributes mark export-ignore; the file list must too.
  ctx.log.info(`checking export-ignore attributes of ${entries.length} paths`);
  const ignoredByAttr = await exportIgnored(
    ctx,
    o.repo,
    sha,
    entries.filter((e) => e.type !== 'commit').map((e) => e.path),
    host,
  );
  evidence.push(ignoredByAttr.evidence);
  if (ignoredByAttr.error) return { ok: false, messageId: 'buildFailed', error: ignoredByAttr.error, evidence };
  const excludedBy = anyGlob([...DEFAULT_ARTIFACT_EXCLUDES, ...(o.exclude ?? [])]);
  const excluded: { path: string; why: string }[] = [];
  const shipped: { path: string; mode: string; size: number }[] = [];
  for (const e of entries) {
    if (e.type === 'commit') {
      excluded.push({ path: e.path, why: 'submodule' });
      continue;
    }
    if (ignoredByAttr.paths.has(e.path)) {
      excluded.push({ path: e.path, why: EXPORT_IGNORE });
      continue;
    }
    const why = excludedBy(e.path);
    if (why) excluded.push({ path: e.path, why });
    else shipped.push(e);
  }
  const forbidden = o.forbid?.length ? shipped.map((f) => f.path).filter((p) => anyGlob(o.forbid!)(p)) : [];
  if (forbidden.length)
    return { ok: false, messageId: 'forbidden', error: `forbidden files would be shipped: ${forbidden.join(', ')}`, forbidden, evidence };

  const fileName = `${o.name}-${shortSha}.tar.gz`;
  const dir = o.out.replace(/\/+$/, '');
  const path = `${dir}/${fileName}`;
  const manifestPath = `${dir}/DEPLOY-MANIFEST-${shortSha}.txt`;
  const needKb = Math.ceil(shipped.reduce((n, f) => n + f.size, 0) / 1024);
  ctx.log.info(`packing and hashing ${shipped.length} files (${needKb} KiB) into ${fileName}`);
  const build = await ctx.exec(
    'bash',
    ['-c', BUILD_SCRIPT, 'bash', o.repo, sha, path, String(needKb), String(shipped.length), ...excludePathspecs(excluded)],
    { host, mutates: o.mutates, scope: 'source' },
  );
  evidence.push({ ...build.evidence, title: `build ${fileName} and hash its files` });
  if (build.exitCode !== 0)
    return { ok: false, messageId: 'buildFailed', error: `building ${fileName}: ${build.stderr.trim().slice(0, 400)}`, evidence };
  const hashes = parseSha256sumZ(build.stdout);
  // The manifest must describe exactly the files we meant to ship; a pathspec surprise is a failure.
  const regular = shipped.filter((f) => f.mode !== '120000').map((f) => f.path);
  const unexpected = [...hashes.keys()].filter((p) => !regular.includes(p));
  const absent = regular.filter((p) => !hashes.has(p));
  if (unexpected.length || absent.length) {
    const attrFiles = entries.filter((e) => /(^|\/)\.gitattributes$/.test(e.path)).map((e) => e.path);
    return {
      ok: false,
      messageId: 'buildFailed',
      error: `archive content differs from the file list: ${[...absent.map((p) => `missing ${p}`), ...unexpected.map((p) => `unexpected ${p}`)].slice(0, 10).join(', ')}${attrFiles.length ? `; check the export-ignore/export-subst rules in ${attrFiles.join(', ')}` : '; check export-* attributes in .gitattributes, .git/info/attributes or core.attributesFile'}`,
      evidence,
    };
  }
  ctx.log.info(`writing ${manifestPath} (${hashes.size} sha256 lines)`);
  const wm = await ctx.exec(
    'sh',
    ['-c', 'cat > "$2.part" && mv -f "$2.part" "$2" && sha256sum -- "$1" "$2" && stat -c %s -- "$1"', 'sh', path, manifestPath],
    {
      host,
      input: formatManifest(hashes),
      mutates: o.mutates,
      scope: 'source',
    },
  );
  evidence.push({ ...wm.evidence, title: `write ${manifestPath}; sha256 of both` });
  const [a, m, size] = wm.stdout.trim().split('\n');
  if (wm.exitCode !== 0 || !a || !m)
    return { ok: false, messageId: 'buildFailed', error: `writing the manifest: ${wm.stderr.trim()}`, evidence };
  return {
    ok: true,
    path,
    fileName,
    sha256: a.slice(0, 64),
    bytes: Number(size),
    files: shipped.length,
    symlinks: shipped.length - regular.length,
    manifestPath,
    manifestSha256: m.slice(0, 64),
    commit: sha,
    shortSha,
    commitTime,
    excluded,
    evidence,
  };
}
