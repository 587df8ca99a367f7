// findTxControl: statements that would end a transaction, found past comments, literals and dollar quotes.
import { findTxControl } from '../../src/pg/sql-guard.js';

test.each([
  ['commit', 'commit'],
  ['COMMIT WORK', 'COMMIT WORK'],
  ['select 1; end', 'end'],
  ['  /* a /* nested */ comment */ rollback', 'rollback'],
  ['rollback and chain', 'rollback and chain'],
  ['abort', 'abort'],
  ["prepare transaction 'x'", "prepare transaction ''"],
  ["commit prepared 'x'", "commit prepared ''"],
  ['begin', 'begin'],
  ['start transaction read write', 'start transaction read'],
  ['select 1;\n-- comment\ncommit', 'commit'],
])('refuses %j', (sql, found) => {
  expect(findTxControl(sql)).toBe(found);
});

test.each([
  "select 'commit; rollback'",
  'select $$commit$$',
  'select $tag$ ; commit; $tag$',
  'select 1 -- ; commit',
  'select 1 /* ; commit */',
  'rollback to savepoint s1',
  'ROLLBACK TO s1',
  'release savepoint s1',
  'savepoint s1',
  'select "commit" from t',
  'do $$ begin perform 1; end $$',
  'select case when true then 1 end',
  'update t set committed = true',
])('allows %j', (sql) => {
  expect(findTxControl(sql)).toBeNull();
});
