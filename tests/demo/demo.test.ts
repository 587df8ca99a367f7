// The O8B → O8F demo, run once in-process and shared by the assertions; then the --break paths.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COUNT_TABLES, runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

afterAll(cleanupTemp);

interface Gate {
  id: string;
  status: string;
  summary: string;
  facts: Record<string, unknown>;
  reused?: { run_id: string };
  rerun?: string;
}
interface Run {
  run_id: string;
  outcome: { code: string; text: string };
  gates: Gate[];
  files: { final: string };
  final_outcome: Record<string, unknown>;
  criteria: { met: boolean }[];
  resumed_from: { run_id: string } | null;
}

const runJson = (dir: string): Run => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
const gate = (run: Run, id: string) => run.gates.find((g) => g.id === id)!;
const lines: string[] = [];
const workspace = tempDir('gaterun-demo-');
let demo: DemoResult;

describe('gaterun demo: O8B → O8F', () => {
  beforeAll(async () => {
    demo = await runDemo({ workspace, renderer: 'silent', print: (l) => lines.push(l) });
  }, 180000);

  test('all five macros end A, every bundle verifies, the demo is OK', () => {
    expect(demo.macros.map((m) => `${m.id} ${m.code}`)).toEqual(['O8B A', 'O8C A', 'O8D A', 'O8E A', 'O8F A']);
    expect(demo.macros.map((m) => m.outcome)).toEqual([
      'A — O8B_RECONCILE_DEPLOY_LIVE_WIRING_PASS',
      'A — O8C_REAL_DB_ROLLBACK_PROOF_READY',
      'A — O8D_PATCH_DEPLOY_MULTIGAP_PROOF_PASS',
      'A — O8E_GAP_PACKAGES_READY',
      'A — O8F_IMPLEMENT_DEPLOY_PROOF_PASS',
    ]);
    for (const m of demo.macros) {
      const unmet = runJson(m.dir).criteria.filter((c) => !c.met);
      expect({ id: m.id, problems: m.verifyProblems, verified: m.verified, passed: m.passed, finalizeOk: m.finalizeOk, unmet }).toEqual({
        id: m.id,
        problems: [],
        verified: true,
        passed: m.gates,
        finalizeOk: true,
        unmet: [],
      });
    }
    expect(demo.ok).toBe(true);
    expect(demo.stoppedAt).toBeNull();
  });

  test('production row counts are the seed and unchanged', () => {
    expect(demo.countsBefore['public.information_unit']).toBe(158);
    expect(demo.countsBefore['public.unit_version']).toBe(165);
    expect(demo.countsBefore['public.iu_lifecycle_log']).toBe(60);
    expect(Object.keys(demo.countsAfter).sort()).toEqual([...COUNT_TABLES].sort());
    expect(demo.countsAfter).toEqual(demo.countsBefore);
    expect(demo.countsUnchanged).toBe(true);
    expect(lines).toContain('production row counts unchanged');
  });

  test('the person watching sees each final-outcome block, run dir and one line per macro', () => {
    const text = lines.join('\n');
    for (const m of demo.macros) {
      expect(text).toContain(`final_outcome: ${m.outcome}`);
      expect(text).toMatch(
        new RegExp(`^${m.id}: A — \\S+ · ${m.gates}/${m.gates} gates PASS · \\d+/\\d+ criteria YES · bundle verifies`, 'm'),
      );
    }
  });

  test('no report has an unfilled template field', () => {
    for (const m of demo.macros) {
      for (const f of readdirSync(m.dir).filter((x) => x.endsWith('.md'))) {
        const text = readFileSync(join(m.dir, f), 'utf8');
        expect({ f, undef: /\bundefined\b/.test(text), obj: text.includes('[object Object]'), mustache: text.includes('{{') }).toEqual({
          f,
          undef: false,
          obj: false,
          mustache: false,
        });
      }
    }
  });

  test('figures in the final reports are the values in run.json', () => {
    const [b, c, d, , f] = demo.macros.map((m) => ({ dir: m.dir, run: runJson(m.dir) }));
    const final = (x: { dir: string; run: Run }) => readFileSync(join(x.dir, x.run.files.final), 'utf8');

    // O8B: test counts, artifact sha256, N/N deployed.
    const g3 = gate(b.run, 'G3').facts;
    expect(final(b)).toContain(`local_tests_pass: YES — G3.failed = 0; G3.total = ${g3.total}`);
    expect(g3.total).toBe(77);
    const sha = gate(b.run, 'G4b').facts.sha256 as string;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(final(b)).toContain(`artifact_sha256: ${sha}`);
    const g5 = gate(b.run, 'G5').facts;
    expect(g5.promoted).toBe(`${g5.total}/${g5.total}`);
    expect(final(b)).toContain(`G5.promoted = ${g5.promoted}`);

    // O8C: N/N against the O8B manifest, 158 → 159 in-txn → 158, 0 leaked.
    const g0 = gate(c.run, 'G0').facts as { manifest: { matched: number; total: number } };
    expect(g0.manifest.matched).toBe(g0.manifest.total);
    expect(final(c)).toContain(`${g0.manifest.matched}/${g0.manifest.total} sha256 match`);
    const g4 = gate(c.run, 'G4').facts as {
      counts_table: { table: string; before: number; in_txn: number; after: number }[];
      leaked: number;
    };
    const iu = g4.counts_table.find((r) => r.table === 'public.information_unit')!;
    expect([iu.before, iu.in_txn, iu.after]).toEqual([158, 159, 158]);
    const proofReport = readFileSync(join(c.dir, '06-execute-rollback-only-proof.md'), 'utf8');
    expect(proofReport).toContain(`| public.information_unit | ${iu.before} | ${iu.in_txn} | ${iu.after} |`);
    expect(final(c)).toContain(`counts before=(158,165,60) after=(158,165,60); probe rows leaked=${g4.leaked}`);
    expect(c.run.final_outcome.probe_rows_leaked).toBe(0);
    expect(final(c)).toContain(`execution_enabled: "False"`);

    // O8D ratified the milestone; O8F deployed 137 tests' worth of tree.
    expect(d.run.final_outcome.milestone).toBe('O8B');
    expect(final(f)).toContain(`G8.total = ${gate(f.run, 'G8').facts.total}`);
    expect(gate(f.run, 'G8').facts.total).toBe(137);
  });

  test('running it again in the same workspace rebuilds it; --break kill-switch ends O8C at G0 and stops the chain', async () => {
    const out: string[] = [];
    const r = await runDemo({ workspace, break: 'kill-switch', renderer: 'silent', print: (l) => out.push(l) });
    expect(r.macros.map((m) => `${m.id} ${m.outcome}`)).toEqual(['O8B A — O8B_RECONCILE_DEPLOY_LIVE_WIRING_PASS', 'O8C C — FAIL at G0']);
    expect(r.macros.every((m) => m.verified)).toBe(true);
    expect(r.stoppedAt).toBe('O8C');
    expect(r.ok).toBe(false);
    expect(r.countsUnchanged).toBe(true);
    const o8c = runJson(r.macros[1].dir);
    expect(gate(o8c, 'G0').facts.execution_enabled).toBe('True');
    expect(gate(o8c, 'G0').summary).toContain('probe execution_enabled read "True", expected "False"');
    expect(out.join('\n')).toContain('the chain stops at O8C: C — FAIL at G0; O8D, O8E, O8F not run');
  }, 120000);
});

describe('gaterun demo --break proof --fix (built CLI)', () => {
  test('O8C ends C at G4 (fn_iu_create refuses the blank title); after the fix it resumes at G4 reusing G1–G3b, and the chain ends A', async () => {
    const ws = tempDir('gaterun-demo-');
    const r = await gaterun(['demo', '--workspace', ws, '--break', 'proof', '--fix', '--renderer', 'silent']);
    expect(r.stdout).toContain('final_outcome: C — FAIL at G4');
    expect(r.stdout).toContain('production row counts unchanged');
    const runs = readdirSync(join(ws, 'reports', 'O8C')).map((d) => join(ws, 'reports', 'O8C', d));
    const failed = runs.map(runJson).find((x) => x.outcome.code === 'C')!;
    const failedDir = runs.find((d) => runJson(d).run_id === failed.run_id)!;
    expect(failed.outcome.text).toBe('C — FAIL at G4');
    expect(readFileSync(join(failedDir, '06-execute-rollback-only-proof.md'), 'utf8')).toContain(
      'status="refused: missing title", expected "created"',
    );
    expect(gate(failed, 'G4').facts).toMatchObject({ counts_unchanged: true, leaked: 0, transaction: 'ROLLBACK' });
    // the resumed run: G1–G3b reused from the failed one, G0 (the live precheck) and G4 on ran again
    const resumed = runs.map(runJson).find((x) => x.resumed_from)!;
    expect(resumed.resumed_from?.run_id).toBe(failed.run_id);
    expect(resumed.outcome.code).toBe('A');
    const reused = resumed.gates.filter((g) => g.reused).map((g) => g.id);
    expect(reused).toEqual(['G1', 'G2', 'G3', 'G3b']);
    expect(gate(resumed, 'G0').rerun).toBe('its truth is about the present');
    expect(gate(resumed, 'G4').rerun).toBe('its truth is about the present');
    expect(r.stdout).toContain('O8C: A — O8C_REAL_DB_ROLLBACK_PROOF_READY · 10/10 gates PASS (G1, G2, G3, G3b reused)');
    expect(r.stdout).toContain('demo: all five macros A, every bundle verifies, production unchanged');
    expect(r.exitCode).toBe(0);
  }, 180000);
});
