// Artifact build (filtered, fixed-metadata tar + gzip -n + manifest) vs `git archive --format=tar.gz` of the same commit.
// Usage: node dist/bench/artifact.js [runs]   (builds two temp repos: this repo's HEAD, and a ~10k-file copy of node_modules). Goal ≤ 1.1x.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact } from '../src/files/artifact.js';
import { benchContext } from './context.js';
import { isMain, median, repoRoot, sh, sideBySide, type BenchRow } from './lib.js';
import { loadAverage } from './startup.js';

async function repoFrom(root: string, label: string, fill: string): Promise<string> {
  const dir = join(root, label);
  await sh(
    `mkdir -p "${dir}" && cd "${dir}" && git init -q -b main && ${fill} && git add -A && git -c user.name=b -c user.email=b@b commit -qm bench`,
  );
  return dir;
}

/** Builds both repos, then alternates gaterun's artifact build and git archive on each. */
export async function benchArtifact(runs = 5): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'gaterun-bench-art-'));
  const here = repoRoot;
  const rows: BenchRow[] = [];
  try {
    const repos: [string, string][] = [['small (this repo)', await repoFrom(root, 'small', `git -C "${here}" archive HEAD | tar -x`)]];
    if (existsSync(join(here, 'node_modules')))
      repos.push([
        'large (node_modules copy)',
        await repoFrom(
          root,
          'large',
          `cp -a "${here}/node_modules" ./nm && find nm -name .gitignore -delete && find nm -mindepth 2 -name node_modules -prune -exec rm -rf {} + && find nm \\( -name '*.pem' -o -name '*.key' -o -name '.env*' -o -name '*.pyc' -o -name 'id_rsa*' -o -name __pycache__ \\) -prune -exec rm -rf {} +`,
        ),
      ]);
    for (const [label, repo] of repos) {
      const stats = (await sh(`git ls-files | wc -l; git ls-files -z | xargs -0 cat | wc -c`, repo)).split('\n');
      const out = join(root, 'out');
      const ctx = benchContext(root);
      const first = await buildArtifact(ctx, { repo, commit: 'HEAD', name: 'bench', out, host: 'local', mutates: true });
      if (!first.ok) throw new Error(first.error);
      const gz = await sh(`git -C "${repo}" archive --format=tar.gz HEAD | wc -c`);
      console.log(
        `${label}: ${stats[0]} files, ${stats[1]} bytes; gaterun ${first.bytes} bytes (${first.files} files shipped, ${first.excluded.length} excluded) vs git archive ${gz.trim()} bytes`,
      );
      const steps: number[][] = [];
      const r = await sideBySide(
        label,
        runs,
        async () => {
          const r = await buildArtifact(ctx, { repo, commit: 'HEAD', name: 'bench', out, host: 'local', mutates: true });
          if (!r.ok) throw new Error(r.error);
          steps.push(r.evidence.map((e) => e.durationMs ?? 0));
        },
        () => sh(`git -C "${repo}" archive --format=tar.gz -o "${out}/baseline.tar.gz" HEAD`),
        ['gaterun artifact (+manifest)', 'git archive --format=tar.gz'],
      );
      rows.push({
        name: `artifact of a repo commit, ${label}: ${stats[0]} files, ${(Number(stats[1]) / 1024 ** 2).toFixed(0)} MB`,
        baseline: '`git archive --format=tar.gz`',
        ours: `${r.ours.toFixed(0)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${r.ratio.toFixed(2)}x`,
        goal: '≤ 1.1x',
        met: r.ratio <= 1.1,
        command: 'node dist/bench/artifact.js',
        note: `ours also writes the DEPLOY-MANIFEST (sha256 of every file, hashed while the tar streams); compressed by git's internal gzip (git >= 2.38, else gzip -n -6) for reproducible bytes; median ms per ledgered exec (commit + tree, build, manifest): ${steps[0].map((_, i) => median(steps.map((s) => s[i] ?? 0)).toFixed(0)).join(' / ')}; ${runs} rounds, load average ${loadAverage()}`,
      });
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchArtifact(Number(process.argv[2] ?? 5)));
