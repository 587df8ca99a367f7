// The `command` gate: a GateTester table of passing and failing cases on real processes.
import { describe, expect, test } from '@jest/globals';
import { paramsValid, runGateKind } from '../helpers/gate-tester.js';

describe('command gate', () => {
  test.each([
    [{ command: 'true' }],
    [{ command: ['sh', '-c', 'exit 4'], expect_exit: [0, 4] }],
    [{ command: 'echo hello world', stdout: { matches: ['^hello'], not_matches: ['error'] } }],
    [{ command: 'echo oops >&2', stderr: { matches: ['oops'] } }],
  ])('passes: %j', async (params) => {
    const { result } = await runGateKind('command', params);
    expect(result.status).toBe('PASS');
  });

  test.each([
    [{ command: 'exit 2' }, /exit code 2, expected 0/],
    [{ command: 'echo hello', stdout: { matches: ['^bye'] } }, /stdout does not match \/\^bye\//],
    [{ command: 'echo error here', stdout: { not_matches: ['error'] } }, /stdout matches \/error\//],
    [{ command: ['/no/such/program'] }, /exit code none \(could not start \/no\/such\/program: ENOENT\), expected 0/],
    [{ command: 'sleep 5', timeout: 0.3 }, /exit code none \(timed out\)/],
  ])('fails: %j', async (params, summary) => {
    const { result } = await runGateKind('command', params);
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(summary);
  });

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

  test('a mutating command is refused under mutation: none and allowed under deploy', async () => {
    await expect(runGateKind('command', { command: 'true', mutates: true })).rejects.toThrow(/refused before it happened/);
    const { result } = await runGateKind('command', { command: 'true', mutates: true }, { policy: 'deploy' });
    expect(result.status).toBe('PASS');
  });

  test('bad params are rejected by the schema', () => {
    expect(paramsValid('command', { command: 'x' })).toBe(true);
    expect(paramsValid('command', { command: '' })).toBe(false);
    expect(paramsValid('command', { command: 'x', expect_exit: 'zero' })).toBe(false);
    expect(paramsValid('command', { command: 'x', colour: 'red' })).toBe(false);
  });
});
