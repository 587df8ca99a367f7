// Macro checking: every problem at once, with file:line:column, dotted path and what was expected.
import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
      /m\.yaml:9:5 gates\[0\]\.colour: unknown key "colour"; allowed keys: id, title, label, kind, host, timeout, with, retry/,
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

  test('a database the target does not declare is an error at plan time with line:col, next to a known one', async () => {
    const snap = (db: string) => `    kind: pg-snapshot\n    with: { database: ${db}, tables: [public.t] }\n`;
    const text = `${head}gates:\n  - id: G0\n    title: a\n${snap('main')}  - id: G1\n    title: b\n${snap('nosuch')}`;
    const r = await plan(text, 'name: t\ndatabases:\n  main: { url_env: MAIN_URL }\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/m\.yaml:13:\d+ gates\[1\]\.with\.database: unknown database "nosuch"; the target declares main/);
    expect(r.stderr).not.toMatch(/gates\[0\]\.with\.database/);
    const none = await plan(text, 'name: t\n');
    expect(none.stderr).toMatch(/gates\[0\]\.with\.database: unknown database "main"; the target declares no databases/);
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

// Billion laughs: each level multiplies the one before by 9 (9^9 ≈ 387 million strings if expanded).
const LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefghi'[i];
    return `${k}: &${k} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
  }),
].join('\n');

describe('hostile and broken input: exit 2 naming the file and the place, never a crash', () => {
  const gate = `gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "true" }\n`;

  test('a YAML alias bomb in a macro', async () => {
    const r = await plan(`${head}${gate}values:\n  ${LAUGHS.split('\n').join('\n  ')}\n`);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`EMACROINVALID: ${r.file}: 1 problem`);
    expect(r.stderr).toMatch(/m\.yaml:12:\d+ YAML aliases expand too far .*billion laughs/);
    expect(r.stderr).not.toMatch(/crashed|^\s+at /m);
  });

  test('a YAML alias bomb in a target', async () => {
    const r = await plan(`${head}${gate}`, `name: t\nvalues:\n  ${LAUGHS.split('\n').join('\n  ')}\n`);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/ETARGETINVALID: .*t\.yaml: 1 problem/);
    expect(r.stderr).toMatch(/t\.yaml:4:\d+ YAML aliases expand too far/);
    expect(r.stderr).not.toMatch(/crashed|^\s+at /m);
  });

  test('a few ordinary aliases still load', async () => {
    const r = await plan(
      `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: &w { command: "true" }\n  - id: G1\n    title: b\n    kind: command\n    with: *w\n`,
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  test('invalid UTF-8 is an error at its line:column, not replaced and run', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const text = Buffer.concat([
      Buffer.from(`${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with: { command: "touch ${marker} # caf`),
      Buffer.from([0xc3, 0x28]), // a lead byte without its continuation
      Buffer.from('" }\n'),
    ]);
    writeFileSync(join(dir, 'm.yaml'), text);
    for (const cmd of ['plan', 'run']) {
      const r = await gaterun([cmd, join(dir, 'm.yaml'), ...(cmd === 'run' ? ['--out', join(dir, 'out')] : [])]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `m\\.yaml:9:${'    with: { command: "touch '.length + marker.length + ' # caf'.length + 1} invalid UTF-8 \\(bytes c3 28`,
        ),
      );
    }
    expect(existsSync(marker)).toBe(false);
    // and in a target file
    writeFileSync(join(dir, 't.yaml'), Buffer.concat([Buffer.from('name: t\ndescription: "'), Buffer.from([0xff]), Buffer.from('"\n')]));
    writeFileSync(join(dir, 'ok.yaml'), `${head}${gate}`);
    const t = await gaterun(['plan', join(dir, 'ok.yaml'), '--target', join(dir, 't.yaml')]);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toMatch(/t\.yaml:2:15 invalid UTF-8 \(bytes ff/);
  });

  test('an unclosed ${target.paths.x is an error with line:col, not literal text', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const text = `${head}gates:\n  - id: G0\n    title: a\n    kind: command\n    with:\n      command: "touch ${marker}; echo \${target.paths.repo"\n`;
    writeFiles(dir, { 'm.yaml': text, 't.yaml': 'name: t\npaths:\n  repo: .\n' });
    const r = await gaterun(['run', join(dir, 'm.yaml'), '--target', join(dir, 't.yaml'), '--out', join(dir, 'out')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /m\.yaml:10:16 gates\[0\]\.with\.command: unclosed reference "\$\{target\.paths\.repo" at character \d+: expected `}`/,
    );
    expect(existsSync(marker)).toBe(false);
  });

  test('thousands of problems: the first 50 are listed, the rest counted, the total is exact', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `stray_${i}: x`).join('\n');
    const r = await plan(`${head}${gate}${keys}\nstray_7: again\n`);
    expect(r.exitCode).toBe(2);
    // 3000 unknown keys; the duplicate stray_7 is a syntax problem, reported first (alone, as syntax stops the check)
    expect(r.stderr).toContain(`${r.file}: 1 problem`);
    expect(r.stderr).toMatch(/m\.yaml:3010:1 YAML syntax error: duplicate key/);
    const r2 = await plan(`${head}${gate}${keys}\n`);
    expect(r2.stderr).toContain(`${r2.file}: 3000 problems; nothing was run`);
    const listed = r2.stderr.split('\n').filter((l) => /^ {2}\S+m\.yaml:\d+:\d+ stray_\d+: unknown key/.test(l));
    expect(listed).toHaveLength(50);
    expect(listed[0]).toMatch(/m\.yaml:10:1 stray_0:/);
    expect(listed[49]).toMatch(/m\.yaml:59:1 stray_49:/);
    expect(r2.stderr).toContain('… and 2950 more problems');
  });
});
