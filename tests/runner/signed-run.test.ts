// A signed run through the built CLI: keygen → run --key → verify; tampering, planted secrets, fail-closed scan, KB publish.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const SECRET = 's3cr3t-planted-Value-91';

async function keys() {
  const dir = tempDir();
  const r = await gaterun(['keygen', '--out', dir]);
  expect(r.exitCode).toBe(0);
  return { priv: join(dir, 'signing-key.pem'), pub: join(dir, 'signing-key.pub.pem'), keyid: /keyid:\s+([0-9a-f]{64})/.exec(r.stdout)![1] };
}

function macro(dir: string, gates: string, extra = '') {
  writeFiles(dir, { 'm.yaml': `id: K1\nmacro: signed-test\ntitle: signed test\noutcome: K1_OK\n${extra}gates:\n${gates}` });
  return join(dir, 'm.yaml');
}

const allOutput = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => !f.includes('/') || true)
    .map((f) => {
      try {
        return readFileSync(join(dir, f), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');

describe('signed runs', () => {
  test('run --key signs; verify accepts; an edit fails naming the file; the block names the signature', async () => {
    const k = await keys();
    const dir = tempDir();
    const file = macro(dir, '  - id: G0\n    title: one\n    kind: command\n    with: { command: "echo hello" }\n');
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--key', k.priv, '--renderer', 'silent']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`signature: ed25519 ${k.keyid.slice(0, 16)}`);
    expect(existsSync(join(out, 'run.intoto.json'))).toBe(true);
    const ok = await gaterun(['verify', out, '--key', k.pub]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/OK/);
    const json = JSON.parse((await gaterun(['verify', out, '--key', k.pub, '--json'])).stdout);
    expect(json).toMatchObject({ status: 'verified', exit_code: 0, bundle_ok: true, keyid: k.keyid });

    const report = join(out, '01-one.md');
    writeFileSync(report, readFileSync(report, 'utf8').replace('PASS', 'PASS!'));
    const bad = await gaterun(['verify', out, '--key', k.pub]);
    expect(bad.exitCode).toBe(5); // tampered
    expect(bad.stdout).toMatch(/01-one\.md/);
    expect(bad.stdout).toMatch(/changed/);

    const other = await keys();
    const untrusted = await gaterun(['verify', out, '--key', other.pub]);
    expect(untrusted.exitCode).toBe(4); // not signed by the required key
  });

  test('without a key the run is written and says UNSIGNED; verify says unsigned', async () => {
    const dir = tempDir();
    const file = macro(dir, '  - id: G0\n    title: one\n    kind: command\n    with: { command: "true" }\n');
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('signature: UNSIGNED');
    const v = await gaterun(['verify', out]);
    expect(v.exitCode).toBe(5); // unsigned: not a valid signed bundle
    expect(v.stdout).toMatch(/unsigned/i);
  });

  test('a planted secret (env var, URL password, .env value) appears in no output file and no console line', async () => {
    const k = await keys();
    const dir = tempDir();
    writeFiles(dir, {
      '.env': `CUTTER_DSN=postgres://cutter:${SECRET}-env@db:5432/x\nPLAIN_VALUE=${SECRET}-dotenv\n`,
      't.yaml': 'name: t\ndatabases:\n  production: { env_file: .env, key: CUTTER_DSN }\nsecrets: [PLAIN_VALUE]\n',
    });
    const file = macro(
      dir,
      [
        '  - id: G0\n    title: leak-env\n    kind: command\n    with: { command: "echo pw=$DB_PASSWORD; echo $DB_PASSWORD >&2", fact: "said" }\n',
        '  - id: G1\n    title: leak-url\n    kind: command\n    with: { command: "echo postgres://app:' + SECRET + '-url@h:5432/db" }\n',
        '  - id: G2\n    title: leak-dotenv\n    kind: command\n    with: { command: "echo ' + SECRET + '-dotenv" }\n',
      ].join(''),
    );
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--target', join(dir, 't.yaml'), '--out', out, '--key', k.priv, '--renderer', 'verbose'], {
      env: { DB_PASSWORD: SECRET },
    });
    expect(r.exitCode).toBe(0);
    expect(r.all).not.toContain(SECRET);
    const everything = allOutput(out);
    expect(everything).not.toContain(SECRET);
    expect(everything).toContain('pw=[secure]');
    expect(everything).toContain('postgres://app:[secure]@h:5432/db');
    expect((await gaterun(['verify', out, '--key', k.pub])).exitCode).toBe(0);
  });

  test('gate output in base64 is redacted too', async () => {
    const dir = tempDir();
    const file = macro(
      dir,
      '  - id: G0\n    title: leak-b64\n    kind: command\n    with: { command: "printf %s \\"$API_TOKEN\\" | base64", fact: "b64" }\n',
    );
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent'], { env: { API_TOKEN: SECRET } });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).gates[0].facts.b64).toMatch(/^\[secure\]=*$/); // base64 padding may remain
  });

  test('a secret hard-coded in the macro itself fails the run closed: no signature, exit 1, the file named', async () => {
    const k = await keys();
    const dir = tempDir();
    const file = macro(
      dir,
      '  - id: G0\n    title: one\n    kind: command\n    with: { command: "true" }\n',
      `summary: "connect with ${SECRET}"\n`,
    );
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--key', k.priv, '--renderer', 'silent'], { env: { API_TOKEN: SECRET } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ESECRETLEAK: a secret value was found in .*02-final-k1-report\.md/);
    expect(existsSync(join(out, 'run.intoto.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).final_outcome.signature).toBe('UNSIGNED');
    // No file may claim the signature the run does not have (the reports were rendered before the scan found the leak).
    const everything = allOutput(out);
    expect(everything).not.toContain(k.keyid.slice(0, 16));
    expect(everything).not.toMatch(/signature: ed25519/);
    expect(everything).toMatch(/signature: UNSIGNED/);
  });

  test('kb-publish runs after signing; publishing twice gives Revision 2 and keeps Revision 1; kb list/show read it', async () => {
    const k = await keys();
    const dir = tempDir();
    writeFiles(dir, { 't.yaml': 'name: t\nkb:\n  dir: kb\n' });
    const file = macro(
      dir,
      '  - id: G0\n    title: one\n    kind: command\n    with: { command: "true" }\n  - id: G1\n    title: kb-reporting\n    kind: kb-publish\n',
      'kb: { path: laws/k1, tags: [k1, test] }\n',
    );
    for (const n of [1, 2]) {
      const r = await gaterun([
        'run',
        file,
        '--target',
        join(dir, 't.yaml'),
        '--out',
        join(dir, `run${n}`),
        '--key',
        k.priv,
        '--renderer',
        'silent',
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/G1 kb-reporting \(after signing\): PASS — published 2 documents/);
      // The KB gate has no numbered report; the final report is 02 and says the publish runs after signing.
      expect(
        readdirSync(join(dir, `run${n}`))
          .filter((f) => f.endsWith('.md'))
          .sort(),
      ).toEqual(['01-one.md', '02-final-k1-report.md']);
      expect((await gaterun(['verify', join(dir, `run${n}`), '--key', k.pub])).exitCode).toBe(0);
    }
    const final = readFileSync(join(dir, 'run2', '02-final-k1-report.md'), 'utf8');
    expect(final).toMatch(
      /\| G1 \| kb-reporting \| PENDING \| runs after signing: publishes the signed report bundle to the knowledge base \|/,
    );
    const list = await gaterun(['kb', 'list', '--dir', join(dir, 'kb')]);
    expect(list.stdout).toMatch(/KB-[0-9A-F]{4}\s+r2\s+laws\/k1\/02-final-k1-report\.md/);
    const show1 = await gaterun(['kb', 'show', 'laws/k1/01-one.md', '--dir', join(dir, 'kb'), '--revision', '1']);
    expect(show1.exitCode).toBe(0);
    expect(show1.stdout).toMatch(/Revision 1/);
    expect(show1.stdout).toContain(join(dir, 'run1'));
  });
});
