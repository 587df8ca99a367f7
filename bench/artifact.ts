// Artifact build (filtered, fixed-metadata tar + gzip -n + manifest) vs `git archive --format=tar.gz` of the same commit.
// Usage: node dist/bench/artifact.js [runs]   (builds two temp repos: this repo's HEAD, and a 9k-file copy of node_modules)
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact } from '../src/files/artifact.js';
import { testContext } from '../tests/helpers/host-context.js';
import { sh, sideBySide } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const root = mkdtempSync(join(tmpdir(), 'gaterun-bench-art-'));
const here = process.cwd();

async function repoFrom(label: string, fill: string): Promise<string> {
  const dir = join(root, label);
  await sh(`mkdir -p "${dir}" && cd "${dir}" && git init -q -b main && ${fill} && git add -A && git -c user.name=b -c user.email=b@b commit -qm bench`);
  return dir;
}

try {
  const repos: [string, string][] = [
    ['small (this repo)', await repoFrom('small', `git -C "${here}" archive HEAD | tar -x`)],
  ];
  if (existsSync(join(here, 'node_modules'))) repos.push(['large (node_modules copy)', await repoFrom('large', `cp -a "${here}/node_modules" ./nm && find nm -name .gitignore -delete && find nm -mindepth 2 -name node_modules -prune -exec rm -rf {} + && find nm \\( -name '*.pem' -o -name '*.key' -o -name '.env*' -o -name '*.pyc' -o -name 'id_rsa*' -o -name __pycache__ \\) -prune -exec rm -rf {} +`)]);
  for (const [label, repo] of repos) {
    const stats = (await sh(`git ls-files | wc -l; git ls-files -z | xargs -0 cat | wc -c`, repo)).split('\n');
    const out = join(root, 'out');
    const { ctx } = testContext({ policy: 'source', runDir: root });
    const first = await buildArtifact(ctx, { repo, commit: 'HEAD', name: 'bench', out, host: 'local', mutates: true });
    if (!first.ok) throw new Error(first.error);
    const gz = await sh(`git -C "${repo}" archive --format=tar.gz HEAD | wc -c`);
    console.log(`${label}: ${stats[0]} files, ${stats[1]} bytes; gaterun ${first.bytes} bytes (${first.files} files shipped, ${first.excluded.length} excluded) vs git archive ${gz.trim()} bytes`);
    await sideBySide(label, runs,
      async () => { const r = await buildArtifact(ctx, { repo, commit: 'HEAD', name: 'bench', out, host: 'local', mutates: true }); if (!r.ok) throw new Error(r.error); },
      () => sh(`git -C "${repo}" archive --format=tar.gz -o "${out}/baseline.tar.gz" HEAD`),
      ['gaterun artifact (+manifest)', 'git archive --format=tar.gz']);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
