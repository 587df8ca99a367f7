// The `precheck` gate on a real git repository in a temp dir.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import precheck from '../../gates/precheck.js';
import { runGateKind, testGate } from '../helpers/gate-tester.js';
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

let d = '';
beforeAll(async () => {
  d = (await repo()).dir;
});

testGate(precheck, {
  pass: [
    { name: 'nothing asked', params: {} },
    { name: 'a probe', params: { probes: [{ name: 'n', command: 'echo 3', equals: 3 }] } },
  ],
  fail: [
    {
      name: 'wrong HEAD',
      params: () => ({ repos: [{ name: 'src', path: d, head: 'deadbeef' }] }),
      messageId: 'failed',
      summary: /src HEAD [0-9a-f]{7}, expected deadbeef/,
    },
    {
      name: 'wrong branch',
      params: () => ({ repos: [{ name: 'src', path: d, branch: 'release' }] }),
      messageId: 'failed',
      summary: /src on branch main, expected release/,
    },
    { name: 'missing path', params: () => ({ paths: { exist: [join(d, 'nope')] } }), messageId: 'failed', summary: /nope does not exist/ },
    {
      name: 'present path',
      params: () => ({ paths: { absent: [join(d, 'README.md')] } }),
      messageId: 'failed',
      summary: /README\.md exists but must not/,
    },
    {
      name: 'kill-switch probe on',
      params: { probes: [{ name: 'execution_enabled', command: 'echo True', equals: 'False' }] },
      messageId: 'failed',
      summary: /probe execution_enabled read "True", expected "False"/,
    },
    {
      name: 'probe command fails',
      params: { probes: [{ name: 'x', command: 'exit 1', equals: 'y' }] },
      messageId: 'failed',
      summary: /probe x read nothing \(exit 1\)/,
    },
    { name: 'not a repo', params: () => ({ repos: [{ path: tempDir() }] }), messageId: 'failed', summary: /is not a git repository/ },
    { name: 'KB not readable', params: { kb: 'readable' }, messageId: 'failed', summary: /KB not readable: the target has no kb.dir/ },
    {
      name: 'the wrong host is BLOCKED and nothing else is attempted',
      params: () => ({ hostname: { matches: '^prod-vps-\\d+$' }, repos: [{ path: d }] }),
      messageId: 'wrongHost',
      status: 'BLOCKED',
      summary: /^wrong host: host is .*, expected \/\^prod-vps/,
      check: ({ ledger }) => expect(ledger.entries.map((e) => e.target)).toEqual(['uname -n']),
    },
  ],
  invalid: [{ repos: [{ path: '/x', head: 'not-a-sha' }] }, { probes: [{ name: 'x', command: 'y' }] }, { hostnme: {} }],
});

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

  test('a dirty tree FAILs naming the changed files', async () => {
    const { dir } = await repo();
    writeFileSync(join(dir, 'src/a.py'), 'x = 2\n');
    const { result } = await runGateKind('precheck', { repos: [{ name: 'src', path: dir, clean: true }] });
    expect(result.status).toBe('FAIL');
    expect(result.summary).toMatch(/src has 1 uncommitted change\(s\): src\/a\.py/);
  });
});
