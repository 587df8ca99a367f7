// The `pg-snapshot` gate table on the iu-cutter sample in a fresh database (depth: tests/pg/pg-gates.test.ts).
import { afterAll, beforeAll } from '@jest/globals';
import pgSnapshot from '../../gates/pg-snapshot.js';
import { testGate } from '../helpers/gate-tester.js';
import { IU_TABLES } from '../helpers/o8c-proofs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
});
afterAll(() => db.drop());

const COUNTS = { 'public.information_unit': 158, 'public.unit_version': 165, 'public.iu_lifecycle_log': 60 };
const on = { db: () => ({ main: db.url }) };

testGate(pgSnapshot, {
  pass: [
    { name: 'counts tables', messageId: 'counted', params: { database: 'main', tables: IU_TABLES }, ...on },
    { name: 'counts match the expectation', messageId: 'matches', params: { database: 'main', tables: IU_TABLES, expect: COUNTS }, ...on },
    {
      name: 'counts match an earlier gate',
      messageId: 'matches',
      params: { database: 'main', tables: IU_TABLES, compare_with: 'G0' },
      facts: { G0: { counts: COUNTS } },
      ...on,
    },
  ],
  fail: [
    {
      name: 'an expectation differs',
      params: { database: 'main', tables: IU_TABLES, expect: { ...COUNTS, 'public.information_unit': 159 } },
      ...on,
      messageId: 'differs',
      summary: /public\.information_unit: expected 159, got 158/,
    },
    {
      name: 'the earlier gate counted nothing',
      params: { database: 'main', tables: IU_TABLES, compare_with: 'G0' },
      facts: { G0: {} },
      ...on,
      messageId: 'noEarlier',
    },
  ],
  invalid: [{ database: 'main' }, { tables: ['t'] }, { database: 'main', tables: 't' }],
});
