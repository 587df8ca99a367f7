import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvText } from '../../src/db/env-file.js';
import { isSecretName, Redactor, secretForms } from '../../src/report/redact.js';
import { cleanupTempDirs, tempDir } from './fixtures.js';

afterAll(cleanupTempDirs);

const ENV = {
  DB_PASSWORD: 'hunter2-db-pass',
  GITHUB_TOKEN: 'ghp_abcdefghijklmnop',
  API_KEY: 'k3y!', // exactly 4 chars: kept
  AWS_SECRET: 'abc', // too short: ignored
  SENTRY_DSN: 'https://pub@sentry.example/1',
  DATABASE_URL: 'postgres://cutter_exec:Url%2FPass-99@127.0.0.1:5432/directus',
  HOME: '/root',
  PATH: '/usr/bin',
};

describe('Redactor', () => {
  test('collects env secrets by name and URL passwords from any env value', () => {
    const r = Redactor.fromEnv(ENV);
    const text = `pw=hunter2-db-pass token ghp_abcdefghijklmnop key k3y! short abc home /root url-pass Url/Pass-99`;
    expect(r.redact(text)).toBe('pw=[secure] token [secure] key [secure] short abc home /root url-pass [secure]');
  });

  test('redacts URL passwords in text, including ones it has never seen, and learns them', () => {
    const r = new Redactor();
    const out = r.redact('connect postgres://app:s3cr3t-pw@db:5432/x then later the bare s3cr3t-pw appears');
    expect(out).toBe('connect postgres://app:[secure]@db:5432/x then later the bare [secure] appears');
    expect(r.redact('again: s3cr3t-pw')).toBe('again: [secure]');
    expect(r.redact('ssh://deploy@host:22 and user@example.com stay')).toBe('ssh://deploy@host:22 and user@example.com stay');
  });

  test('longest secret first, one pass (a secret inside another, and one that would match "[secure]")', () => {
    const r = new Redactor().add('pass1234').add('pass1234-long').add('secure');
    expect(r.redact('a pass1234-long b pass1234 c secure')).toBe('a [secure] b [secure] c [secure]');
  });

  test('base64 and URL-encoded forms are redacted too', () => {
    const r = new Redactor().add('p@ss/w0rd+x');
    const b64 = Buffer.from('p@ss/w0rd+x').toString('base64');
    expect(secretForms('p@ss/w0rd+x')).toContain(encodeURIComponent('p@ss/w0rd+x'));
    expect(r.redact(`raw p@ss/w0rd+x enc ${encodeURIComponent('p@ss/w0rd+x')} b64 ${b64}`)).not.toMatch(/p@ss|p%40ss|cEBzc/);
  });

  test('.env files: every value (but plain numbers/booleans of non-secret names), quotes, export prefix, comments', () => {
    const dir = tempDir();
    const file = join(dir, '.env');
    writeFileSync(
      file,
      [
        '# database',
        'export PGPASS="dq-secret \\"quoted\\""',
        "SINGLE='sq-secret'   # trailing comment",
        'PLAIN=plain-secret # comment',
        'HOST=db.internal',
        'PORT=5432',
        'PIN_SECRET=5555',
        'DEBUG=false',
        'TINY=on',
        'MULTI="line1',
        'line2"',
        'URL=postgres://u:env-url-pw@h/db',
        '   ',
      ].join('\n'),
    );
    expect(parseEnvText(readFileSync(file, 'utf8'))).toEqual({
      // dotenv keeps a backslash before a double quote (it expands only \n and \r)
      PGPASS: 'dq-secret \\"quoted\\"',
      SINGLE: 'sq-secret',
      PLAIN: 'plain-secret',
      HOST: 'db.internal',
      PORT: '5432',
      PIN_SECRET: '5555',
      DEBUG: 'false',
      TINY: 'on',
      MULTI: 'line1\nline2',
      URL: 'postgres://u:env-url-pw@h/db',
    });
    // Secret-named (PGPASS, PIN_SECRET), URL passwords, and the names the target lists under secrets:.
    const r = new Redactor();
    r.addEnvFile(file, ['SINGLE', 'PLAIN', 'HOST', 'MULTI']);
    expect(r.redact('dq-secret \\"quoted\\" sq-secret plain-secret db.internal 5555 5432 false on env-url-pw line1\nline2')).toBe(
      '[secure] [secure] [secure] [secure] [secure] 5432 false on [secure] [secure]',
    );
    // Without the list, other values are not secrets (APP_ENV=production must not shred reports).
    const bare = new Redactor();
    bare.addEnvFile(file);
    expect(bare.redact('dq-secret "quoted" sq-secret plain-secret db.internal 5555 env-url-pw')).toBe(
      '[secure] sq-secret plain-secret db.internal [secure] [secure]',
    );
  });

  test('scanFiles finds planted secrets (raw, base64, URL-encoded, unknown URL password) and passes clean files', () => {
    const r = Redactor.fromEnv(ENV);
    const envDir = tempDir();
    writeFileSync(join(envDir, '.env'), 'CUTTER_PG=dotenv-only-value\n');
    r.addEnvFile(join(envDir, '.env'), ['CUTTER_PG']);
    const dir = tempDir();
    mkdirSync(join(dir, 'evidence'));
    const files: Record<string, string> = {
      '01-clean.md': r.redact('DB_PASSWORD=hunter2-db-pass and postgres://a:hunter2-db-pass@h/db'),
      '02-env-var.md': 'leaked hunter2-db-pass here',
      '03-url-pass.md': 'copied Url%2FPass-99 from the URL',
      '04-dotenv.md': 'value dotenv-only-value',
      'evidence/05-b64.txt': Buffer.from('hunter2-db-pass').toString('base64'),
      'evidence/06-urlenc.txt': encodeURIComponent('k3y!'),
      '07-unknown-url.md': 'mysql://root:never-seen@db/x',
      '08-clean-url.md': 'postgres://a:[secure]@h/db',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(
      join(dir, 'evidence', '09-binary.bin'),
      Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from('ghp_abcdefghijklmnop'), Buffer.from([0])]),
    );
    expect(files['01-clean.md']).toBe('DB_PASSWORD=[secure] and postgres://a:[secure]@h/db');
    expect(r.scanFiles(dir)).toEqual([
      '02-env-var.md',
      '03-url-pass.md',
      '04-dotenv.md',
      '07-unknown-url.md',
      'evidence/05-b64.txt',
      'evidence/06-urlenc.txt',
      'evidence/09-binary.bin',
    ]);
  });

  test('secret shapes: JSON-escaped, each line, Basic-auth base64 at any offset, percent-encoding in both cases', () => {
    const r = new Redactor().add('tok"en\\back-1').add('first-line\nsecond-line').add('p@ss w/rd-9').add('basic-token-77');
    const shapes = [
      JSON.stringify('tok"en\\back-1'),
      JSON.stringify(JSON.stringify('tok"en\\back-1')),
      '  first-line\n  second-line',
      JSON.stringify('first-line\nsecond-line'),
      encodeURIComponent('p@ss w/rd-9'),
      encodeURIComponent('p@ss w/rd-9').toLowerCase(),
      'q=p%40ss+w%2frd-9',
      ...['u', 'us', 'use', 'deploy', 'deploy-bot'].map((u) => `Basic ${Buffer.from(`${u}:basic-token-77`).toString('base64')}`),
      Buffer.from('x:basic-token-77').toString('base64url'),
    ];
    for (const text of shapes) {
      expect(r.containsSecret(text)).toBe(true);
      expect(r.containsSecret(r.redact(text))).toBe(false);
    }
    // and short base64 fragments are not taken (they would match ordinary text)
    expect(secretForms('abcd').every((f) => f.length >= 4)).toBe(true);
  });

  test('what counts as a secret: secret names, listed names, URL passwords; not APP_ENV=production', () => {
    const r = Redactor.fromEnv(
      {
        APP_ENV: 'production',
        MODE: 'none',
        REGION: 'local',
        PGPASSWORD: 'pg-pass-1',
        DEPLOY_CREDENTIAL: 'cred-22',
        SESSION_ID: 'sess-99',
        PWD: '/root',
      },
      ['SESSION_ID'],
    );
    expect(r.redact('production none local pg-pass-1 cred-22 sess-99 /root')).toBe(
      'production none local [secure] [secure] [secure] /root',
    );
    expect(isSecretName('DB_PASSWORD')).toBe(true);
    expect(isSecretName('APP_ENV')).toBe(false);
    expect(isSecretName('APP_ENV', ['APP_ENV'])).toBe(true);
  });

  test('correct on MBs of text: 8 MB with 40 secrets (no catastrophic backtracking)', () => {
    const r = new Redactor();
    for (let i = 0; i < 40; i++) r.add(`secret-value-${i}-${'x'.repeat(i % 7)}`);
    const line = 'ordinary report line with words and numbers 158 159 and a path /opt/cutter/x.py ';
    const big = (line.repeat(1000) + 'secret-value-7-x ').repeat(100);
    const blob = 'A'.repeat(1_000_000) + 'postgres://u:p4ssw0rd@h/db'; // long letter run plus a URL
    const out = r.redact(big + blob);
    expect(out.length).toBeGreaterThan(8_000_000);
    // booleans, not toContain: a failure must not print 9 MB
    expect(out.includes('secret-value-7-x')).toBe(false);
    expect(out.includes('p4ssw0rd')).toBe(false);
    expect(out.endsWith('AAAApostgres://u:[secure]@h/db')).toBe(true);
    expect(r.containsSecret(out)).toBe(false);
  });
});
