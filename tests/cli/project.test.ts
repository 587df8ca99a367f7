// A user's project: macros found in ./macros, gaterun.config.yaml, one clear error for a missing target,
// did-you-mean for flags and macro ids, `gaterun init` leading to a run that ends A, and the list/plan/kb --json documents.
import { afterAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gateKinds } from '../../gates/index.js';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(JSON.parse(readFileSync(join(repoRoot, 'schemas', 'cli-output.schema.json'), 'utf8')));
const valid = (def: string, doc: unknown) => {
  const v = ajv.getSchema(`https://gaterun.dev/schemas/cli-output.schema.json#/$defs/${def}`)!;
  return v(doc) ? [] : v.errors;
};

const macro = (id: string, title: string, extra = '') =>
  `id: ${id}\nmacro: ${id.toLowerCase()}-m\ntitle: ${title}\noutcome: ${id}_OK\ngates:\n  - id: G0\n    title: only gate\n    kind: command\n    with: { command: "true" }\n${extra}`;

describe('macro lookup and gaterun.config.yaml', () => {
  test('./macros of the working dir comes first and hides a package macro of the same id; did-you-mean for ids', async () => {
    const d = tempDir();
    writeFiles(d, { 'macros/MINE.yaml': macro('MINE', 'my own macro'), 'macros/SELFCHECK.yaml': macro('SELFCHECK', 'my selfcheck') });
    const list = await gaterun(['list'], { cwd: d });
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/^MINE\s+1\s+my own macro$/m);
    expect(list.stdout).toMatch(/^SELFCHECK\s+1\s+my selfcheck$/m);
    expect(list.stdout).toMatch(/^O8C\s+\d+/m);
    const json = await gaterun(['list', '--json'], { cwd: d });
    const doc = JSON.parse(json.stdout);
    expect(valid('list', doc)).toEqual([]);
    expect(doc.dirs[0]).toBe(join(d, 'macros'));
    expect(doc.macros.filter((m: { id: string }) => m.id === 'SELFCHECK')).toEqual([
      { id: 'SELFCHECK', title: 'my selfcheck', gates: 1, file: join(d, 'macros', 'SELFCHECK.yaml'), error: null },
    ]);
    const run = await gaterun(['run', 'mine', '--out', join(d, 'out')], { cwd: d });
    expect(run.exitCode).toBe(0);
    const typo = await gaterun(['plan', 'MIEN'], { cwd: d });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('did you mean "MINE"?');
  });

  test('$GATERUN_MACROS comes after ./macros and before the package', async () => {
    const d = tempDir();
    const env = tempDir();
    writeFiles(d, { 'macros/A1.yaml': macro('A1', 'project a1') });
    writeFiles(env, { 'A1.yaml': macro('A1', 'env a1'), 'B1.yaml': macro('B1', 'env b1'), 'O8C.yaml': macro('O8C', 'env o8c') });
    const list = await gaterun(['list'], { cwd: d, env: { GATERUN_MACROS: env } });
    expect(list.stdout).toMatch(/^A1\s+1\s+project a1$/m);
    expect(list.stdout).toMatch(/^B1\s+1\s+env b1$/m);
    expect(list.stdout).toMatch(/^O8C\s+1\s+env o8c$/m);
  });

  test('the config sets macros, reports, target and key; a bad config is one clear error with line:col', async () => {
    const d = tempDir();
    writeFiles(d, {
      'ops/M.yaml': macro('M', 'needs the target', '').replace('command: "true"', 'command: "test -d ${target.paths.data}"'),
      'ops/target.yaml': 'name: proj\npaths:\n  data: ../data\n',
      'data/.keep': '',
      'gaterun.config.yaml': 'macros: ops\nreports: out/runs\ntarget: ops/target.yaml\n',
    });
    const r = await gaterun(['run', 'M', '--json'], { cwd: d });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.run_dir).toMatch(/^out\/runs\/M\//);
    writeFiles(d, { 'gaterun.config.yaml': 'macros: ops\nreprots: out\ntarget: 12\nkey: missing.pem\n' });
    const bad = await gaterun(['list'], { cwd: d });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('ECONFIG');
    expect(bad.stderr).toMatch(/gaterun\.config\.yaml:2:1 reprots: unknown key; did you mean "reports"\?/);
    expect(bad.stderr).toMatch(/gaterun\.config\.yaml:3:9 target: expected a non-empty string/);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test('a forgotten --target is one error naming what the macro needs; the default target still serves macros that need none', async () => {
    const r = await gaterun(['run', 'O8C']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('ETARGETREQUIRED: this macro needs a target: --target FILE');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('gaterun:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/host "vps"/);
    expect(r.stderr).toMatch(/database "production"/);
    const plan = await gaterun(['plan', 'O8C', '--json']);
    expect(JSON.parse(plan.stdout).error.code).toBe('ETARGETREQUIRED');
  });

  test('a target that lacks a host names the hosts it has, each once', async () => {
    const d = tempDir();
    writeFiles(d, { 't.yaml': 'name: bare\n', 'm.yaml': macro('H', 'needs vps').replace('kind: command', 'kind: command\n    host: vps') });
    const r = await gaterun(['plan', join(d, 'm.yaml'), '--target', join(d, 't.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/gates\[0\]\.host: unknown host "vps"; the target declares local$/m);
  });

  test('unknown flags get did-you-mean; an unknown gate kind for explain too', async () => {
    const r = await gaterun(['run', 'SELFCHECK', '--tagret', 'x.yaml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('EUSAGE: run: unknown option --tagret');
    expect(r.stderr).toContain('did you mean --target?');
    const v = await gaterun(['plan', 'SELFCHECK', '--target']);
    expect(v.stderr).toContain('plan: --target needs a value');
    const e = await gaterun(['explain', 'comand']);
    expect(e.exitCode).toBe(2);
    expect(e.stderr).toContain('did you mean "command"?');
  });

  test('plan --json validates against its schema and names the slugged report files', async () => {
    const d = tempDir();
    writeFiles(d, { 'm.yaml': macro('P', 'plan json').replace('title: only gate', 'title: "Ünïcode & spaces: first passes"') });
    const r = await gaterun(['plan', join(d, 'm.yaml'), '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(valid('plan', doc)).toEqual([]);
    expect(doc.gates[0].report).toBe('01-unicode-spaces-first-passes.md');
    expect(doc.next_action).toBe('STOP');
  });
});

describe('outcome_facts cannot overwrite the final outcome', () => {
  test.each(['stopped_at', 'final_outcome', 'signature', 'next_action', 'reason'])(
    '%s is refused at load time with line:col',
    async (key) => {
      const d = tempDir();
      writeFiles(d, { 'm.yaml': macro('R', 'reserved', `outcome_facts:\n  ok: G0.exit_code\n  ${key}: G0.exit_code\n`) });
      const r = await gaterun(['run', join(d, 'm.yaml'), '--out', join(d, 'out')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`m.yaml:12:3 outcome_facts.${key}: "${key}" is a reserved key of the final outcome`);
    },
  );
});

describe('gaterun init', () => {
  test('in a fresh git repo with a passing test script: plan is valid and the starter run ends A', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'fresh-app', version: '1.0.0', scripts: { test: 'node --test test/' } }),
      'test/a.test.mjs': 'import test from "node:test";\ntest("adds", () => { if (1 + 1 !== 2) throw new Error("math"); });\n',
    });
    const init = await gaterun(['init'], { cwd: repo.dir });
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain('wrote macros/CHECK.yaml');
    const again = await gaterun(['init'], { cwd: repo.dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('EINIT');
    const r = await gaterun(['run', 'CHECK', '--json'], { cwd: repo.dir });
    expect(r.stderr).not.toContain('gaterun:');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.outcome).toBe('A');
    expect(doc.gates.map((g: { kind: string; status: string }) => `${g.kind} ${g.status}`)).toEqual([
      'tests PASS',
      'secret-scan PASS',
      'artifact PASS',
    ]);
    // Every fact these gates really set is declared in their module (docs/gates.md lists them).
    const run = JSON.parse(readFileSync(join(repo.dir, doc.run_dir, 'run.json'), 'utf8'));
    for (const g of run.gates as { kind: string; facts: object }[])
      expect(Object.keys(g.facts).filter((k) => !(k in (gateKinds[g.kind].facts ?? {})))).toEqual([]);
    repo.remove();
  }, 60000);

  test('the starter run fails honestly when a test fails', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'broken-app', scripts: { test: 'node --test test/' } }),
      'test/a.test.mjs': 'import test from "node:test";\ntest("breaks", () => { throw new Error("nope"); });\n',
    });
    await gaterun(['init'], { cwd: repo.dir });
    const r = await gaterun(['run', 'CHECK', '--json'], { cwd: repo.dir });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'C', stopped_at: 'G0' });
    repo.remove();
  }, 60000);
});

describe('kb --json', () => {
  test('kb list and kb show print documents that validate against their schemas', async () => {
    const d = tempDir();
    writeFiles(d, {
      't.yaml': 'name: kbt\nkb:\n  dir: kb\n',
      'm.yaml': macro('K', 'kb json', 'kb: { path: laws/k, tags: [k] }\n').replace(
        'with: { command: "true" }\n',
        'with: { command: "true" }\n  - id: G1\n    title: kb reporting\n    kind: kb-publish\n',
      ),
    });
    const run = await gaterun(['run', join(d, 'm.yaml'), '--target', join(d, 't.yaml'), '--out', join(d, 'run')]);
    expect(run.exitCode).toBe(0);
    const list = await gaterun(['kb', 'list', '--dir', join(d, 'kb'), '--json']);
    const l = JSON.parse(list.stdout);
    expect(valid('kbList', l)).toEqual([]);
    expect(l.documents.map((x: { path: string }) => x.path)).toContain('laws/k/01-only-gate.md');
    const show = await gaterun(['kb', 'show', 'laws/k/01-only-gate.md', '--dir', join(d, 'kb'), '--json']);
    const s = JSON.parse(show.stdout);
    expect(valid('kbShow', s)).toEqual([]);
    expect(s.text).toContain('Revision 1');
    const missing = await gaterun(['kb', 'show', 'KB-0000', '--dir', join(d, 'kb'), '--json']);
    expect(missing.exitCode).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe('EKBNOTFOUND');
  });
});
