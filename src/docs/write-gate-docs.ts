// `npm run docs`: rewrites docs/gates.md and the per-kind part of schemas/macro.schema.json from the gate modules.
import { readFileSync, writeFileSync } from 'node:fs';
import { macroSchemaWithoutKinds } from '../macro/macro-schema.js';
import { packagePath } from '../paths.js';
import { gatesMarkdown, macroSchemaWithKinds } from './gate-reference.js';

/** The generated files, path → content, formatted by prettier as the repository keeps them. */
export async function generatedGateDocs(): Promise<Record<string, string>> {
  // prettier is a devDependency: generation is a development step, never run by an installed gaterun.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(packagePath('package.json'))) ?? {};
  const doc = packagePath('docs', 'gates.md');
  const schemaFile = packagePath('schemas', 'macro.schema.json');
  const current = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
  const schema = JSON.stringify(macroSchemaWithKinds(macroSchemaWithoutKinds(current)), null, 2);
  return {
    [doc]: await prettier.format(gatesMarkdown(), { ...options, filepath: doc }),
    [schemaFile]: await prettier.format(schema, { ...options, filepath: schemaFile }),
  };
}

/** Writes docs/gates.md and schemas/macro.schema.json; returns their paths. */
export async function writeGateDocs(): Promise<string[]> {
  const files = await generatedGateDocs();
  for (const [f, text] of Object.entries(files)) writeFileSync(f, text);
  return Object.keys(files);
}
