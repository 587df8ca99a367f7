import { describe, expect, test } from '@jest/globals';
import { globMatcher, anyGlob, DEFAULT_ARTIFACT_EXCLUDES } from '../../src/files/glob.js';
import { compareWithManifest, formatManifest, parseManifest } from '../../src/files/manifest.js';
import { parseSha256sumZ } from '../../src/files/hash-tree.js';
import { parseShortstat } from '../../src/git/git.js';
import { excludePathspecs } from '../../src/files/artifact.js';
import { allowList, BUILTIN_RULES, scanText } from '../../src/files/secret-rules.js';
import { sshFailureReason } from '../../src/context/hosts.js';

const h = (c: string) => c.repeat(64);

describe('globMatcher', () => {
  test.each([
    ['*.pyc', 'a/b/c.pyc', true],
    ['*.pyc', 'a/b/c.py', false],
    ['__pycache__/', 'src/__pycache__/x.pyc', true],
    ['__pycache__/', '__pycache__x/y', false],
    ['.env.*', 'config/.env.production', true],
    ['.env', 'a/.envrc', false],
    ['src/**/test_*.py', 'src/a/b/test_x.py', true],
    ['src/**/test_*.py', 'src/test_x.py', true],
    ['src/*.py', 'src/a/x.py', false],
    ['id_rsa*', 'deploy/id_rsa.pub', true],
  ])('%s ~ %s -> %s', (glob, path, expected) => expect(globMatcher(glob)(path)).toBe(expected));

  test('anyGlob names the rule that matched', () => {
    expect(anyGlob(DEFAULT_ARTIFACT_EXCLUDES)('x/node_modules/y/z.js')).toBe('node_modules/');
    expect(anyGlob(DEFAULT_ARTIFACT_EXCLUDES)('src/app.py')).toBeNull();
  });
});

describe('manifests', () => {
  test('format sorts by bytes; parse round-trips; compare names each difference', () => {
    const m = new Map([
      ['b.txt', h('1')],
      ['a/Z.txt', h('2')],
      ['a/a.txt', h('3')],
    ]);
    const text = formatManifest(m);
    expect(text).toBe(`${h('2')}  a/Z.txt\n${h('3')}  a/a.txt\n${h('1')}  b.txt\n`);
    expect(parseManifest(text)).toEqual(m);
    const actual = new Map([
      ['b.txt', h('9')],
      ['a/a.txt', h('3')],
      ['new.txt', h('4')],
      ['x/__pycache__/c.pyc', h('5')],
    ]);
    expect(compareWithManifest(m, actual, (p) => p.includes('__pycache__'))).toEqual({
      matched: 1,
      total: 3,
      mismatched: ['b.txt'],
      missing: ['a/Z.txt'],
      extra: ['new.txt'],
      ignored: ['x/__pycache__/c.pyc'],
    });
  });
  test('a malformed line is named', () => expect(() => parseManifest(`${h('1')}  ok\nnot a line\n`)).toThrow('manifest line 2'));
  test('sha256sum -z output with awkward names', () => {
    expect(parseSha256sumZ(`${h('a')}  ./a b\0${h('b')}  ./new\nline\0`)).toEqual(
      new Map([
        ['a b', h('a')],
        ['new\nline', h('b')],
      ]),
    );
  });
});

test('parseShortstat', () => {
  expect(parseShortstat(' 9 files changed, 1321 insertions(+), 160 deletions(-)')).toEqual({ files: 9, insertions: 1321, deletions: 160 });
  expect(parseShortstat(' 1 file changed, 1 insertion(+)')).toEqual({ files: 1, insertions: 1, deletions: 0 });
});

test('excludePathspecs: whole directories for directory rules, files otherwise', () => {
  expect(
    excludePathspecs([
      { path: 'a/node_modules/x/i.js', why: 'node_modules/' },
      { path: 'a/node_modules/y.js', why: 'node_modules/' },
      { path: 'src/__pycache__/m.pyc', why: '__pycache__/' },
      { path: '.env', why: '.env' },
    ]),
  ).toEqual([':(exclude,literal).env', ':(exclude,literal)a/node_modules', ':(exclude,literal)src/__pycache__']);
});

describe('secret rules', () => {
  const allowNone = allowList([]);
  test.each([
    ['private-key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['private-key', '-----BEGIN PRIVATE KEY-----'],
    ['url-password', 'postgres://cutter:' + 'pw12345@db:5432/iu'],
    ['aws-access-key', 'id = AKIA' + 'ABCDEFGHIJKLMNOP'],
    ['generic-token', 'API_KEY=' + 'a'.repeat(24)],
  ])('%s finds %s', (rule, line) => {
    expect(scanText('f', line, BUILTIN_RULES, allowNone).map((f) => f.rule)).toContain(rule);
  });
  test.each(['postgres://user@host/db', 'token = get_token()', 'api_key = "short"', 'password: ${DB_PASSWORD}'])('no finding: %s', (line) =>
    expect(scanText('f', line, BUILTIN_RULES, allowNone)).toEqual([]),
  );
  test('allow: /regex/ matches a value, a glob matches a path', () => {
    const line = 'k = "AKIA' + 'ABCDEFGHIJKLMNOP"';
    expect(scanText('f', line, BUILTIN_RULES, allowList(['/AKIAABCD/']))).toEqual([]);
    expect(scanText('tests/fixtures/f', line, BUILTIN_RULES, allowList(['tests/fixtures/**']))).toEqual([]);
    expect(scanText('src/f', line, BUILTIN_RULES, allowList(['tests/fixtures/**']))).toHaveLength(1);
  });
});

test('sshFailureReason only explains ssh failures (exit 255)', () => {
  expect(sshFailureReason('u@h:22', 1, 'Permission denied')).toBeNull();
  expect(sshFailureReason('u@h:22', 255, 'ssh: connect to host h port 22: Connection timed out')).toBe(
    'host u@h:22: unreachable (connection timed out)',
  );
  expect(sshFailureReason('u@h:22', 255, 'ssh: Could not resolve hostname h: Name or service not known')).toBe(
    'host u@h:22: unreachable (host name does not resolve)',
  );
});
