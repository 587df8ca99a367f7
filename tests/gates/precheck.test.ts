// The `precheck` gate on a real git repository in a temp dir.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { paramsValid, runGateKind } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

async function repo(): Promise<{ dir: string; head: string }> {
  const dir = tempDir();
  writeFiles(dir, { 'README.md': '# r\n', 'src/a.py': 'x = 1\n' });
  const git = (...a: string[]) => execa('git', a, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
  const head = (await git('rev-parse', 'HEAD')).stdout.trim();
  return { dir, head };
}

describe('precheck gate', () => {
  test('host, repo at HEAD on its branch and clean, paths, probe: PASS with facts', async () => {
    const { dir, head } = await repo();
    const { result } = await runGateKind('precheck', {
      hostname: { equals: hostname() },
      repos: [{ name: 'src', path: dir, head: head.slice(0, 7), branch: 'main', clean: true }],
      paths: { exist: [join(dir, 'src/a.py')], absent: [join(dir, 'nope')] },
      probes: [{ name: 'execution_enabled', command: 'echo False', equals: 'False' }],
    });
    expect(result.status).toBe('PASS');
    expect(result.facts).toMatchObject({
      hostname: hostname(),
      repos: { src: { head, branch: 'main', clean: true } },
      execution_enabled: 'False',
    });
    expect(result.summary).toContain(`src @ ${head.slice(0, 7)} clean`);
  });

  test.each([
    ['wrong HEAD', (d: string) => ({ repos: [{ name: 'src', path: d, head: 'deadbeef' }] }), /src HEAD [0-9a-f]{7}, expected deadbeef/],
    ['wrong branch', (d: string) => ({ repos: [{ name: 'src', path: d, branch: 'release' }] }), /src on branch main, expected release/],
    ['missing path', (d: string) => ({ paths: { exist: [join(d, 'nope')] } }), /nope does not exist/],
    ['present path', (d: string) => ({ paths: { absent: [join(d, 'README.md')] } }), /README\.md exists but must not/],
    [
      'kill-switch probe on',
      () => ({ probes: [{ name: 'execution_enabled', command: 'echo True', equals: 'False' }] }),
      /probe execution_enabled read "True", expected "False"/,
    ],
    ['probe command fails', () => ({ probes: [{ name: 'x', command: 'exit 1', equals: 'y' }] }), /probe x read nothing \(exit 1\)/],
    ['not a repo', () => ({ repos: [{ path: tempDir() }] }), /is not a git repository/],
  ])('%s → FAIL', async (_n, params, summary) => {
    const { dir } = await repo();
    const { result } = await runGateKind('precheck', params(dir));
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(summary);
  });

  test('a dirty tree FAILs naming the changed files', async () => {
    const { dir } = await repo();
    writeFileSync(join(dir, 'src/a.py'), 'x = 2\n');
    const { result } = await runGateKind('precheck', { repos: [{ name: 'src', path: dir, clean: true }] });
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(/src has 1 uncommitted change\(s\): src\/a\.py/);
  });

  test('the wrong host is BLOCKED and nothing else is attempted', async () => {
    const { dir } = await repo();
    const { result, ledger } = await runGateKind('precheck', { hostname: { matches: '^prod-vps-\\d+$' }, repos: [{ path: dir }] });
    expect(result.status).toBe('BLOCKED');
    expect(result.summary).toMatch(/wrong host/);
    expect(ledger.entries.map((e) => e.target)).toEqual(['uname -n']);
  });

  test('bad params are rejected by the schema', () => {
    expect(paramsValid('precheck', { repos: [{ path: '/x', head: 'abc1234' }] })).toBe(true);
    expect(paramsValid('precheck', { repos: [{ path: '/x', head: 'not-a-sha' }] })).toBe(false);
    expect(paramsValid('precheck', { probes: [{ name: 'x', command: 'y' }] })).toBe(false);
    expect(paramsValid('precheck', { hostnme: {} })).toBe(false);
  });
});
