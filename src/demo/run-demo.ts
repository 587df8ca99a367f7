// `gaterun demo`: O8B → O8C → O8D → O8E → O8F against a fresh workspace and an embedded PostgreSQL.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { stringify } from 'yaml';
import { errors } from '../errors.js';
import { packagePath } from '../paths.js';
import { startEmbeddedPostgres } from '../pg/embedded-server.js';
import { applySampleSchema } from '../pg/sample-schema.js';
import { loadPublicKeys } from '../report/keys.js';
import { verifyBundle } from '../report/verify-bundle.js';
import { executeRun } from '../runner/execute-run.js';
import type { RendererName } from '../runner/run-macro.js';
import { applyOverlay, buildWorkspace, example, type Workspace } from './workspace.js';

export type DemoBreak = 'kill-switch' | 'proof';
export const DEMO_MACROS = ['O8B', 'O8C', 'O8D', 'O8E', 'O8F'] as const;
export const DEMO_DB_ENV = 'GATERUN_DEMO_DATABASE_URL';

/** The production tables whose row counts the demo compares before and after. */
export const COUNT_TABLES = [
  'public.information_unit',
  'public.unit_version',
  'public.iu_lifecycle_log',
  'cutter_governance.cut_change_set',
  'cutter_governance.cut_change_set_affected_row',
  'cutter_governance.manifest_envelope',
  'cutter_governance.review_decision',
  'cutter_governance.verify_result',
  'cutter_governance.dot_pair_signature',
];

export interface DemoOptions {
  workspace?: string;
  break?: DemoBreak;
  renderer: RendererName;
  signal?: AbortSignal;
  /** With `break`: repair the fault after O8C fails and resume that run (`gaterun demo --break proof --fix`). */
  fix?: boolean;
  /** Where the person watching reads the demo's own lines (default stdout). */
  print?: (line: string) => void;
}

export interface DemoMacroResult {
  id: string;
  outcome: string;
  code: string;
  dir: string;
  verified: boolean;
  verifyProblems: string[];
  gates: number;
  passed: number;
  /** Gates reused from the earlier run (a resumed run). */
  reused: string[];
  finalizeOk: boolean;
  /** PASS criteria met / declared (the outcome comes from the gates; an unmet criterion is shown, and fails the demo). */
  criteriaMet: number;
  criteriaTotal: number;
  wallMs: number;
  /** Milliseconds the ledger says were spent in the gates' commands and queries. */
  actionMs: number;
}

export interface DemoResult {
  ok: boolean;
  workspace: Workspace;
  macros: DemoMacroResult[];
  stoppedAt: string | null;
  countsBefore: Record<string, number>;
  countsAfter: Record<string, number>;
  countsUnchanged: boolean;
  wallMs: number;
  setupMs: number;
  actionMs: number;
}

/** Row counts of the production tables on one read-only connection. */
export async function countRows(url: string): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const out: Record<string, number> = {};
    await sql.begin('read only', async (tx) => {
      for (const t of COUNT_TABLES) {
        const [schema, table] = t.split('.');
        const [row] = await tx`select count(*)::int as n from ${tx(schema)}.${tx(table)}`;
        out[t] = row.n as number;
      }
    });
    return out;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const countsLine = (c: Record<string, number>) =>
  COUNT_TABLES.map((t) => `${t.replace(/^(public|cutter_governance)\./, '')}=${c[t]}`).join(' ');

/** Sum of the durations the ledger records for execs and database work of a run. */
export function ledgerActionMs(runDir: string): number {
  let ms = 0;
  for (const line of readFileSync(join(runDir, 'ledger.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = (JSON.parse(line) as { detail?: { durationMs?: number } }).detail?.durationMs;
    if (typeof d === 'number') ms += d;
  }
  return ms;
}

/** The engineer's change set laid into the source repo's working tree before a macro (not committed: the macro does that). */
function engineerChanges(macro: string): string | null {
  if (macro === 'O8D') return 'o8d-patch';
  if (macro === 'O8F') return 'o8f-features';
  return null;
}

/** Flips the kill-switch constant in the deployed tree (the `--break kill-switch` fault). */
function flipKillSwitch(ws: Workspace): void {
  const f = join(ws.deployDir, 'cutter_agent', '__init__.py');
  const text = readFileSync(f, 'utf8');
  const flipped = text.replace(/^__execution_enabled__\s*=\s*False\b/m, '__execution_enabled__ = True');
  if (flipped === text) throw errors.demoFault(`cannot flip the kill-switch: no "__execution_enabled__ = False" line in ${f}`);
  writeFileSync(f, flipped);
}

/** Repairs a `--break` fault as the engineer would: the proof title back in the target, the kill-switch back off. */
function fixFault(ws: Workspace, fault: DemoBreak, print: (l: string) => void): void {
  if (fault === 'proof') {
    const text = readFileSync(ws.targetFile, 'utf8');
    const fixed = text.replace(/^(\s*proof_title:) ""$/m, '$1 "O8C rollback-only probe"');
    if (fixed === text) throw errors.demoFault(`cannot fix the proof: no empty proof_title in ${ws.targetFile}`);
    writeFileSync(ws.targetFile, fixed);
    print(`\nfix: proof_title set again in ${relative(process.cwd(), ws.targetFile)} (values: only; the target digest ignores values)`);
  } else {
    const f = join(ws.deployDir, 'cutter_agent', '__init__.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^__execution_enabled__\s*=\s*True\b/m, '__execution_enabled__ = False'));
    print(`\nfix: __execution_enabled__ = False again in ${relative(process.cwd(), f)}`);
  }
}

/** Runs the whole demo chain; never throws for a gate failure (that is a result), only for set-up problems. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const t0 = performance.now();
  const ws = await buildWorkspace(o.workspace ?? '.gaterun-demo', { breakProof: o.break === 'proof' });
  print(`workspace: ${ws.root} (source repo at baseline ${ws.baseline.slice(0, 7)}; v0.4 skeleton HEAD ${ws.v04Head.slice(0, 7)})`);
  const pg = await startEmbeddedPostgres();
  const previousEnv = process.env[DEMO_DB_ENV];
  const macros: DemoMacroResult[] = [];
  let stoppedAt: string | null = null;
  let countsBefore: Record<string, number> = {};
  let countsAfter: Record<string, number> = {};
  let setupMs = 0;
  try {
    await applySampleSchema(pg.url);
    process.env[DEMO_DB_ENV] = pg.url;
    countsBefore = await countRows(pg.url);
    print(`production row counts before: ${countsLine(countsBefore)}`);
    setupMs = performance.now() - t0;
    const trusted = loadPublicKeys([ws.keys.publicPath]).map((k) => k.key);

    /** Runs one macro of the chain (resuming `resume` when given), prints its block and verification, records it. */
    const runOne = async (id: string, resume?: string): Promise<DemoMacroResult> => {
      print(`\n== ${id}${resume ? ` (resumed from ${relative(process.cwd(), resume) || resume})` : ''} ==`);
      const t = performance.now();
      const { record, dir, finalize } = await executeRun({
        macro: packagePath('macros', `${id}.yaml`),
        targetFile: ws.targetFile,
        renderer: o.renderer,
        signal: o.signal,
        reportsDir: ws.reportsDir,
        keyFlag: ws.keys.privatePath,
        resume,
      });
      const wallMs = performance.now() - t;
      const v = verifyBundle(dir, { trustedKeys: trusted });
      const numbered = record.gates.filter((g) => g.report);
      const r: DemoMacroResult = {
        id,
        outcome: record.outcome.text,
        code: record.outcome.code,
        dir,
        verified: v.ok,
        verifyProblems: v.problems.map((p) => `${p.code}${p.file ? ` ${p.file}` : `: ${p.message}`}`),
        gates: numbered.length,
        passed: numbered.filter((g) => g.status === 'PASS').length,
        reused: numbered.filter((g) => g.reused).map((g) => g.id),
        finalizeOk: finalize.every((g) => g.status === 'PASS'),
        wallMs,
        actionMs: ledgerActionMs(dir),
        criteriaMet: record.criteria.filter((c) => c.met).length,
        criteriaTotal: record.criteria.length,
      };
      macros.push(r);
      print('```yaml\n' + stringify(record.final_outcome, { lineWidth: 0 }) + '```');
      print(`run dir: ${relative(process.cwd(), dir) || '.'}`);
      print(
        `${id}: ${r.outcome} · ${r.passed}/${r.gates} gates PASS${r.reused.length ? ` (${r.reused.join(', ')} reused)` : ''} · ${r.criteriaMet}/${r.criteriaTotal} criteria YES · bundle ${r.verified ? 'verifies' : `DOES NOT verify (${r.verifyProblems.join('; ')})`}${finalize.length ? ` · ${finalize.map((g) => `${g.id} ${g.status}`).join(', ')} after signing` : ''} · ${(wallMs / 1000).toFixed(1)} s`,
      );
      return r;
    };

    for (const id of DEMO_MACROS) {
      const overlay = engineerChanges(id);
      if (overlay) {
        applyOverlay(example('changes', overlay), ws.source);
        print(`\nengineer: laid changes/${overlay} into ${relative(ws.root, ws.source)} (working tree, uncommitted)`);
      }
      if (id === 'O8C' && o.break === 'kill-switch') {
        flipKillSwitch(ws);
        print('break: set __execution_enabled__ = True in the deployed tree before O8C');
      }
      if (id === 'O8C' && o.break === 'proof') print('break: the O8C proof row has an empty title (target values.proof_title)');
      let r = await runOne(id);
      // --fix: the engineer repairs the fault and resumes the failed run; the reused gates are not run again.
      if (r.code !== 'A' && o.fix && o.break && id === 'O8C') {
        fixFault(ws, o.break, print);
        r = await runOne(id, r.dir);
      }
      if (r.code !== 'A' || !r.verified || !r.finalizeOk) {
        stoppedAt = id;
        print(
          `the chain stops at ${id}: ${r.code !== 'A' ? r.outcome : !r.verified ? 'its bundle does not verify' : 'a gate after signing failed'}; ${DEMO_MACROS.slice(DEMO_MACROS.indexOf(id) + 1).join(', ') || 'nothing'} not run`,
        );
        break;
      }
    }
    countsAfter = await countRows(pg.url);
  } finally {
    if (previousEnv === undefined) delete process.env[DEMO_DB_ENV];
    else process.env[DEMO_DB_ENV] = previousEnv;
    await pg.stop();
  }
  const countsUnchanged = COUNT_TABLES.every((t) => countsBefore[t] === countsAfter[t]);
  print(`\nproduction row counts after:  ${countsLine(countsAfter)}`);
  print(`production row counts ${countsUnchanged ? 'unchanged' : 'CHANGED'}`);
  const wallMs = performance.now() - t0;
  // A macro that failed and was resumed (--fix) counts by its last run.
  const last = DEMO_MACROS.map((id) => macros.filter((m) => m.id === id).at(-1));
  const ok = !stoppedAt && last.every((m) => m && m.code === 'A' && m.verified && m.criteriaMet === m.criteriaTotal) && countsUnchanged;
  const actionMs = macros.reduce((a, m) => a + m.actionMs, 0);
  print(
    `demo: ${ok ? 'all five macros A, every bundle verifies, production unchanged' : `NOT OK${stoppedAt ? ` — stopped at ${stoppedAt}` : ''}${countsUnchanged ? '' : ' — production row counts changed'}`} · ${(wallMs / 1000).toFixed(1)} s`,
  );
  return { ok, workspace: ws, macros, stoppedAt, countsBefore, countsAfter, countsUnchanged, wallMs, setupMs, actionMs };
}
