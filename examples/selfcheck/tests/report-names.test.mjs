// A small real suite the SELFCHECK demo runs through its `tests` gate (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportFileName, finalFileName, slug } from '../../../dist/src/report/render-report.js';
import { parseTestCounts } from '../../../dist/src/test-counts.js';

test('report files are numbered from 01 in gate order', () => {
  assert.equal(reportFileName(0, 'precheck-live'), '01-precheck-live.md');
  assert.equal(reportFileName(9, 'kb reporting'), '10-kb-reporting.md');
});

test('the final report comes after the last gate report', () => {
  assert.equal(finalFileName(8, 'O8C'), '09-final-o8c-report.md');
});

test('slugs are lower-case and dash-separated', () => {
  assert.equal(slug('G4 Execute Rollback-Only Proof!'), 'g4-execute-rollback-only-proof');
});

test('unittest counts are parsed, failures included', () => {
  const c = parseTestCounts(
    '....F.\n----------------------------------------------------------------------\nRan 6 tests in 0.010s\n\nFAILED (failures=1)\n',
  );
  assert.deepEqual({ total: c.total, failed: c.failed, passed: c.passed }, { total: 6, failed: 1, passed: 5 });
});

test('output without counts gives null, not zero', () => {
  assert.equal(parseTestCounts('hello world'), null);
});
