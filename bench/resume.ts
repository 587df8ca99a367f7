// Resume vs full rerun: the demo's O8F failing at its last gate (G9), then resumed after the fix, against running the
// fixed O8F again from the same starting state. Both alternate in one session; medians and the ratio are printed.
// Usage: node dist/bench/resume.js [runs=3] [dir=/tmp/gaterun-bench-resume]. Goal: resume ≤ 0.3× the rerun.
import { cpSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyOverlay, buildWorkspace, example, type Workspace } from '../src/demo/workspace.js';
import { DEMO_DB_ENV } from '../src/demo/run-demo.js';
import { packagePath } from '../src/paths.js';
import { startEmbeddedPostgres } from '../src/pg/embedded-server.js';
import { applySampleSchema } from '../src/pg/sample-schema.js';
import { executeRun } from '../src/runner/execute-run.js';
import { isMain, median, timeIt, type BenchRow } from './lib.js';

const OVERLAYS: Record<string, string> = { O8D: 'o8d-patch', O8F: 'o8f-features' };

/** Runs one demo macro on the workspace; throws unless it ends as expected. */
async function runMacro(ws: Workspace, id: string, expect: 'A' | 'C', resume?: string): Promise<string> {
  const { record, dir } = await executeRun({
    macro: packagePath('macros', `${id}.yaml`),
    targetFile: ws.targetFile,
    renderer: 'silent',
    reportsDir: ws.reportsDir,
    keyFlag: ws.keys.privatePath,
    resume,
  });
  if (record.outcome.code !== expect)
    throw new Error(`${id}${resume ? ' (resumed)' : ''} ended ${record.outcome.text}, expected ${expect}`);
  return dir;
}

/** The resume benchmark: one row for RESULTS.md. */
export async function benchResume(runs = 3, root = '/tmp/gaterun-bench-resume'): Promise<BenchRow[]> {
  rmSync(root, { recursive: true, force: true });
  const wsDir = join(root, 'ws');
  const snapshot = join(root, 'before-o8f');
  const ws = await buildWorkspace(wsDir);
  const pg = await startEmbeddedPostgres();
  const previous = process.env[DEMO_DB_ENV];
  try {
    await applySampleSchema(pg.url);
    process.env[DEMO_DB_ENV] = pg.url;
    for (const id of ['O8B', 'O8C', 'O8D', 'O8E']) {
      if (OVERLAYS[id]) applyOverlay(example('changes', OVERLAYS[id]), ws.source);
      await runMacro(ws, id, 'A');
    }
    // The state O8F starts from (repo, deployed tree, KB, earlier bundles), restored before every measured run.
    cpSync(wsDir, snapshot, { recursive: true, verbatimSymlinks: true });
    const fresh = () => {
      rmSync(wsDir, { recursive: true, force: true });
      cpSync(snapshot, wsDir, { recursive: true, verbatimSymlinks: true });
      applyOverlay(example('changes', OVERLAYS.O8F), ws.source);
    };
    const matrix = join(ws.root, 'mac', 'packages', 'o8f-blocker-matrix.md');
    const rerun: number[] = [];
    const resume: number[] = [];
    let reused: string[] = [];
    for (let i = 0; i <= runs; i++) {
      fresh();
      const full = await timeIt(() => runMacro(ws, 'O8F', 'A'));
      fresh();
      renameSync(matrix, `${matrix}.away`); // the fault: G9 cannot read the blocker matrix
      const failed = await runMacro(ws, 'O8F', 'C');
      renameSync(`${matrix}.away`, matrix); // the fix
      let dir = '';
      const resumed = await timeIt(async () => (dir = await runMacro(ws, 'O8F', 'A', failed)));
      reused = (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { gates: { id: string; reused?: unknown }[] }).gates
        .filter((g) => g.reused)
        .map((g) => g.id);
      if (i === 0) continue; // warm-up
      rerun.push(full);
      resume.push(resumed);
      console.error(`run ${i}: full rerun ${full.toFixed(0)} ms, resume ${resumed.toFixed(0)} ms (reused ${reused.join(' ')})`);
    }
    const a = median(resume);
    const b = median(rerun);
    console.log(`resume O8F at G9: ${a.toFixed(0)} ms | full rerun ${b.toFixed(0)} ms | ratio ${(a / b).toFixed(2)}x (runs ${runs})`);
    return [
      {
        name: "resume the demo's O8F after a fault at its last gate (G9) vs running the fixed O8F again",
        baseline: 'the fixed O8F run in full from the same starting state',
        ours: `${a.toFixed(0)} ms`,
        oursMs: a,
        baselineMs: b,
        result: `${(a / b).toFixed(2)}x`,
        goal: '≤ 0.3x',
        met: a / b <= 0.3,
        command: 'node dist/bench/resume.js 3',
        note: `medians of ${runs} alternating runs after a warm-up; reused: ${reused.join(', ')}; the rest run again (present-truth kinds: the deploy, proofs, prechecks after it)`,
      },
    ];
  } finally {
    if (previous === undefined) delete process.env[DEMO_DB_ENV];
    else process.env[DEMO_DB_ENV] = previous;
    await pg.stop();
  }
}

if (isMain(import.meta.url)) await benchResume(Number(process.argv[2] ?? 3), process.argv[3] ?? '/tmp/gaterun-bench-resume');
