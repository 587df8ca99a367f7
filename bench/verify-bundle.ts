// `gaterun verify` on a real signed 12-report bundle beside `node -e 0` + `sha256sum -c` of the same files (goal ≤ 1.2x):
// node's own start-up is a cost no node CLI avoids, so the baseline pays it too.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cli, isMain, run, sh, sideBySide, type BenchRow } from './lib.js';
import { loadAverage } from './startup.js';

/** Makes the bundle with the CLI (keygen + an 11-gate run = 12 reports), then alternates both checks. */
export async function benchVerify(runs = 15): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-verify-'));
  try {
    const gates = Array.from(
      { length: 11 },
      (_, i) => `  - { id: G${i}, title: gate-${String(i).padStart(2, '0')}, kind: command, with: { command: "seq 1 300" } }`,
    ).join('\n');
    writeFileSync(join(dir, 'm.yaml'), `id: V12\nmacro: verify-bench\ntitle: verify bench\noutcome: V12_OK\ngates:\n${gates}\n`);
    const env = { XDG_CONFIG_HOME: dir, GATERUN_SIGNING_KEY: '' };
    await run('node', [cli, 'keygen', '--out', join(dir, 'keys')], env);
    await run(
      'node',
      [cli, 'run', join(dir, 'm.yaml'), '--out', join(dir, 'run'), '--key', join(dir, 'keys', 'signing-key.pem'), '--renderer', 'silent'],
      env,
    );
    // Every file of the bundle, the per-exec logs/ included (what verify hashes), but the envelope.
    const files = readdirSync(join(dir, 'run'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => relative(join(dir, 'run'), join(f.parentPath, f.name)))
      .filter((f) => f !== 'run.intoto.json');
    const reports = files.filter((f) => /^\d+-.*\.md$/.test(f)).length;
    await sh(`cd "${join(dir, 'run')}" && sha256sum ${files.map((f) => `'${f}'`).join(' ')} > ../SHA256SUMS`);
    const r = await sideBySide(
      'verify',
      runs,
      () => run('node', [cli, 'verify', join(dir, 'run'), '--key', join(dir, 'keys', 'signing-key.pub.pem')], env),
      async () => {
        await run('node', ['-e', '0']);
        await sh(`cd "${join(dir, 'run')}" && sha256sum -c --quiet ../SHA256SUMS`);
      },
      ['gaterun verify', 'node -e 0 + sha256sum -c'],
    );
    return [
      {
        name: `\`gaterun verify\`, ${reports}-report bundle (${files.length} files)`,
        baseline: '`node -e 0` + `sha256sum -c` of the same files',
        ours: `${r.ours.toFixed(1)} ms`,
        oursMs: r.ours,
        baselineMs: r.baseline,
        result: `${r.ratio.toFixed(2)}x`,
        goal: '≤ 1.2x',
        met: r.ratio <= 1.2,
        command: 'node dist/bench/verify-bundle.js',
        note: `ours also checks the Ed25519 signature, missing and extra files; ${runs} rounds, load average ${loadAverage()}`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchVerify());
