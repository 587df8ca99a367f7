// Typed gate messages: the framework formats summaries from {messageId, data}, and the GateTester rejects what RuleTester rejects.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gateKinds } from '../../gates/index.js';
import { defineGate, formatResult, results } from '../../src/gate.js';
import { repoRoot } from '../helpers/cli.js';
import { runCase, tableProblems, testGate } from '../helpers/gate-tester.js';

const messages = { tooBig: '{n} is larger than {max}', gone: 'nothing there' };
const { pass, fail, blocked } = results(messages);

/** A gate that returns whatever its params ask for, to play a buggy gate. */
const probe = defineGate<{ mode: string }, typeof messages>({
  kind: 'probe',
  summary: 'returns the result its params ask for',
  params: { type: 'object', required: ['mode'], additionalProperties: false, properties: { mode: { type: 'string' } } },
  messages,
  run(_ctx, p) {
    switch (p.mode) {
      case 'pass':
        return Promise.resolve(pass('fine'));
      case 'fail':
        return Promise.resolve(fail({ messageId: 'tooBig', data: { n: 7, max: 5 } }));
      case 'blocked':
        return Promise.resolve(blocked({ messageId: 'gone' }));
      case 'unknownId':
        return Promise.resolve({ ...fail({ messageId: 'gone' }), messageId: 'noSuchId' });
      case 'noId':
        return Promise.resolve({ status: 'FAIL', summary: 'free text', checks: [], facts: {}, evidence: [] });
      default:
        return Promise.resolve({ status: 'MAYBE' } as never);
    }
  },
});

describe('results() and formatResult()', () => {
  test('an unknown messageId is a type error at the call site', () => {
    // @ts-expect-error 'noSuchId' is not a key of the messages: the compiler rejects it.
    const r = fail({ messageId: 'noSuchId' });
    expect(formatResult(probe, r)).toEqual({ ok: false, problems: [expect.stringMatching(/"noSuchId" is not one of the probe messages/)] });
  });

  test('the framework formats the summary from the template, whatever the gate wrote there', () => {
    const r = { ...fail({ messageId: 'tooBig', data: { n: 7, max: 5 } }), summary: 'a gate that lies' };
    const f = formatResult(probe, r);
    expect(f).toEqual({
      ok: true,
      result: expect.objectContaining({ status: 'FAIL', messageId: 'tooBig', summary: '7 is larger than 5' }),
    });
  });

  test('FAIL or BLOCKED without a messageId, a malformed result, an inherited property name: gate bugs', () => {
    expect(formatResult(probe, { status: 'FAIL', summary: 'x', checks: [], facts: {}, evidence: [] })).toMatchObject({ ok: false });
    expect(formatResult(probe, { status: 'BLOCKED', checks: [], facts: {}, evidence: [] })).toMatchObject({ ok: false });
    expect(formatResult(probe, { status: 'PASS', summary: 'x', checks: 'no', facts: {}, evidence: [] })).toEqual({
      ok: false,
      problems: ['checks must be a list'],
    });
    expect(formatResult(probe, { ...fail({ messageId: 'gone' }), messageId: 'toString' })).toMatchObject({ ok: false });
    expect(formatResult(probe, null)).toMatchObject({ ok: false });
  });
});

describe('the GateTester itself', () => {
  test('a table naming a messageId the kind lacks is refused before anything runs', () => {
    const table = { pass: [{ params: { mode: 'pass' } }], fail: [{ params: { mode: 'fail' }, messageId: 'tooLarge' }], invalid: [{}] };
    expect(tableProblems(probe, table as never)).toEqual([expect.stringMatching(/messageId "tooLarge" is not one of the probe messages/)]);
    expect(() => testGate(probe, table as never)).toThrow(/GateTester: .*tooLarge/);
  });

  test('a table without a pass case or an invalid-params case is incomplete', () => {
    expect(tableProblems(probe, { pass: [], fail: [], invalid: [] })).toHaveLength(2);
  });

  test('a gate returning an unknown messageId or a FAIL without one is caught as EGATEOUTPUT', async () => {
    await expect(runCase(probe, { params: { mode: 'unknownId' } })).rejects.toThrow(
      /EGATEOUTPUT.*"noSuchId" is not one of the probe messages/,
    );
    await expect(runCase(probe, { params: { mode: 'noId' } })).rejects.toThrow(/EGATEOUTPUT.*must name a messageId/);
  });

  test('a malformed result goes through the real runGate, which records EGATEOUTPUT', async () => {
    await expect(runCase(probe, { params: { mode: 'shapeless' } })).rejects.toThrow(
      /the runner recorded: FAIL gate bug \(EGATEOUTPUT\): the probe gate returned a malformed result: status must be PASS/,
    );
  });
});

testGate(probe, {
  pass: [{ params: { mode: 'pass' } }],
  fail: [
    { params: { mode: 'fail' }, messageId: 'tooBig', summary: /^7 is larger than 5$/ },
    { params: { mode: 'blocked' }, messageId: 'gone', status: 'BLOCKED' },
  ],
  invalid: [{}, { mode: 1 }, { mode: 'pass', extra: true }],
});

test('every gate kind has tests/gates/<kind>.test.ts with a GateTester table', () => {
  const missing = Object.keys(gateKinds).filter((kind) => {
    const file = join(repoRoot, 'tests', 'gates', `${kind}.test.ts`);
    return !existsSync(file) || !readFileSync(file, 'utf8').includes('testGate(');
  });
  expect(missing).toEqual([]);
});
