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
  /** How the manifest is hashed: `auto` (`stream` when perl has Digest::SHA, else `extract`); tests pin one. */
  hasher?: 'auto' | 'stream' | 'extract';
  /** What compresses: `auto` (`git` when git >= 2.38 has its internal gzip, else `gzip`); tests pin one. */
  compressor?: 'auto' | 'git' | 'gzip';
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

// Reads the `git archive --format=tar` stream on stdin and prints `<sha256>  <path>\0` for every regular file in it,
// as `sha256sum -z` would after extracting: the manifest is hashed while the archive streams (no staging copy, no
// second read). Handles ustar prefixes and pax `path=` records (git writes those for long names); reads the stream
// to its end so `tee` never sees a closed pipe. Perl with Digest::SHA; without it the build extracts and hashes.
/** The stream hasher's Perl source (exported for its tests). */
export const TAR_SHA256_PERL = String.raw`
use strict; use warnings; use Digest::SHA;
binmode STDIN; binmode STDOUT;
sub rd { my ($n) = @_; my $b = ''; while (length($b) < $n) { my $r = read(STDIN, $b, $n - length($b), length($b)); die "gaterun: tar stream ends early\n" unless $r; } return $b; }
sub skip { my ($n) = @_; while ($n > 0) { my $k = $n > 1048576 ? 1048576 : $n; rd($k); $n -= $k; } }
my $pax;
while (1) {
  my $h = rd(512);
  last if $h eq ("\0" x 512);
  my $type = substr($h, 156, 1);
  my $sf = substr($h, 124, 12);
  die "gaterun: tar entry too large for this reader\n" if ord($sf) & 0x80;
  $sf =~ s/[\0 ]+$//; $sf =~ s/^\s+//;
  my $size = $sf eq '' ? 0 : oct($sf);
  my $pad = (512 - $size % 512) % 512;
  my $name = unpack('Z100', $h);
  my $prefix = substr($h, 257, 6) =~ /^ustar/ ? unpack('Z155', substr($h, 345, 155)) : '';
  $name = "$prefix/$name" if length $prefix;
  if ($type eq 'x' || $type eq 'g') {
    my $d = rd($size); skip($pad);
    next if $type eq 'g';
    while (length $d) { my ($len) = $d =~ /^(\d+) / or die "gaterun: bad pax record\n"; my $rec = substr($d, 0, $len, ''); $pax = $1 if $rec =~ /^\d+ path=(.*)\n\z/s; }
    next;
  }
  if (defined $pax) { $name = $pax; undef $pax; }
  if ($type eq '0' || $type eq "\0") {
    my $sha = Digest::SHA->new(256);
    my $left = $size;
    while ($left > 0) { my $k = $left > 1048576 ? 1048576 : $left; $sha->add(rd($k)); $left -= $k; }
    skip($pad);
    print $sha->hexdigest, "  ", $name, "\0";
  } else { skip($size + $pad); }
}
my $rest; 1 while read(STDIN, $rest, 65536);
`;

/** The record between the file hashes and the export-ignore attributes in the build's output. */
const ATTRS_MARK = '--gaterun-export-ignore--';

// One exec does the heavy part, so the cost is close to `git archive --format=tar.gz` itself:
// - the tar is git's own writer: entries in tree order, mtime = commit time, uid/gid 0, modes 0644/0755 from
//   the exec bit (tar.umask=0022), a pax header naming the commit; user config that rewrites content
//   (autocrlf/eol) or the compressor (tar.tar.gz.command) is pinned; excluded files are left out by
//   `:(exclude,literal)` pathspecs. Compression: git's internal gzip (git >= 2.38: zlib, level 6, no name or
//   time stored), else GNU `gzip -n -6`. So the bytes depend on the commit, the exclusions and the git (and its
//   zlib) or gzip version (README, "Same bytes").
// - the tar stream (from git, or gzip -dc of git's tar.gz) goes to the hasher (TAR_SHA256_PERL): the manifest
//   describes exactly the bytes in the archive. Without perl's Digest::SHA the stream is extracted into a
//   staging dir (tmpfs when it has room) and hashed there; the output is the same. The tar.gz's own sha256
//   and size are taken as it is written.
// - meanwhile the commit's own attributes are read, as `git archive` reads them: a throw-away index holding
//   the commit's tree, then `check-attr --cached` over every file and every directory (`dir/`): archive
//   skips a directory whose attribute is set, so its files count as ignored too. (`--source` needs git 2.40.)
// bash for pipefail: a failing `git archive` must fail the build, not yield a short archive.
const BUILD_SCRIPT = [
  'set -euo pipefail',
  'repo=$1; sha=$2; out=$3; need_kb=$4; files=$5; hasher=$6; perl_src=$7; compressor=$8; shift 8',
  // git >= 2.38 compresses tar.gz itself (zlib, level 6): ~18 % faster than GNU gzip -6, and it is one process
  // doing what `git archive --format=tar.gz` does. The tar stream is then taken back out with gzip -dc (on the other core).
  'if [ "$compressor" = auto ]; then',
  '  v=$(git version | sed -n "s/^git version \\([0-9]*\\)\\.\\([0-9]*\\).*/\\1 \\2/p"); maj=${v% *}; min=${v#* }',
  '  if [ "${maj:-0}" -gt 2 ] || { [ "${maj:-0}" -eq 2 ] && [ "${min:-0}" -ge 38 ]; }; then compressor=git; else compressor=gzip; fi',
  'fi',
  'echo "compressed by: $compressor" >&2',
  'base=${TMPDIR:-/tmp}',
  'if [ "$hasher" = auto ]; then if perl -MDigest::SHA -e 1 2>/dev/null; then hasher=stream; else hasher=extract; fi; fi',
  'echo "manifest hashed by: $hasher" >&2',
  'if [ "$hasher" = extract ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then',
  '  if [ "$need_kb" -lt 16384 ]; then base=/dev/shm',
  '  else',
  "    avail=$(df -Pk /dev/shm | awk 'NR==2 {print $4}')",
  '    if [ "${avail:-0}" -gt $((need_kb * 3 + 65536)) ]; then base=/dev/shm; fi',
  '  fi',
  'fi',
  'stage=$(mktemp -d "$base/gaterun-artifact-XXXXXX")',
  'trap \'rm -rf "$stage"\' EXIT',
  'mkdir -p "$(dirname "$out")"',
  '( GIT_INDEX_FILE=$stage/index git -C "$repo" read-tree "$sha" &&',
  "  git -C \"$repo\" ls-tree -r -t -z --full-tree \"$sha\" | sed -z -e '/^[0-7]* tree /{s/^[^\\t]*\\t//;s/$/\\//;b' -e '}' -e 's/^[^\\t]*\\t//' |",
  '  GIT_INDEX_FILE=$stage/index git -C "$repo" check-attr --cached -z --stdin export-ignore > "$stage/attrs" ) &',
  'attrs=$!',
  'mkfifo "$stage/gz"',
  // The archive's own sha256 and size are taken as it is written, too (no second read of the tar.gz).
  'git_archive() { git -C "$repo" -c tar.umask=0022 -c core.autocrlf=false -c core.eol=lf -c "tar.tar.gz.command=git archive gzip" archive "$@"; }',
  'if [ "$compressor" = git ]; then',
  '  ( set -o pipefail; tee "$out.part" < "$stage/gz" | sha256sum > "$stage/gzsum" ) &',
  '  gz=$!',
  '  archive() { git_archive --format=tar.gz "$sha" -- . "$@" | tee "$stage/gz" | gzip -dc; }',
  'else',
  '  ( set -o pipefail; gzip -n -6 < "$stage/gz" | tee "$out.part" | sha256sum > "$stage/gzsum" ) &',
  '  gz=$!',
  '  archive() { git_archive --format=tar "$sha" -- . "$@" | tee "$stage/gz"; }',
  'fi',
  'if [ "$hasher" = extract ]; then',
  '  mkdir "$stage/t"',
  '  archive "$@" | tar -x -C "$stage/t" -f -',
  '  wait "$gz"',
  '  ( cd "$stage/t"',
  '    if [ "$files" -lt 2000 ]; then find . -type f -print0 | xargs -0 -r sha256sum -z --',
  '    else',
  '      P=$(nproc 2>/dev/null || echo 2); mkdir "$stage/h"',
  '      find . -type f -print0 | xargs -0 -r -P "$P" -n 1000 sh -c \'sha256sum -z -- "$@" > "$0/$$"\' "$stage/h"',
  '      cat "$stage/h"/* 2>/dev/null || true',
  '    fi ) > "$stage/hashes"',
  'else',
  '  archive "$@" | perl -e "$perl_src" > "$stage/hashes"',
  '  wait "$gz"',
  'fi',
  'wait "$attrs"',
  'mv -f "$out.part" "$out"',
  'printf \'%s %s\\0\' "$(cut -c1-64 "$stage/gzsum")" "$(stat -c %s -- "$out")"',
  'cat "$stage/hashes"',
  `printf '%s\\0' ${ATTRS_MARK}`,
  'cat "$stage/attrs"',
].join('\n');

/** The `why` of files `git archive` leaves out because an attribute file marks them export-ignore. */
export const EXPORT_IGNORE = 'export-ignore (.gitattributes)';

/** Paths that `check-attr -z ... export-ignore` output marks set, directly or through a directory (`dir/`). */
export function exportIgnoredFrom(checkAttr: string, paths: string[]): Set<string> {
  const set = new Set<string>();
  const f = checkAttr.split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) if (f[i + 1] === 'export-ignore' && f[i + 2] === 'set') set.add(f[i]);
  const ignored = new Set<string>();
  if (set.size)
    for (const p of paths) {
      if (set.has(p)) ignored.add(p);
      else for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (set.has(p.slice(0, i + 1))) ignored.add(p);
    }
  return ignored;
}

// The commit's own attributes before the build (only when forbid: needs them; the build reads them itself otherwise).
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
  return { paths: exportIgnoredFrom(r.stdout, paths), evidence };
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

  const excludedBy = anyGlob([...DEFAULT_ARTIFACT_EXCLUDES, ...(o.exclude ?? [])]);
  const globExcluded = new Map<string, string>();
  for (const e of entries) {
    const why = e.type === 'commit' ? 'submodule' : excludedBy(e.path);
    if (why) globExcluded.set(e.path, why);
  }
  // DEPLOY-MANIFEST has one line a file: a path with a line break could not be listed (or read back) truthfully.
  const broken = entries.filter((e) => !globExcluded.has(e.path) && /[\n\r]/.test(e.path)).map((e) => JSON.stringify(e.path));
  if (broken.length)
    return {
      ok: false,
      messageId: 'buildFailed',
      error: `${broken.join(', ')}: a path with a line break cannot be listed in the DEPLOY-MANIFEST (one line a file); rename it, or leave it out with exclude:`,
      evidence,
    };
  const files = entries.filter((e) => e.type !== 'commit').map((e) => e.path);
  // `git archive` leaves out what the commit's attributes mark export-ignore; the file list must too. The build reads
  // the attributes while it archives; only when a forbid: glob matches a candidate are they read first (one more
  // exec), so a forbidden file FAILs the gate before anything is written while an export-ignored one does not.
  const forbid = o.forbid?.length ? anyGlob(o.forbid) : null;
  let ignoredFirst: Set<string> | null = null;
  if (forbid && entries.some((e) => !globExcluded.has(e.path) && forbid(e.path))) {
    ctx.log.info(`checking export-ignore attributes of ${entries.length} paths (before packing: a forbid: glob matches one)`);
    const attrs = await exportIgnored(ctx, o.repo, sha, files, host);
    evidence.push(attrs.evidence);
    if (attrs.error) return { ok: false, messageId: 'buildFailed', error: attrs.error, evidence };
    ignoredFirst = attrs.paths;
  }
  const split = (ignored: Set<string>) => {
    const excluded: { path: string; why: string }[] = [];
    const shipped: { path: string; mode: string; size: number }[] = [];
    for (const e of entries) {
      const why = e.type === 'commit' ? 'submodule' : ignored.has(e.path) ? EXPORT_IGNORE : globExcluded.get(e.path);
      if (why) excluded.push({ path: e.path, why });
      else shipped.push(e);
    }
    return { excluded, shipped };
  };
  if (ignoredFirst) {
    const forbidden = split(ignoredFirst)
      .shipped.map((f) => f.path)
      .filter((p) => forbid!(p));
    if (forbidden.length)
      return { ok: false, messageId: 'forbidden', error: `forbidden files would be shipped: ${forbidden.join(', ')}`, forbidden, evidence };
  }

  const fileName = `${o.name}-${shortSha}.tar.gz`;
  const dir = o.out.replace(/\/+$/, '');
  const path = `${dir}/${fileName}`;
  const manifestPath = `${dir}/DEPLOY-MANIFEST-${shortSha}.txt`;
  const candidates = split(new Set());
  const needKb = Math.ceil(candidates.shipped.reduce((n, f) => n + f.size, 0) / 1024);
  if (!ignoredFirst) ctx.log.info(`checking export-ignore attributes of ${entries.length} paths (while packing)`);
  ctx.log.info(`packing and hashing ${candidates.shipped.length} files (${needKb} KiB) into ${fileName}`);
  const build = await ctx.exec(
    'bash',
    [
      '-c',
      BUILD_SCRIPT,
      'bash',
      o.repo,
      sha,
      path,
      String(needKb),
      String(candidates.shipped.length),
      o.hasher ?? 'auto',
      TAR_SHA256_PERL,
      o.compressor ?? 'auto',
      ...excludePathspecs(candidates.excluded),
    ],
    { host, mutates: o.mutates, scope: 'source' },
  );
  evidence.push({ ...build.evidence, title: `build ${fileName} and hash its files` });
  if (build.exitCode !== 0)
    return { ok: false, messageId: 'buildFailed', error: `building ${fileName}: ${build.stderr.trim().slice(0, 400)}`, evidence };
  // Output: `<archive sha256> <bytes>\0`, the files' `sha256sum -z` records, the mark, the check-attr records.
  const head = build.stdout.indexOf('\0');
  const archive = /^([0-9a-f]{64}) (\d+)$/.exec(build.stdout.slice(0, head));
  const mark = build.stdout.indexOf(`\0${ATTRS_MARK}\0`, head);
  if (!archive || mark < 0)
    return {
      ok: false,
      messageId: 'buildFailed',
      error: `building ${fileName}: unexpected build output (no archive digest or attribute list)`,
      evidence,
    };
  const hashes = parseSha256sumZ(build.stdout.slice(head + 1, mark + 1));
  const attrsOut = build.stdout.slice(mark + ATTRS_MARK.length + 2);
  const { excluded, shipped } = split(ignoredFirst ?? exportIgnoredFrom(attrsOut, files));
  // The manifest must describe exactly the files we meant to ship; a pathspec surprise is a failure.
  const regular = shipped.filter((f) => f.mode !== '120000').map((f) => f.path);
  const regularSet = new Set(regular);
  const unexpected = [...hashes.keys()].filter((p) => !regularSet.has(p));
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
  const wm = await ctx.exec('sh', ['-c', 'cat > "$1.part" && mv -f "$1.part" "$1" && sha256sum -- "$1"', 'sh', manifestPath], {
    host,
    input: formatManifest(hashes),
    mutates: o.mutates,
    scope: 'source',
  });
  evidence.push({ ...wm.evidence, title: `write ${manifestPath}; its sha256` });
  const m = wm.stdout.trim();
  if (wm.exitCode !== 0 || !/^[0-9a-f]{64}/.test(m))
    return { ok: false, messageId: 'buildFailed', error: `writing the manifest: ${wm.stderr.trim()}`, evidence };
  return {
    ok: true,
    path,
    fileName,
    sha256: archive[1],
    bytes: Number(archive[2]),
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
