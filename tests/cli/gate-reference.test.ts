// The gate reference is generated from the gate modules: docs/gates.md and the macro schema's per-kind `with:` must be current,
// `gaterun explain` prints the same section, and an editor using the schema catches what `plan` catches.
import { afterAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gateKinds } from '../../gates/index.js';
import { gateReference, gatesMarkdown, macroSchemaWithKinds, paramRows } from '../../src/docs/gate-reference.js';
import { generatedGateDocs } from '../../src/docs/write-gate-docs.js';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

describe('generated files are current', () => {
  test('docs/gates.md and schemas/macro.schema.json equal what `npm run docs` writes', async () => {
    for (const [file, text] of Object.entries(await generatedGateDocs()))
      expect({ file, current: readFileSync(file, 'utf8') === text }).toEqual({ file, current: true });
  });

  test('a changed gate module makes the reference differ (the staleness check can fail)', () => {
    const changed = { ...gateKinds, command: { ...gateKinds.command, summary: 'Something else entirely' } };
    expect(gatesMarkdown(changed)).not.toBe(gatesMarkdown());
    const base = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'macro.schema.json'), 'utf8'));
    const more = { ...gateKinds, extra: { ...gateKinds.command, kind: 'extra' } };
    expect(JSON.stringify(macroSchemaWithKinds(base, more))).not.toBe(JSON.stringify(macroSchemaWithKinds(base)));
  });

  test('every kind has a section with its summary, every with: param, its facts and its messages', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'gates.md'), 'utf8');
    for (const [kind, mod] of Object.entries(gateKinds)) {
      expect(doc).toContain(`## ${kind}\n`);
      for (const r of paramRows(mod.params as object)) expect(doc).toContain(`| \`${r.name}\``);
      for (const f of Object.keys(mod.facts ?? {})) expect(doc).toContain(`- \`${f}\` — `);
      for (const m of Object.keys(mod.messages ?? {})) expect(doc).toContain(`- \`${m}\`: `);
      expect(Object.keys(mod.facts ?? {}).length).toBeGreaterThan(0);
    }
  });

  test('every with: param of every kind has a description', () => {
    const missing = Object.entries(gateKinds).flatMap(([kind, mod]) =>
      paramRows(mod.params as object)
        .filter((r) => !r.description)
        .map((r) => `${kind}.${r.name}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('gaterun explain', () => {
  test('prints the same section as docs/gates.md; --json carries the params schema; no kind lists them all', async () => {
    const r = await gaterun(['explain', 'tests']);
    expect(r.exitCode).toBe(0);
    // explain prints the module's section; the committed doc is the same text after prettier aligned its tables.
    const squeeze = (t: string) =>
      t
        .replace(/ *\| */g, '|')
        .replace(/\|-+/g, '|-')
        .trim();
    expect(squeeze(r.stdout)).toBe(squeeze(gateReference(gateKinds.tests)));
    const committed = readFileSync(join(repoRoot, 'docs', 'gates.md'), 'utf8');
    expect(squeeze(committed)).toContain(squeeze(gateReference(gateKinds.tests)));
    expect(r.stdout).toMatch(/\| `command` +\| string +\| yes +\|/);
    const j = await gaterun(['explain', 'command', '--json']);
    const doc = JSON.parse(j.stdout);
    expect(doc).toMatchObject({ format_version: 1, kind: 'command', facts: { exit_code: expect.any(String) } });
    expect(doc.schema).toEqual(JSON.parse(JSON.stringify(gateKinds.command.params)));
    const all = await gaterun(['explain']);
    expect(all.stdout.trim().split('\n')).toHaveLength(Object.keys(gateKinds).length);
  });
});

describe('the macro schema checks with: per kind (what yaml-language-server sees)', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'macro.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const head = { id: 'X', macro: 'x', title: 'x', outcome: 'X_OK' };
  const problems = (gate: object) => (validate({ ...head, gates: [{ id: 'G0', title: 'a gate', ...gate }] }) ? [] : validate.errors!);

  test('the bundled macros and the init starter validate', async () => {
    for (const f of ['O8B', 'O8C', 'O8D', 'O8E', 'O8F', 'SELFCHECK']) {
      const data = parse(readFileSync(join(repoRoot, 'macros', `${f}.yaml`), 'utf8'));
      expect({ f, errors: validate(data) ? [] : validate.errors }).toEqual({ f, errors: [] });
    }
    const d = tempDir();
    writeFiles(d, { 'package.json': '{"scripts":{"test":"true"}}' });
    await gaterun(['init'], { cwd: d });
    expect(validate(parse(readFileSync(join(d, 'macros', 'CHECK.yaml'), 'utf8')))).toBe(true);
  });

  test.each([
    ['a misspelled param', { kind: 'command', with: { comand: 'true' } }, 'additionalProperties'],
    ['a missing required param', { kind: 'tests', with: {} }, 'required'],
    ['a wrong type', { kind: 'command', with: { command: 'true', expect_exit: 'zero' } }, 'type'],
    ['an unknown kind', { kind: 'comand', with: { command: 'true' } }, 'enum'],
  ])('%s is caught', (_n, gate, keyword) => {
    expect(problems(gate).map((e) => e.keyword)).toContain(keyword);
  });

  test('a correct gate passes', () => {
    expect(problems({ kind: 'command', with: { command: 'true', expect_exit: [0, 1] } })).toEqual([]);
  });

  test('the target schema describes every field', () => {
    const t = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'target.schema.json'), 'utf8'));
    const undocumented: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!v.description) undocumented.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
        const add = v.additionalProperties;
        if (add && typeof add === 'object') {
          const inner = add as Record<string, unknown>;
          walk(inner, `${path}${k}.*.`);
          for (const alt of (inner.anyOf ?? []) as Record<string, unknown>[]) walk(alt, `${path}${k}.*.`);
        }
      }
    };
    walk(t, '');
    expect(undocumented).toEqual([]);
  });
});
