// `gaterun list` reads id, title and gate count off the top-level lines; it must agree with a full YAML parse.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listMacros, quickSummary } from '../../src/macro/find-macro.js';
import { repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

describe('quickSummary', () => {
  const dir = join(repoRoot, 'macros');
  test.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s agrees with a full parse', (f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    const full = parse(text);
    expect(quickSummary(text)).toEqual({ id: full.id, title: String(full.title), gates: full.gates.length });
  });

  test.each([
    ['flow-style gates', 'id: X\ntitle: t\ngates: [{ id: G0 }]\n'],
    ['block-scalar title', 'id: X\ntitle: >\n  long\ngates:\n  - id: G0\n'],
    ['no gates', 'id: X\ntitle: t\n'],
    ['unterminated quote', 'id: "X\ntitle: t\ngates:\n  - id: G0\n'],
  ])('%s: not the simple shape, so null (the full parse decides)', (_n, text) => {
    expect(quickSummary(text)).toBeNull();
  });

  test('listMacros falls back to the full parse and still reports a broken file', () => {
    const d = tempDir();
    writeFiles(d, {
      'A.yaml':
        'id: A\ntitle: "quoted: title"  # note\ngates:\n  - id: G0\n    kind: command\n  - { id: G1, kind: command }\ncriteria:\n  - name: x\n',
      'B.yaml': 'id: B\ntitle: t\ngates: [{ id: G0 }, { id: G1 }, { id: G2 }]\n',
      'C.yaml': 'id: C\ntitle: t\ngates:\n  - id: G0\n   bad: indent\n',
    });
    const l = listMacros(d);
    expect(l.map((m) => [m.id, m.title, m.gates])).toEqual([
      ['A', 'quoted: title', 2],
      ['B', 't', 3],
      ['C', 't', 1],
    ]);
    cleanupTemp();
  });
});
