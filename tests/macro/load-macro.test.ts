// Macro checking: every problem at once, with file:line:column, dotted path and what was expected.
import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const head = 'id: T2\nmacro: test\ntitle: test\noutcome: T2_OK\n';

async function plan(text: string, target?: string) {
  const dir = tempDir();
  writeFiles(dir, { 'm.yaml': text, ...(target ? { 't.yaml': target } : {}) });
  const r = await gaterun(['plan', join(dir, 'm.yaml'), ...(target ? ['--target', join(dir, 't.yaml')] : [])]);
  return { ...r, file: join(dir, 'm.yaml') };
}

describe('invalid macros exit 2 with positioned problems and no stack trace', () => {
  test.each([
    ['bad indentation', `${head}gates:\n  - id: G0\n    title: a\n   kind: command\n`, /m\.yaml:8:1 YAML syntax error/],
    [
      'unknown key',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    colour: red\n    with: { command: "true" }\n`,
      /m\.yaml:9:5 gates\[0\]\.colour: unknown key "colour"; allowed keys: id, title, label, kind, host, timeout, with/,
    ],
    [
      'wrong type',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    timeout: soon\n    with: { command: "true" }\n`,
      /m\.yaml:9:14 gates\[0\]\.timeout: expected number, got string "soon"/,
    ],
    [
      'duplicate gate id',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "true" }\n  - id: G0\n    title: b\n    kind: command\n    with: { command: "true" }\n`,
      /m\.yaml:10:9 gates\[1\]\.id: duplicate gate id "G0" \(first used by gates\[0\]\)/,
    ],
    [
      'unknown kind',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: comand\n`,
      /m\.yaml:8:11 gates\[0\]\.kind: unknown gate kind "comand"; did you mean "command"\?/,
    ],
    [
      'bad params',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: tests\n    with:\n      command: "true"\n      min: lots\n`,
      /m\.yaml:11:12 gates\[0\]\.with\.min \(tests params\): expected integer, got string "lots"/,
    ],
    [
      'missing required key',
      `${head}gates:\n  - id: G0\n    kind: command\n    with: { command: "true" }\n`,
      /m\.yaml:6:5 gates\[0\]: missing required key "title"/,
    ],
    ['duplicate YAML key', `${head}outcome: AGAIN\ngates: []\n`, /m\.yaml:5:1 YAML syntax error: duplicate key/],
    [
      'fact of a later gate',
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "echo \${gates.G1.facts.x}" }\n  - id: G1\n    title: b\n    kind: command\n    with: { command: "true" }\n`,
      /m\.yaml:9:\d+ gates\[0\]\.with\.command: bad reference \$\{gates\.G1\.facts\.x\}: G1 is not an earlier gate/,
    ],
  ])('%s', async (_name, text, expected) => {
    const r = await plan(text);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toContain('EMACROINVALID');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test('every problem is listed at once', async () => {
    const r = await plan(
      `${head}effort: extreme\ngates:\n  - id: G0\n    title: a\n    kind: nope\n  - id: G0\n    title: "---"\n    kind: command\n    with: { command: 5 }\n`,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/:5:9 effort: expected one of "low", "medium", "high", got "extreme"/);
    expect(r.stderr).toMatch(/:9:11 gates\[0\]\.kind: unknown gate kind "nope"/);
    expect(r.stderr).toMatch(/:10:9 gates\[1\]\.id: duplicate gate id "G0"/);
    // A title is free text, but it must hold a letter or digit to give the report file a name.
    expect(r.stderr).toMatch(/:11:12 gates\[1\]\.title: "---" does not match/);
    expect(r.stderr).toMatch(/:13:\d+ gates\[1\]\.with\.command \(command params\)/);
  });

  test('an unresolvable ${target...} reference is an error before anything runs', async () => {
    const text = `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "ls \${target.paths.nowhere}", cwd: "\${target.paths.repo}" }\n`;
    const r = await plan(text, 'name: t\npaths:\n  repo: .\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /m\.yaml:9:\d+ gates\[0\]\.with\.command: unresolvable reference \$\{target\.paths\.nowhere\}: the target has no paths\.nowhere/,
    );
    expect(r.stderr).not.toContain('paths.repo');
  });

  test('a bad target file is named with its line', async () => {
    const r = await plan(
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "true" }\n`,
      'name: t\nhosts:\n  vps: ftp://nowhere\n',
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/ETARGETINVALID: .*t\.yaml/);
    expect(r.stderr).toMatch(/t\.yaml:3:8 hosts\.vps/);
  });

  test('run refuses an invalid macro the same way and runs nothing', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    writeFiles(dir, {
      'm.yaml': `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "touch ${marker}" }\n  - id: G1\n    title: b\n    kind: commnd\n`,
    });
    const r = await gaterun(['run', join(dir, 'm.yaml'), '--out', join(dir, 'out')]);
    expect(r.exitCode).toBe(2);
    expect(() => readFileSync(marker)).toThrow();
    expect(r.stderr).toMatch(/did you mean "command"/);
  });
});

describe('the CLI surface', () => {
  test('plan of a valid macro lists its gates and runs nothing', async () => {
    const r = await plan(`${head}gates:\n  - id: G0\n    title: first-gate\n    kind: command\n    with: { command: "true" }\n`);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/G0\s+command\s+01-first-gate\.md/);
    expect(r.stdout).toContain('nothing was run');
  });

  test('list shows the bundled macros; --help and --version work; unknown commands are usage errors', async () => {
    const list = await gaterun(['list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/SELFCHECK\s+4\s+gaterun checks its own repository/);
    for (const cmd of ['run', 'plan', 'list', 'outcome', 'demo']) {
      const h = await gaterun([cmd, '--help']);
      expect(h.exitCode).toBe(0);
      expect(h.stdout).toMatch(/^Usage: gaterun/);
    }
    const v = await gaterun(['--version']);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    const bad = await gaterun(['rnu']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('did you mean "gaterun run"?');
    const badOpt = await gaterun(['run', 'SELFCHECK', '--frobnicate']);
    expect(badOpt.exitCode).toBe(2);
    expect(badOpt.stderr).toMatch(/EUSAGE: run: unknown option --frobnicate/);
  });
});
