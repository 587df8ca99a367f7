// The kind templates render what the gate computed — PASS and FAIL alike — and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import rollbackProof from '../../gates/rollback-proof.js';
import snapshot from '../../gates/pg-snapshot.js';
import { packageRoot } from '../../src/pg/sample-schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { makeGateContext, runGate, type TestGateContext } from '../helpers/gate-context.js';
import { IU_TABLES, o8cProofs } from '../helpers/o8c-proofs.js';
import type { GateResult } from '../../src/gate.js';

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

function render(kind: string, r: GateResult): string {
  const source = fs.readFileSync(path.join(packageRoot(), 'templates', `${kind}.md.hbs`), 'utf8');
  const template = Handlebars.compile(source, { noEscape: true, strict: false });
  return template({ gate: { id: 'G4', title: 'execute rollback-only proof', kind, durationMs: 1, ...r } });
}

test('rollback-proof PASS: PROOF lines and the pre / in-txn / post table', async () => {
  const out = render('rollback-proof', await runGate(rollbackProof, t, o8cProofs()));
  expect(out).toContain('## G4 execute rollback-only proof — PASS');
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
  expect(out).toContain('— FAIL');
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
