// The `pg-grants` gate table on the iu-cutter sample in a fresh database (depth: tests/pg/pg-gates.test.ts).
import { afterAll, beforeAll } from '@jest/globals';
import pgGrants from '../../gates/pg-grants.js';
import { testGate } from '../helpers/gate-tester.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sample: true });
});
afterAll(() => db.drop());

const FN = 'public.fn_iu_create(text,text,text,text,text,text)';
const on = { db: () => ({ main: db.url }) };

testGate(pgGrants, {
  pass: [
    {
      name: 'roles exist and grants are as designed',
      messageId: 'allMatch',
      params: {
        database: 'main',
        roles_exist: ['cutter_exec'],
        grants: [
          { role: 'cutter_exec', on: 'function', object: FN, privilege: 'EXECUTE', expect: true },
          { role: 'cutter_exec', on: 'table', object: 'public.information_unit', privilege: 'INSERT', expect: false },
        ],
      },
      ...on,
    },
  ],
  fail: [
    {
      name: 'a missing grant and a missing role',
      params: {
        database: 'main',
        roles_exist: ['cutter_ghost'],
        grants: [{ role: 'cutter_verify', on: 'table', object: 'cutter_governance.review_decision', privilege: 'INSERT', expect: true }],
      },
      ...on,
      messageId: 'mismatch',
      summary: /^2 grant problem\(s\) on .*role cutter_ghost does not exist.*missing grant: cutter_verify INSERT/,
    },
  ],
  invalid: [
    { roles_exist: ['x'] },
    { database: 'main', grants: [{ role: 'r', on: 'view', object: 'o', privilege: 'SELECT', expect: true }] },
  ],
});
