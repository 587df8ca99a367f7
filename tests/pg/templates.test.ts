// The kind templates render what the gate computed — PASS and FAIL alike — and nothing else.
import rollbackProof from '../../gates/rollback-proof.js';
import snapshot from '../../gates/pg-snapshot.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeGateContext, runGate, type TestGateContext } from '../helpers/gate-context.js';
import { IU_TABLES, o8cProofs } from '../helpers/o8c-proofs.js';
import type { GateResult } from '../../src/gate.js';
import { renderGateReport } from '../../src/report/render-report.js';
import type { RunRecord } from '../../src/runner/types.js';

let db: TestDatabase;
let t: TestGateContext;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
  t = makeGateContext(db.url, { gateId: 'G4' });
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

// The real renderer, on a run record holding this one gate (the kind template shares the default header).
function render(kind: string, r: GateResult): string {
  const gate = {
    id: 'G4',
    title: 'execute rollback-only proof',
    label: 'execute rollback-only proof',
    kind,
    host: 'local',
    report: '05-x.md',
    timeoutS: 60,
    startedAt: null,
    durationMs: 1,
    ...r,
  };
  const run = {
    run_id: 'r1',
    date_utc: '2026-12-01',
    host: 'runner',
    hosts: [{ name: 'local', display: 'local' }],
    target: { name: 't', file: null },
    macro: { id: 'T', name: 'templates-test', effort: null },
    gates: [gate],
  } as unknown as RunRecord;
  return renderGateReport(run, 0);
}

test('rollback-proof PASS: PROOF lines and the pre / in-txn / post table', async () => {
  const out = render('rollback-proof', await runGate(rollbackProof, t, o8cProofs()));
  expect(out).toContain('- result: G4 PASS');
  expect(out).toMatch(/^PROOF-1 PASS fn_iu_create returns created/m);
  expect(out).toMatch(/^PROOF-3 PASS cutter_exec cannot INSERT directly \(as cutter_exec\) — refused as expected: permission denied/m);
  expect(out).toContain('| public.information_unit | 158 | 159 | 158 |');
  expect(out).toContain('| probe: probe rows | 0 | — | 0 |');
  expect(out).toContain('- row_counts_unchanged: YES');
  expect(out).toContain('- probe_rows_leaked: 0');
  expect(out).toContain('status=created');
  expect(out).toContain('current_user read back: cutter_exec');
  expect(out).toMatch(/^- sequences changed \(not undone by ROLLBACK\): public\.information_unit_id_seq \d+ → \d+, /m);
  expect(out).toContain(
    '- sequences accepted by the macro: public.information_unit_id_seq, public.iu_lifecycle_log_id_seq, public.unit_version_id_seq',
  );
});

test('rollback-proof FAIL renders FAIL, not PASS', async () => {
  const params = o8cProofs();
  params.proofs[0].expect!.first = { status: 'nope' };
  const out = render('rollback-proof', await runGate(rollbackProof, t, params));
  expect(out).toContain('- result: G4 FAIL');
  expect(out).toMatch(/^PROOF-1 FAIL /m);
  expect(out).toContain('- proofs: 3/4');
});

test('pg-snapshot renders the counts table', async () => {
  const out = render(
    'pg-snapshot',
    await runGate(snapshot, t, { database: 'main', tables: IU_TABLES, expect: { 'public.information_unit': 158 } }),
  );
  expect(out).toContain('| public.unit_version | 165 |');
  expect(out).toMatch(/^COUNT PASS public.information_unit = 158$/m);
  expect(out).toMatch(/^COUNT INFO public.unit_version = 165$/m);
});
