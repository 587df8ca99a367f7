// run --out must be a new or empty directory: a stray file would otherwise become a signed subject.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertFreshOutDir } from '../../src/report/out-dir.js';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

// The marker that proves whether the gate ran lives outside the run dir, where the sandbox would refuse it.
const NO_SANDBOX = { env: { GATERUN_SANDBOX: 'off' } };

describe('--out', () => {
  test('a stray file in --out is refused with exit 2 before anything runs', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran.txt');
    writeFiles(dir, {
      'm.yaml': `id: OUT\nmacro: out\ntitle: out\noutcome: OUT_OK\ngates:\n  - id: G0\n    title: one\n    kind: command\n    with: { command: "touch ${marker}" }\n`,
      'out/stray.md': '# planted: would be signed as part of the run\n',
    });
    const r = await gaterun(['run', join(dir, 'm.yaml'), '--out', join(dir, 'out'), '--renderer', 'silent'], NO_SANDBOX);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/EOUTDIR: --out .*out must be a new or empty directory: it already holds stray\.md; nothing was run/);
    expect(existsSync(marker)).toBe(false); // the gate never ran
    expect(readdirSync(join(dir, 'out'))).toEqual(['stray.md']); // nothing was written next to it

    // An empty directory and a new one are fine.
    mkdirSync(join(dir, 'empty'));
    expect((await gaterun(['run', join(dir, 'm.yaml'), '--out', join(dir, 'empty'), '--renderer', 'silent'], NO_SANDBOX)).exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test('assertFreshOutDir: new and empty pass; a file or a non-empty dir throw EOUTDIR', () => {
    const dir = tempDir();
    expect(() => assertFreshOutDir(join(dir, 'new'))).not.toThrow();
    mkdirSync(join(dir, 'empty'));
    expect(() => assertFreshOutDir(join(dir, 'empty'))).not.toThrow();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => assertFreshOutDir(join(dir, 'file'))).toThrow(/exists and is not a directory/);
    mkdirSync(join(dir, 'full'));
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) writeFileSync(join(dir, 'full', n), n);
    expect(() => assertFreshOutDir(join(dir, 'full'))).toThrow(/it already holds a, b, c, d, e, … \(7 entries\)/);
  });
});
