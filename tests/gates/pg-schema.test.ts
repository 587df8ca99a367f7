// The `pg-schema` gate table on the iu-cutter sample in a fresh database (depth: tests/pg/pg-gates.test.ts).
import { afterAll, beforeAll } from '@jest/globals';
import pgSchema from '../../gates/pg-schema.js';
import { testGate } from '../helpers/gate-tester.js';
import { IU_TABLES } from '../helpers/o8c-proofs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
});
afterAll(() => db.drop());

const on = { db: () => ({ main: db.url }) };

testGate(pgSchema, {
  pass: [
    {
      name: 'tables, a function and a trigger exist',
      messageId: 'present',
      params: {
        database: 'main',
        tables: IU_TABLES,
        functions: [{ name: 'public.fn_iu_create', args: 'text, text, text, text, text, text' }],
        triggers: [{ table: 'public.unit_version', name: 'trg_unit_version_enacted_immutable' }],
      },
      ...on,
    },
  ],
  fail: [
    {
      name: 'a missing table, a changed function and a missing trigger',
      params: {
        database: 'main',
        tables: ['public.no_such_table'],
        functions: [{ name: 'public.fn_iu_create', args: 'text, text, text, text, text, text', sha256: '0'.repeat(64) }],
        triggers: [{ table: 'public.unit_version', name: 'trg_missing' }],
      },
      ...on,
      messageId: 'problems',
      summary: /^3 schema problem\(s\) on .*public\.no_such_table does not exist/,
    },
  ],
  invalid: [{ tables: ['t'] }, { database: 'main', functions: [{ args: 'text' }] }, { database: 'main', triggers: [{ name: 't' }] }],
});
