// run.json and the final-outcome block of real runs conform to schemas/.
import { afterAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const schema = (f: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', f), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(schema('final-outcome.schema.json'));
const validateRun = ajv.compile(schema('run.schema.json'));

describe('run.json schema', () => {
  test.each([
    ['A', 'true', 0],
    ['C', 'false', 1],
  ])('a run ending %s validates', async (_code, cmd, exit) => {
    const dir = tempDir();
    writeFiles(dir, {
      'm.yaml': `id: S1\nmacro: s\ntitle: s\noutcome: S1_OK\ngates:\n  - id: G0\n    title: one\n    kind: command\n    with: { command: "${cmd}" }\n  - id: G1\n    title: two\n    kind: command\n    with: { command: "true" }\n`,
    });
    const out = join(dir, 'run');
    const r = await gaterun(['run', join(dir, 'm.yaml'), '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(exit);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const ok = validateRun(run);
    expect(validateRun.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the schema rejects a run.json with a made-up outcome', () => {
    const validateBlock = ajv.getSchema('https://gaterun.dev/schemas/final-outcome.schema.json')!;
    expect(
      validateBlock({
        final_outcome: 'A — OK',
        macro: 'm',
        run_id: '20261121T102233Z-o8c-1a2b',
        stopped_at: null,
        reason: null,
        production_mutation: 'NONE',
        signature: 'UNSIGNED',
        next_action: 'STOP',
      }),
    ).toBe(true);
    expect(
      validateBlock({
        final_outcome: 'PASS',
        macro: 'm',
        run_id: '20261121T102233Z-o8c-1a2b',
        stopped_at: null,
        reason: null,
        production_mutation: 'NONE',
        signature: 'UNSIGNED',
        next_action: 'STOP',
      }),
    ).toBe(false);
    expect(
      validateBlock({
        final_outcome: 'A — OK',
        macro: 'm',
        run_id: 'x',
        stopped_at: null,
        production_mutation: 'maybe',
        signature: 'UNSIGNED',
        next_action: 'STOP',
      }),
    ).toBe(false);
  });
});
