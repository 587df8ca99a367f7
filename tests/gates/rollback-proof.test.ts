// The `rollback-proof` gate table on the iu-cutter sample (leaks, concurrent writers and kills: tests/pg/rollback-proof.test.ts).
import { afterAll, beforeAll, expect } from '@jest/globals';
import rollbackProof from '../../gates/rollback-proof.js';
import { testGate } from '../helpers/gate-tester.js';
import { o8cProofs } from '../helpers/o8c-proofs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
});
afterAll(() => db.drop());

const on = { db: () => ({ main: db.url }) };
const proofs = o8cProofs();

testGate(rollbackProof, {
  pass: [
    {
      name: 'the O8C proof set passes and rolls back',
      messageId: 'allPass',
      params: proofs,
      ...on,
      check: ({ record }) => expect(record.facts).toMatchObject({ proofs_passed: 4, leaked: 0, counts_unchanged: true }),
    },
  ],
  fail: [
    {
      name: 'a proof expecting something else',
      params: { ...proofs, proofs: [{ ...proofs.proofs[0], expect: { first: { status: 'refused: something else' } } }] },
      ...on,
      messageId: 'proofsFailed',
      summary: /^1 of 1 proofs failed on .*counts before=\(158,165,60\) after=\(158,165,60\)/,
    },
    {
      name: 'a role that does not exist',
      params: { ...proofs, role: 'no_such_role' },
      ...on,
      messageId: 'txFailed',
      summary: /no_such_role/,
    },
  ],
  invalid: [
    { database: 'main', tables: [] },
    { database: 'main', tables: ['t'], proofs: [{ sql: 'select 1' }] },
  ],
});
