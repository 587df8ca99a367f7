// What counts as a secret, and in which shapes it is found: real runs of the built CLI with a target, a .env file
// and gates that print secrets JSON-escaped, base64'd inside `user:secret`, percent-encoded in lower case and
// split over lines. A planted secret appears in no output file, or the run is unsigned with ESECRETLEAK.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

async function keys() {
  const dir = tempDir();
  const r = await gaterun(['keygen', '--out', dir]);
  expect(r.exitCode).toBe(0);
  return { priv: join(dir, 'signing-key.pem'), pub: join(dir, 'signing-key.pub.pem') };
}

/** Every byte of every file under dir, as one latin1 string (binary-safe). */
const allOutput = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .map((f) => {
      try {
        return readFileSync(join(dir, f)).toString('latin1');
      } catch {
        return ''; // a directory
      }
    })
    .join('\n');

const gate = (id: string, title: string, command: string) =>
  `  - id: ${id}\n    title: ${title}\n    kind: command\n    with:\n      command: ${JSON.stringify(command)}\n      cwd: ${JSON.stringify('${target.paths.here}')}\n`;

function files(dir: string, env: string, target: string, gates: string[], extra = '') {
  writeFiles(dir, {
    '.env': env,
    't.yaml': `name: t\npaths:\n  here: .\ndatabases:\n  production: { env_file: .env, key: DATABASE_URL }\n${target}`,
    'm.yaml': `id: S1\nmacro: secret-shapes\ntitle: secret shapes\noutcome: S1_OK\n${extra}gates:\n${gates.join('')}`,
  });
  return { macro: join(dir, 'm.yaml'), target: join(dir, 't.yaml'), out: join(dir, 'run') };
}

// Values as the .env file holds them (escaped) and as they are (parsed).
const MULTI = { file: 'lineA-9f3k2\\nlineB-7q1z8', value: 'lineA-9f3k2\nlineB-7q1z8' };
const QUOTED = { file: 'tok\\"en-5x\\\\back-2w', value: 'tok"en-5x\\back-2w' };
const BASIC = 'basic-auth-token-77f1c';
const PCT = 'p@ss w/rd?&x=1-c8d';
const SESSION = 'sess-4f9a2b7c';
const ENV = [
  `MULTI_SECRET="${MULTI.file}"`,
  `QUOTE_TOKEN="${QUOTED.file}"`,
  `API_TOKEN=${BASIC}`,
  `PCT_PASSWORD='${PCT}'`,
  `APP_SESSION=${SESSION}`,
  'DATABASE_URL=postgres://cutter:url-pass-5h2@127.0.0.1:1/x',
  '',
].join('\n');

// python3 reads the .env file itself (the values never pass through gaterun) and prints them in other shapes.
const PY = (body: string) =>
  `python3 -c 'import base64, json, re, urllib.parse as u\nenv = {}\nfor l in open(".env"):\n    k, _, v = l.rstrip("\\n").partition("=")\n    v = v[1:-1] if v[:1] in "\\x22\\x27" and len(v) > 1 else v\n    env[k] = v.encode().decode("unicode_escape") if k in ("MULTI_SECRET", "QUOTE_TOKEN") else v\n${body}'`;

describe('secret shapes', () => {
  test('escaped newlines, JSON escapes, Basic-auth base64, lower-case percent-encoding: redacted everywhere, run signed', async () => {
    const k = await keys();
    const dir = tempDir();
    const f = files(dir, ENV, 'secrets: [APP_SESSION]\n', [
      gate('G0', 'raw-env-file', 'cat .env'),
      gate('G1', 'lines-apart', PY('for line in env["MULTI_SECRET"].split("\\n"): print("    |", line)')),
      gate('G2', 'json-escaped', PY('print(json.dumps({"t": env["QUOTE_TOKEN"], "m": env["MULTI_SECRET"]}))')),
      gate('G3', 'basic-auth', PY('print("Authorization: Basic " + base64.b64encode(("deploy:" + env["API_TOKEN"]).encode()).decode())')),
      gate(
        'G4',
        'percent-lower',
        PY('print("q=" + re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), u.quote(env["PCT_PASSWORD"], safe="")))'),
      ),
      gate('G5', 'listed-secret', PY('print("session", env["APP_SESSION"])')),
    ]);
    const r = await gaterun(['run', f.macro, '--target', f.target, '--out', f.out, '--key', k.priv, '--renderer', 'verbose']);
    const everything = allOutput(f.out) + r.all;
    const planted: [string, string][] = [
      ['multi-line value', MULTI.value],
      ['its first line', 'lineA-9f3k2'],
      ['its second line', 'lineB-7q1z8'],
      ['its escaped form', MULTI.file],
      ['quoted token', QUOTED.value],
      ['quoted token, JSON-escaped', JSON.stringify(QUOTED.value).slice(1, -1)],
      ['Basic auth of deploy:token', Buffer.from(`deploy:${BASIC}`).toString('base64')],
      ['the token', BASIC],
      ['percent-encoded, lower case', encodeURIComponent(PCT).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
      ['percent-encoded, upper case', encodeURIComponent(PCT)],
      ['listed in secrets:', SESSION],
      ['URL password', 'url-pass-5h2'],
    ];
    expect(planted.filter(([, v]) => everything.includes(v)).map(([what]) => what)).toEqual([]);
    expect(r.stderr).not.toContain('ESECRETLEAK');
    expect(r.exitCode).toBe(0);
    // every gate really printed its shape (redacted): the absence above is not an empty report
    for (const seen of [
      'session [secure]',
      '|\u0020[secure]',
      '"t": "[secure]"',
      'Authorization: Basic ',
      'q=[secure]',
      'QUOTE_TOKEN="[secure]"',
    ])
      expect(everything).toContain(seen);
    expect(existsSync(join(f.out, 'run.intoto.json'))).toBe(true);
    expect((await gaterun(['verify', f.out, '--key', k.pub])).exitCode).toBe(0);
  });

  test('a secret shape that redaction cannot reach (JSON-escaped in the macro text) fails closed: unsigned, ESECRETLEAK', async () => {
    const k = await keys();
    const dir = tempDir();
    const f = files(dir, ENV, '', [gate('G0', 'one', 'true')], `summary: ${JSON.stringify(`uses ${JSON.stringify(QUOTED.value)}`)}\n`);
    const r = await gaterun(['run', f.macro, '--target', f.target, '--out', f.out, '--key', k.priv, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ESECRETLEAK: a secret value was found in .*02-final-s1-report\.md/);
    expect(existsSync(join(f.out, 'run.intoto.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(f.out, 'run.json'), 'utf8')).final_outcome.signature).toBe('UNSIGNED');
  });

  test('harmless .env values (production, none, local, info, true) are not secrets: no false ESECRETLEAK', async () => {
    const k = await keys();
    const dir = tempDir();
    const env = 'APP_ENV=production\nMODE=none\nREGION=local\nLOG_LEVEL=info\nFEATURE_X=true\nHOST=db.internal\nDB_PASSWORD=real-pw-61x\n';
    const f = files(dir, env, '', [gate('G0', 'print-config', 'cat .env')]);
    const r = await gaterun(['run', f.macro, '--target', f.target, '--out', f.out, '--key', k.priv, '--renderer', 'silent']);
    expect(r.stderr).not.toContain('ESECRETLEAK');
    expect(r.exitCode).toBe(0);
    const report = readFileSync(join(f.out, '01-print-config.md'), 'utf8');
    for (const v of ['APP_ENV=production', 'MODE=none', 'REGION=local', 'HOST=db.internal', 'DB_PASSWORD=[secure]'])
      expect(report).toContain(v);
    expect(allOutput(f.out)).not.toContain('real-pw-61x');
    expect((await gaterun(['verify', f.out, '--key', k.pub])).exitCode).toBe(0);
  });

  test('secrets: must be a list of variable names (schema, with line:col)', async () => {
    const dir = tempDir();
    const f = files(dir, ENV, 'secrets: [APP_SESSION, "not a name"]\n', [gate('G0', 'one', 'true')]);
    const r = await gaterun(['plan', f.macro, '--target', f.target]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/t\.yaml:6:24 secrets\[1\]: "not a name" does not match/);
  });
});
