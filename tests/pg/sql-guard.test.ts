// findTxControl: statements that would end a transaction, found past comments, literals and dollar quotes.
import { assertNoIdentityChange, findIdentityChange, findTxControl } from '../../src/pg/sql-guard.js';

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

// findIdentityChange: a proof may not change who it runs as; each case is a way a proof might try.
test.each([
  ['reset role', 'RESET ROLE'],
  ['RESET   ROLE', 'RESET ROLE'],
  ['select 1; reset role; select setval($1, 5000)', 'RESET ROLE'],
  ['/* hide */ reset /* me */ role', 'RESET ROLE'],
  ['-- comment\nReSeT rOlE', 'RESET ROLE'],
  ['set role postgres', 'SET ROLE'],
  ['SET LOCAL ROLE postgres', 'SET ROLE'],
  ['set session role none', 'SET ROLE'],
  ['set "role" to postgres', 'SET ROLE'],
  ['SET "ROLE" = default', 'SET ROLE'],
  ['set session authorization default', 'SET SESSION AUTHORIZATION'],
  ['set session session authorization postgres', 'SET SESSION AUTHORIZATION'],
  ['reset session authorization', 'RESET SESSION AUTHORIZATION'],
  ["set session_authorization = 'postgres'", 'SET SESSION_AUTHORIZATION'],
  ['reset session_authorization', 'RESET SESSION_AUTHORIZATION'],
  ["select set_config('role', 'postgres', true)", "set_config('role', …)"],
  ["select pg_catalog.set_config( 'ROLE ' , 'postgres', false)", "set_config('role', …)"],
  ['select "set_config"($x$session_authorization$x$, \'postgres\', false)', "set_config('session_authorization', …)"],
  ["select set_config('ro' || 'le', 'postgres', true)", 'set_config(<computed setting name>, …)'],
  ["select set_config(E'r\\x6fle', 'postgres', true)", 'set_config(<computed setting name>, …)'],
  ["select set_config(lower('ROLE'), 'postgres', true)", 'set_config(<computed setting name>, …)'],
  ['select set_config($1, $2, true)', 'set_config(<computed setting name>, …)'],
  ["select set_config(setting_name => 'role', new_value => 'x', is_local => true)", 'set_config(<computed setting name>, …)'],
  ["do $$ begin execute 'reset role'; end $$", 'RESET ROLE'],
  ['do $body$ begin reset role; perform 1; end $body$', 'RESET ROLE'],
  ["do 'begin execute ''set role postgres''; end'", 'SET ROLE'],
  ["do $$ begin execute format('set role %I', 'postgres'); end $$", 'SET ROLE'],
  ["do $$ begin perform set_config('role', 'postgres', false); end $$", "set_config('role', …)"],
  ['create function f() returns void language plpgsql as $f$ begin if true then reset role; end if; end $f$', 'RESET ROLE'],
  ["create function f() returns text language sql as 'select set_config(''role'', ''postgres'', true)'", "set_config('role', …)"],
])('refuses identity change %j', (sql, found) => {
  expect(findIdentityChange(sql)).toBe(found);
});

test.each([
  "select 'reset role'",
  "select 'set role postgres' as text_only",
  'select current_user, session_user',
  "update t set role = 'admin' where id = 1",
  "select * from roles where role = 'x'",
  'reset all',
  'set local statement_timeout = 1000',
  "select set_config('statement_timeout', '1000', true)",
  "select current_setting('role')",
  "do $$ begin update t set role = 'x'; end $$",
  'select 1 -- ; reset role',
  'select 1 /* ; set role postgres */',
  'select "reset role" from t',
])('allows %j', (sql) => {
  expect(findIdentityChange(sql)).toBeNull();
});

test('assertNoIdentityChange throws the coded EIDENTITY error naming the statement', () => {
  expect(() => assertNoIdentityChange('select 1; RESET ROLE')).toThrow(expect.objectContaining({ code: 'EIDENTITY' }));
  expect(() => assertNoIdentityChange('select 1; RESET ROLE')).toThrow('"RESET ROLE" would change the identity');
  expect(() => assertNoIdentityChange('select 1')).not.toThrow();
});
