// The `command` gate: a GateTester table of passing and failing cases on real processes.
import { describe, expect, test } from '@jest/globals';
import command from '../../gates/command.js';
import { runCase, runGateKind, testGate } from '../helpers/gate-tester.js';

testGate(command, {
  pass: [
    { params: { command: 'true' } },
    { params: { command: ['sh', '-c', 'exit 4'], expect_exit: [0, 4] } },
    { params: { command: 'echo hello world', stdout: { matches: ['^hello'], not_matches: ['error'] } } },
    { params: { command: 'echo oops >&2', stderr: { matches: ['oops'] } } },
  ],
  fail: [
    { params: { command: 'exit 2' }, messageId: 'failed', summary: /exit code 2, expected 0/ },
    { params: { command: 'echo hello', stdout: { matches: ['^bye'] } }, messageId: 'failed', summary: /stdout does not match \/\^bye\// },
    {
      params: { command: 'echo error here', stdout: { not_matches: ['error'] } },
      messageId: 'failed',
      summary: /stdout matches \/error\//,
    },
    {
      params: { command: ['/no/such/program'] },
      messageId: 'failed',
      summary: /exit code none \(could not start \/no\/such\/program: ENOENT\), expected 0/,
    },
    { params: { command: 'sleep 5', timeout: 0.3 }, messageId: 'failed', summary: /exit code none \(timed out\)/ },
    {
      params: { command: 'echo x', facts_from_stdout: 'version (?<v>\\S+)' },
      messageId: 'failed',
      summary: /does not match facts_from_stdout/,
    },
  ],
  invalid: [{ command: '' }, { command: 'x', expect_exit: 'zero' }, { command: 'x', colour: 'red' }, {}],
});

describe('command gate', () => {
  test('facts from stdout: a named fact and named groups', async () => {
    const { result } = await runGateKind('command', {
      command: 'echo "version 1.2.3 milestone O4"',
      fact: 'line',
      facts_from_stdout: 'version (?<version>\\S+) milestone (?<milestone>\\S+)',
    });
    expect(result.facts).toMatchObject({ line: 'version 1.2.3 milestone O4', version: '1.2.3', milestone: 'O4', exit_code: 0 });
  });

  test('every run lands in the ledger with the digest of its output', async () => {
    const { result, ledger } = await runGateKind('command', { command: 'echo ledgered' });
    expect(ledger.entries).toHaveLength(1);
    expect(ledger.entries[0]).toMatchObject({
      seq: 1,
      gate: 'G0',
      action: 'exec',
      target: "sh -c 'echo ledgered'",
      outcome: 'ok',
      mutating: false,
    });
    expect(ledger.entries[0].outputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.evidence[0].ledger).toEqual([1]);
  });

  test('a mutating command is refused under mutation: none (the runner records a FAIL) and allowed under deploy', async () => {
    const refused = await runCase(command, { params: { command: 'true', mutates: true } });
    expect(refused.record).toMatchObject({ status: 'FAIL', summary: expect.stringMatching(/refused before it happened/) });
    expect(refused.result).toBeNull();
    const allowed = await runCase(command, { params: { command: 'true', mutates: true }, policy: 'deploy' });
    expect(allowed.record.status).toBe('PASS');
  });
});
