// Every user-facing error comes from the one catalog in src/errors.ts (semantic-release's lib/definitions/errors.js style).
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errors, GaterunError } from '../../src/errors.js';
import { repoRoot } from '../helpers/cli.js';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('the error catalog', () => {
  test('no source file outside src/errors.ts constructs a GaterunError itself', () => {
    const offenders = [...sources(join(repoRoot, 'src')), ...sources(join(repoRoot, 'gates'))]
      .filter((f) => !f.endsWith(join('src', 'errors.ts')))
      .filter((f) => /new GaterunError\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test.each(Object.keys(errors))('%s gives a coded error with a message and a hint', (name) => {
    const make = errors[name as keyof typeof errors] as (...a: unknown[]) => GaterunError;
    // One-item lists serve every entry: they join like a list and interpolate like a string.
    const e = make(['x'], ['y'], ['z']);
    expect(e).toBeInstanceOf(GaterunError);
    expect(e.code).toMatch(/^E[A-Z]+$/);
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.hint ?? '').not.toBe('');
    expect([1, 2, 3]).toContain(e.exitCode); // 3: a lost database or run lock blocks the gate (B)
  });
});
