// The runner end to end through the built CLI: real processes, real files, exit codes and reports.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cliPath, gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const macro = (gates: string, extra = '') => `id: T1
macro: test-macro
title: test macro
mutation: none
outcome: T1_PASS
${extra}
gates:
${gates}`;

const gate = (id: string, title: string, command: string, more = '') =>
  `  - id: ${id}\n    title: ${title}\n    kind: command\n${more}    with:\n      command: ${JSON.stringify(command)}\n`;

function setup(text: string) {
  const dir = tempDir();
  writeFiles(dir, { 'm.yaml': text });
  return { file: join(dir, 'm.yaml'), out: join(dir, 'run') };
}

const runJson = (out: string) => JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
const noProcess = async (pattern: string) => (await execa('pgrep', ['-f', pattern], { reject: false })).exitCode === 1;

describe('gaterun run', () => {
  test('a 3-gate macro whose G1 fails: exit 1, G2 NOT RUN, C — FAIL at G1, four reports', async () => {
    const { file, out } = setup(
      macro(gate('G0', 'first', 'echo one') + gate('G1', 'second', 'echo broken >&2; exit 3') + gate('G2', 'third', 'echo three')),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('final_outcome: C — FAIL at G1');
    expect(r.stdout).toContain('stopped_at: G1');
    const md = readdirSync(out)
      .filter((f) => f.endsWith('.md'))
      .sort();
    expect(md).toEqual(['01-first.md', '02-second.md', '03-third.md', '04-final-t1-report.md']);
    expect(readFileSync(join(out, '03-third.md'), 'utf8')).toContain('This gate did not run: G1 failed.');
    expect(readFileSync(join(out, '02-second.md'), 'utf8')).toMatch(/exit code 3, expected 0/);
    const run = runJson(out);
    expect(run.gates.map((g: { status: string }) => g.status)).toEqual(['PASS', 'FAIL', 'NOT_RUN']);
    expect(run.final_outcome.final_outcome).toBe('C — FAIL at G1');
    const final = readFileSync(join(out, '04-final-t1-report.md'), 'utf8');
    expect(final).toContain('| G2 | third | NOT RUN | not run: G1 failed |');
  });

  test('all gates pass but a criterion is NO: C naming the criterion, exit 1; criteria computed from facts', async () => {
    const { file, out } = setup(
      macro(
        gate('G0', 'first', 'echo 42', '').replace('      command: "echo 42"\n', '      command: "echo 42"\n      fact: answer\n') +
          gate('G1', 'second', 'echo ok'),
        'criteria:\n  - name: answer_is_42\n    all: [{ fact: G0.answer, equals: 42 }]\n  - name: answer_is_43\n    all: [{ fact: G0.answer, equals: 43 }]\noutcome_facts:\n  answer: G0.answer',
      ),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('final_outcome: C — FAIL at PASS criteria (answer_is_43)');
    expect(r.stdout).toContain('stopped_at: null');
    expect(r.stdout).toMatch(/answer: "?42"?/);
    const final = readFileSync(join(out, '03-final-t1-report.md'), 'utf8');
    expect(final).toContain('- answer_is_42: YES — G0.answer = 42');
    expect(final).toContain('- answer_is_43: NO — G0.answer = 42 (expected 43)');
    expect(final).toContain('PASS criteria — 1 of 2 met');
    expect(final).not.toMatch(/undefined|\[object Object\]|\{\{/);
  });

  test('--json prints only the run document (format_version 1) as JSON on stdout', async () => {
    const { file, out } = setup(macro(gate('G0', 'first', 'echo one')));
    const r = await gaterun(['run', file, '--out', out, '--json', '--renderer', 'simple']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ format_version: 1, outcome: 'A', run_dir: out });
    const parsed = doc.final_outcome;
    expect(parsed).toMatchObject({
      final_outcome: 'A — T1_PASS',
      macro: 'test-macro',
      stopped_at: null,
      production_mutation: 'NONE',
      signature: 'UNSIGNED',
    });
    expect(Object.keys(parsed)).toEqual([
      'final_outcome',
      'macro',
      'run_id',
      'stopped_at',
      'reason',
      'production_mutation',
      'signature',
      'next_action',
    ]);
    expect(r.stderr).toContain('G0 first');
  });

  test('a gate over its timeout FAILs "timed out after N s" and its child processes are killed', async () => {
    const finished = join(tempDir(), 'finished');
    const { file, out } = setup(
      macro(gate('G0', 'slow', `sh -c "sleep 31.71; touch ${finished}"; true`, '    timeout: 1\n') + gate('G1', 'after', 'echo after')),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    // State, not a stopwatch: the run ended before the sleep could finish and leave its marker.
    expect(existsSync(finished)).toBe(false);
    const run = runJson(out);
    expect(run.gates[0].summary).toMatch(/^timed out after 1 s/);
    expect(run.gates[1].status).toBe('NOT_RUN');
    expect(await noProcess('sleep 31.71')).toBe(true);
  });

  test('SIGINT cancels the running gate: D — ABORTED, exit 130, reports still written, children killed', async () => {
    const { file, out } = setup(
      macro(gate('G0', 'first', 'echo one') + gate('G1', 'long', 'sleep 32.53') + gate('G2', 'never', 'echo never')),
    );
    const child = execa('node', [cliPath, 'run', file, '--out', out, '--renderer', 'silent'], { reject: false });
    for (let i = 0; i < 100 && (await noProcess('sleep 32.53')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await noProcess('sleep 32.53')).toBe(false);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stdout).toContain('final_outcome: D — ABORTED at G1');
    const run = runJson(out);
    expect(run.gates.map((g: { status: string }) => g.status)).toEqual(['PASS', 'ABORTED', 'NOT_RUN']);
    expect(existsSync(join(out, '04-final-t1-report.md'))).toBe(true);
    expect(await noProcess('sleep 32.53')).toBe(true);
  });

  test('a blocked precondition ends B — BLOCKED, exit 3', async () => {
    const { file, out } = setup(
      macro(
        '  - id: G0\n    title: precheck\n    kind: precheck\n    with:\n      hostname: { equals: "no-such-host.invalid" }\n' +
          gate('G1', 'after', 'echo after'),
      ),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('final_outcome: B — BLOCKED at G0');
    expect(runJson(out).gates[0].summary).toMatch(/wrong host: host is .*, expected no-such-host.invalid/);
  });

  test('a gate that throws is recorded as a crash: FAIL with the error and stack in its report', async () => {
    const { file, out } = setup(
      macro(
        '  - id: G0\n    title: crashy\n    kind: command\n    with:\n      command: "echo hi"\n      stdout: { matches: ["(unclosed"] }\n',
      ),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    const report = readFileSync(join(out, '01-crashy.md'), 'utf8');
    expect(report).toContain('## Crash');
    expect(report).toMatch(/Invalid regular expression/);
    expect(report).toMatch(/at .*command\.(js|ts)/);
  });

  test('facts of earlier gates feed later params; a missing fact FAILs the gate', async () => {
    const ok = setup(
      macro(
        gate('G0', 'make', 'echo abc').replace('      command: "echo abc"\n', '      command: "echo abc"\n      fact: word\n') +
          gate('G1', 'use', 'test "${gates.G0.facts.word}" = abc'),
      ),
    );
    expect((await gaterun(['run', ok.file, '--out', ok.out, '--renderer', 'silent'])).exitCode).toBe(0);
    const bad = setup(macro(gate('G0', 'make', 'echo abc') + gate('G1', 'use', 'echo ${gates.G0.facts.nothing}')));
    const r = await gaterun(['run', bad.file, '--out', bad.out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(runJson(bad.out).gates[1].summary).toContain('unresolved reference: ${gates.G0.facts.nothing}');
  });

  test('a mutating command in a mutation: none macro is refused before it runs, and the ledger says so', async () => {
    const dir = tempDir();
    const marker = join(dir, 'should-not-exist');
    const { file, out } = setup(
      macro(
        `  - id: G0\n    title: write\n    kind: command\n    with:\n      command: "touch ${marker}"\n      mutates: true\n      scope: deploy\n`,
        'forbidden:\n  - name: Write outside the run dir\n    ledger: { mutating: true }',
      ),
    );
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(existsSync(marker)).toBe(false);
    const run = runJson(out);
    expect(run.gates[0].summary).toMatch(/refused before it happened: exec sh -c 'touch .*' — the macro's policy is mutation: none/);
    const ledger = readFileSync(join(out, 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger).toEqual([
      expect.objectContaining({ seq: 1, action: 'run.lock', outcome: 'ok', mutating: false }),
      expect.objectContaining({ seq: 2, action: 'exec', outcome: 'refused', mutating: true }),
    ]);
    expect(run.final_outcome.production_mutation).toBe('NONE');
  });
});

describe('gaterun outcome', () => {
  test('prints the block of a finished run, as YAML or JSON; a bad dir is a usage error', async () => {
    const { file, out } = setup(macro(gate('G0', 'first', 'echo one')));
    await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    const y = await gaterun(['outcome', out]);
    expect(y.exitCode).toBe(0);
    expect(y.stdout).toContain('final_outcome: A — T1_PASS');
    const j = await gaterun(['outcome', out, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ format_version: 1, outcome: 'A', final_outcome: { final_outcome: 'A — T1_PASS' } });
    const bad = await gaterun(['outcome', tempDir()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('no run.json here');
  });
});
