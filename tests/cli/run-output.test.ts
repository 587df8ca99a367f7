// The run's machine outputs (--json v1, JUnit, the GitHub step summary) built from RunRecords of real runs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { junitXml } from '../../src/output/junit.js';
import { runJson } from '../../src/output/run-json.js';
import { appendStepSummary, stepSummary } from '../../src/output/step-summary.js';
import { executeRun } from '../../src/runner/execute-run.js';
import type { RunResult } from '../../src/runner/run-macro.js';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const schema = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', name), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(schema('final-outcome.schema.json'), 'final-outcome.schema.json');
const validateRun = ajv.compile(schema('run-output.schema.json'));
const validateError = ajv.compile(schema('error-output.schema.json'));

const head = 'id: OUT\nmacro: output-test\ntitle: outputs of a run\noutcome: OUT_PASS\n';
// A title with every character XML and Markdown tables care about, to prove the writers escape it.
const nasty = 'first passes <&> "quoted" | piped';
const macros: Record<string, string> = {
  'pass.yaml': `${head}gates:
  - id: G0
    title: ${JSON.stringify(nasty)}
    kind: command
    with: { command: "echo hello" }
  - id: G1
    title: second-gate
    label: second gate (kebab title + label)
    kind: command
    with: { command: "true" }
criteria:
  - name: said_hello
    all: [{ fact: G0.exit_code, equals: 0 }]
outcome_facts: { greeting_exit: G0.exit_code }
`,
  'fail.yaml': `${head}gates:
  - id: G0
    title: first passes
    kind: command
    with: { command: "true" }
  - id: G1
    title: Then fails
    kind: command
    with: { command: "echo 'boom: <disk full> & more' >&2; exit 3" }
  - id: G2
    title: never runs
    kind: command
    with: { command: "true" }
`,
  'criteria.yaml': `${head}gates:
  - id: G0
    title: passes but says no
    kind: command
    with: { command: "echo 0", fact: answer }
criteria:
  - name: answer_is_42
    all: [{ fact: G0.answer, equals: "42" }]
`,
};

const dir = tempDir('gaterun-output-');
const runs: Record<string, RunResult> = {};

beforeAll(async () => {
  writeFiles(dir, macros);
  for (const f of Object.keys(macros))
    runs[f] = await executeRun({ macro: join(dir, f), outDir: join(dir, 'runs', f), renderer: 'silent', keyFlag: undefined });
}, 60000);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
type Case = { name: string; time: string; failure?: { message: string; '#text': string }; error?: unknown; skipped?: { message: string } };
const suite = (xml: string) => {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).testsuites.testsuite as Record<string, string> & { testcase: Case[] };
};

describe('--json v1 (runJson)', () => {
  test.each(Object.keys(macros))('%s validates against schemas/run-output.schema.json', (f) => {
    const doc = runJson(runs[f].record, 'runs/x', runs[f].finalize);
    expect(validateRun(doc) ? [] : validateRun.errors).toEqual([]);
  });

  test('a passing run: outcome letter, run dir, per-gate results from the record', () => {
    const { record, finalize } = runs['pass.yaml'];
    const doc = runJson(record, 'runs/pass', finalize);
    expect(doc).toMatchObject({ format_version: 1, outcome: 'A', reason: null, stopped_at: null, run_dir: 'runs/pass', signed: false });
    expect(doc.final_outcome.final_outcome).toBe('A — OUT_PASS');
    expect(doc.final_outcome.greeting_exit).toBe(0);
    expect(doc.final_outcome.next_action).toBe('STOP');
    expect(doc.gates.map((g) => [g.id, g.title, g.status, g.report])).toEqual([
      ['G0', nasty, 'PASS', 'runs/pass/01-first-passes-quoted-piped.md'],
      ['G1', 'second-gate', 'PASS', 'runs/pass/02-second-gate.md'],
    ]);
    expect(doc.gates[1].label).toBe('second gate (kebab title + label)');
    expect(doc.gates.every((g) => Number.isInteger(g.duration_ms) && g.duration_ms >= 0)).toBe(true);
  });

  test('a failing run names the gate and the reason; a document missing a key fails the schema', () => {
    const doc = runJson(runs['fail.yaml'].record, 'r');
    expect(doc).toMatchObject({ outcome: 'C', stopped_at: 'G1' });
    expect(doc.reason).toContain('exit code 3');
    expect(doc.gates.map((g) => g.status)).toEqual(['PASS', 'FAIL', 'NOT_RUN']);
    const broken: Record<string, unknown> = { ...doc };
    delete broken.run_dir;
    expect(validateRun(broken)).toBe(false);
    expect(validateRun({ ...doc, outcome: 'E' })).toBe(false);
  });
});

describe('JUnit (junitXml)', () => {
  test('a passing run: one test case per gate and criterion, none failing, the nasty title intact', () => {
    const s = suite(junitXml(runs['pass.yaml'].record));
    expect(s).toMatchObject({ tests: '3', failures: '0', errors: '0', skipped: '0' });
    expect(s.testcase.map((c) => c.name)).toEqual([`G0 ${nasty}`, 'G1 second gate (kebab title + label)', 'criterion said_hello']);
  });

  test('a failing run: the failure carries the reason and stderr-bearing summary; later gates are skipped', () => {
    const s = suite(junitXml(runs['fail.yaml'].record));
    expect(s).toMatchObject({ tests: '3', failures: '1', errors: '0', skipped: '1' });
    const [, failed, notRun] = s.testcase;
    expect(failed.name).toBe('G1 Then fails');
    expect(failed.failure!.message).toContain('exit code 3, expected 0');
    expect(failed.failure!['#text']).toContain('FAIL exit code 3');
    expect(notRun.skipped!.message).toMatch(/G1/);
  });

  test('all gates PASS but a criterion is NO: the criterion is the failing case', () => {
    const s = suite(junitXml(runs['criteria.yaml'].record));
    expect(s).toMatchObject({ tests: '2', failures: '1' });
    expect(s.testcase[1].name).toBe('criterion answer_is_42');
    expect(s.testcase[1].failure!.message).toContain('G0.answer = 0');
  });
});

describe('GitHub step summary', () => {
  test('the roll-up and outcome as Markdown, pipes escaped so the table keeps its columns', () => {
    const md = stepSummary(runs['fail.yaml'].record, 'runs/fail');
    expect(md).toContain('### gaterun OUT: C — FAIL at G1');
    expect(md).toMatch(/^\| G1 \| Then fails \| FAIL \| .* \| .*exit code 3, expected 0 \|$/m);
    expect(md).toMatch(/^\| G2 \| never runs \| NOT RUN \|/m);
    const row = md.split('\n').find((l) => l.startsWith('| G0 '))!;
    expect(
      stepSummary(runs['pass.yaml'].record, 'r')
        .split('\n')
        .find((l) => l.startsWith('| G0 '))!
        .split(/(?<!\\)\|/).length,
    ).toBe(row.split(/(?<!\\)\|/).length);
  });

  test('appendStepSummary writes only when GITHUB_STEP_SUMMARY is set, and appends', () => {
    const file = join(tempDir(), 'summary.md');
    expect(appendStepSummary(runs['pass.yaml'].record, 'r', [], {})).toBeNull();
    expect(existsSync(file)).toBe(false);
    appendStepSummary(runs['pass.yaml'].record, 'r', [], { GITHUB_STEP_SUMMARY: file });
    appendStepSummary(runs['fail.yaml'].record, 'r', [], { GITHUB_STEP_SUMMARY: file });
    const text = readFileSync(file, 'utf8');
    expect(text.indexOf('A — OUT_PASS')).toBeLessThan(text.indexOf('C — FAIL at G1'));
  });
});

describe('the CLI wiring (built binary)', () => {
  test('run --json --junit with GITHUB_STEP_SUMMARY: one JSON document on stdout, XML file, summary file; exit 1', async () => {
    const out = tempDir();
    const r = await gaterun(['run', join(dir, 'fail.yaml'), '--json', '--junit', join(out, 'junit.xml'), '--out', join(out, 'run')], {
      env: { GITHUB_STEP_SUMMARY: join(out, 'summary.md') },
    });
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(validateRun(doc) ? [] : validateRun.errors).toEqual([]);
    expect(doc).toMatchObject({ outcome: 'C', stopped_at: 'G1' });
    expect(existsSync(join(doc.run_dir, 'run.json'))).toBe(true);
    expect(suite(readFileSync(join(out, 'junit.xml'), 'utf8')).failures).toBe('1');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('C — FAIL at G1');
  });

  test('errors are JSON on stdout with --json (schemas/error-output.schema.json), exit 2', async () => {
    const r = await gaterun(['run', join(dir, 'nope.yaml'), '--json']);
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(validateError(doc) ? [] : validateError.errors).toEqual([]);
    expect(doc.error.code).toBe('EUSAGE');
    const bad = await gaterun(['plan', join(dir, 'pass.yaml'), '--json', '--tagret', 'x']);
    const e = JSON.parse(bad.stdout);
    expect(validateError(e)).toBe(true);
    expect(e.error.hint).toContain('did you mean --target?');
  });
});
