// The build's ajv standalone validators: one for every built-in schema, the same verdicts and errors as ajv's
// compiler, and never used for a schema they were not generated from.
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { builtInSchemas } from '../../src/macro/build-validators.js';
import { AJV_OPTIONS } from '../../src/macro/schema-digest.js';

const dist = (p: string) => join(repoRoot, 'dist', 'src', p);

// Inputs that break each schema in different ways (types, unknown keys, missing keys, enums, patterns, nesting).
const SAMPLES: unknown[] = [
  null,
  [],
  'text',
  {},
  { id: 'X', macro: 'x', title: 't', outcome: 'O', gates: [] },
  { id: 3, macro: ['x'], title: '', outcome: 'O', mutation: 'everything', gates: [{ id: 'G0', kind: 'command', with: 5, oops: 1 }] },
  {
    id: 'X',
    macro: 'x',
    title: 't',
    outcome: 'O',
    gates: [{ id: 'G0', title: 't', kind: 'command', with: { command: 'true' } }],
    criteria: [{ name: 'n', all: [{ fact: 1 }] }],
  },
  { hosts: { vps: 7 }, paths: [], databases: { main: { url_env: 3 } }, unknown: true },
  { command: 'true', cwd: 3, extra: 'x' },
  { repo: '', name: 5, exclude: 'x' },
  { command: '' },
];

/** Validates every sample with the built dist validators in a child node (where the generated module exists). */
async function distVerdicts(): Promise<{ sources: string[]; results: { ok: boolean; errors: unknown }[][] }> {
  const script = `
    const { builtInSchemas } = await import(${JSON.stringify(dist('macro/build-validators.js'))});
    const { compileSchema, validatorSource } = await import(${JSON.stringify(dist('macro/schema-check.js'))});
    const samples = JSON.parse(process.argv[1]);
    const schemas = builtInSchemas();
    const strip = (e) => e && e.map(({ parentSchema, schema, ...rest }) => ({ ...rest, parentSchema: JSON.stringify(parentSchema), schema: JSON.stringify(schema) }));
    console.log(JSON.stringify({
      sources: schemas.map((s) => validatorSource(s.schema)),
      results: schemas.map((s) => samples.map((d) => { const v = compileSchema(s.schema); const copy = structuredClone(d); const ok = v(copy); return { ok, errors: strip(v.errors), data: copy }; })),
    }));`;
  const r = await execa('node', ['--input-type=commonjs', '-e', `(async () => {${script}})()`, JSON.stringify(SAMPLES)]);
  return JSON.parse(r.stdout);
}

test('every built-in schema has a generated validator that agrees with ajv on verdict, errors and defaults', async () => {
  const built = await distVerdicts();
  const schemas = builtInSchemas();
  expect(schemas.length).toBeGreaterThan(10);
  expect(built.sources).toEqual(schemas.map(() => 'generated'));
  const strip = (e: unknown) =>
    (e as Record<string, unknown>[] | null | undefined)?.map(({ parentSchema, schema, ...rest }) => ({
      ...rest,
      parentSchema: JSON.stringify(parentSchema),
      schema: JSON.stringify(schema),
    })) ?? null;
  let failures = 0;
  schemas.forEach((s, i) => {
    const v = new Ajv(AJV_OPTIONS).compile(s.schema);
    SAMPLES.forEach((d, j) => {
      const copy = structuredClone(d);
      const ok = v(copy);
      if (!ok) failures++;
      expect({ schema: s.name, sample: j, ok, errors: strip(v.errors), data: copy }).toEqual({
        schema: s.name,
        sample: j,
        ...built.results[i][j],
      });
    });
  });
  // The samples do exercise the error paths.
  expect(failures).toBeGreaterThan(schemas.length * 5);
});

test('a schema that differs from the built one by one keyword is compiled, and its own rule holds', async () => {
  const script = `
    const { builtInSchemas } = await import(${JSON.stringify(dist('macro/build-validators.js'))});
    const { compileSchema, validatorSource } = await import(${JSON.stringify(dist('macro/schema-check.js'))});
    const command = structuredClone(builtInSchemas().find((s) => s.name === 'command params').schema);
    command.properties.command.minLength = 5;
    const v = compileSchema(command);
    console.log(JSON.stringify({ source: validatorSource(command), short: v({ command: 'ls' }), long: v({ command: 'ls -la' }) }));`;
  const r = await execa('node', ['--input-type=commonjs', '-e', `(async () => {${script}})()`]);
  expect(JSON.parse(r.stdout)).toEqual({ source: 'compiled', short: false, long: true });
});
