// `gaterun view` of 100 signed bundles beside verifying the same 100 bundles (goal: the site costs ≤ 1.5× verify).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPublicKeys } from '../src/report/keys.js';
import { verifyBundle } from '../src/report/verify-bundle.js';
import { buildSite } from '../src/view/build-site.js';
import { findRunDirs } from '../src/view/collect-runs.js';
import { cli, isMain, run, sideBySide, type BenchRow } from './lib.js';

/** Runs the demo once (5 real signed bundles), copies them to 100 run dirs, then alternates site build and verify-all. */
export async function benchWebView(count = 100, runs = 5): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-bench-view-'));
  try {
    await run('node', [cli, 'demo', '--workspace', join(dir, 'demo'), '--renderer', 'silent'], {
      XDG_CONFIG_HOME: dir,
      GATERUN_SIGNING_KEY: '',
    });
    const demo = join(dir, 'demo', 'reports');
    const reports = join(dir, 'reports');
    const sources = readdirSync(demo).map((m) => [m, join(demo, m, readdirSync(join(demo, m))[0])]);
    for (let i = 0; i < count; i++) {
      const [macro, src] = sources[i % sources.length];
      cpSync(src, join(reports, macro, `${src.split('/').pop()}-${String(i).padStart(3, '0')}`), { recursive: true });
    }
    const keys = loadPublicKeys([join(dir, 'demo', 'keys', 'signing-key.pub.pem')]).map((k) => k.key);
    const dirs = findRunDirs(reports);
    if (dirs.length !== count) throw new Error(`expected ${count} bundles, found ${dirs.length}`);
    let pages = 0;
    const site = join(dir, 'site');
    const build = () => {
      const b = buildSite({ reportsDir: reports, outDir: site, trustedKeys: keys });
      if (b.runs.some((x) => x.badge.kind !== 'verified')) throw new Error('a copied bundle does not verify');
      pages = b.files;
      return b;
    };
    const verifyAll = async () => {
      for (const d of dirs) if (!verifyBundle(d, { trustedKeys: keys }).ok) throw new Error(`${d} does not verify`);
    };
    const cold = await sideBySide(
      `view of ${count} runs, cold`,
      runs,
      async () => {
        rmSync(site, { recursive: true, force: true });
        build();
      },
      verifyAll,
      ['buildSite (empty --out)', `verifyBundle ×${count}`],
    );
    build();
    const warm = await sideBySide(
      `view of ${count} runs, rebuild`,
      runs * 2,
      async () => {
        if (build().rendered !== 0) throw new Error('an unchanged run was rendered again');
      },
      verifyAll,
      ['buildSite (same --out, nothing changed)', `verifyBundle ×${count}`],
    );
    const row = (name: string, r: { ours: number; baseline: number; ratio: number }, note: string): BenchRow => ({
      name,
      baseline: `verifyBundle of the same ${count} bundles (the code of \`gaterun verify\`)`,
      ours: `${r.ours.toFixed(1)} ms`,
      oursMs: r.ours,
      baselineMs: r.baseline,
      result: `${r.ratio.toFixed(2)}x`,
      goal: '≤ 1.5x',
      met: r.ratio <= 1.5,
      command: 'node dist/bench/web-view.js',
      note,
    });
    return [
      row(
        `\`gaterun view\` of ${count} signed demo bundles into an empty dir (${pages} files)`,
        cold,
        'both in one process after a warm-up; the build verifies every bundle, renders every report with markdown-it and writes every page (profile: markdown-it and GC dominate, then writes)',
      ),
      row(
        `\`gaterun view\` again, same ${count} bundles (every bundle re-verified, pages kept)`,
        warm,
        'a run whose signed envelope, badge and neighbours are unchanged keeps its pages (keyed by the envelope sha256, which pins every file); index pages are re-rendered',
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchWebView());
