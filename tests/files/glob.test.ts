// Table tests of the glob matcher used by artifact excludes/forbid, secret-scan excludes/allow and verify ignores.
import { describe, expect, test } from '@jest/globals';
import { anyGlob, DEFAULT_ARTIFACT_EXCLUDES, globMatcher } from '../../src/files/glob.js';

// [glob, path, expected]
const TABLE: [string, string, boolean][] = [
  // braces and classes: the two the hand-written matcher got wrong (issue 13 item 18)
  ['*.{pem,key}', 'server.key', true],
  ['*.{pem,key}', 'deploy/tls/server.pem', true],
  ['*.{pem,key}', 'server.keys', false],
  ['*.{pem,key}', 'pem', false],
  ['id_[rd]sa', 'id_rsa', true],
  ['id_[rd]sa', 'home/.ssh/id_dsa', true],
  ['id_[rd]sa', 'id_ecdsa', false],
  ['id_[rd]sa', 'id_rsa.pub', false],
  ['id_[!e]*', 'id_rsa', true],
  ['id_[!e]*', 'id_ed25519', false],
  ['*.@(p12|pfx)', 'certs/client.pfx', true],
  ['secret-?.txt', 'a/secret-1.txt', true],
  ['secret-?.txt', 'a/secret-10.txt', false],
  // no slash: the base name, anywhere; dot files count
  ['*.pyc', 'src/cutter/__pycache__/core.cpython-311.pyc', true],
  ['.env', 'config/.env', true],
  ['.env', '.env.example', false],
  ['.env.*', '.env.production', true],
  ['*', '.hidden', true],
  // trailing slash: a directory anywhere (never the file itself)
  ['__pycache__/', 'src/cutter/__pycache__/core.pyc', true],
  ['__pycache__/', '__pycache__', false],
  ['.git/', '.git/config', true],
  ['.git/', '.gitignore', false],
  ['{build,dist}/', 'pkg/dist/index.js', true],
  ['{build,dist}/', 'pkg/distx/index.js', false],
  // slash inside: anchored at the root
  ['docs/build/', 'docs/build/a.html', true],
  ['docs/build/', 'x/docs/build/a.html', false],
  ['src/**/x.ts', 'src/x.ts', true],
  ['src/**/x.ts', 'src/a/b/x.ts', true],
  ['src/**/x.ts', 'lib/src/x.ts', false],
  ['/tests/*.py', 'tests/test_core.py', true],
  ['./tests/*.py', 'tests/sub/test_core.py', false],
  ['tests/**', 'tests/sub/test_core.py', true],
];

describe('globMatcher', () => {
  test.each(TABLE)('%s vs %s → %s', (glob, path, expected) => {
    expect(globMatcher(glob)(path)).toBe(expected);
  });

  test('anyGlob names the glob that matched; the default excludes keep keys and env files out', () => {
    const m = anyGlob(DEFAULT_ARTIFACT_EXCLUDES);
    expect(m('deploy/server.key')).toBe('*.key');
    expect(m('.ssh/id_ed25519.pub')).toBe('id_ed25519*');
    expect(m('.env.local')).toBe('.env.*');
    expect(m('src/cutter/core.py')).toBeNull();
    expect(anyGlob(['*.{pem,key}', 'id_[rd]sa'])('id_rsa')).toBe('id_[rd]sa');
  });
});
