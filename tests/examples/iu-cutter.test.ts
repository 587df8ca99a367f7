// The iu-cutter sample target: every stage materialised and run with real python3.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseTestCounts } from '../../src/test-counts.js';
import { repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

const example = join(repoRoot, 'examples', 'iu-cutter');
const stages = ['base', 'o8a', 'o8d', 'o8f'] as const;
type Stage = (typeof stages)[number];
const trees = {} as Record<Stage, string>;

const PROBE = 'import cutter_agent as c; print(c.execution_enabled())';
const PROOF_IDS = ['PROOF-1', 'PROOF-2', 'PROOF-3', 'PROOF-4', 'PROOF-4b', 'PROOF-5', 'PROOF-6', 'PROOF-7'];
const ALL_PASS = 'ALL_PROOFS_PASS production_mutation=NONE execution_enabled=False';

async function py(args: string[], cwd: string) {
  return execa('python3', args, { cwd, reject: false, all: true, env: { PYTHONDONTWRITEBYTECODE: '1' } });
}

/** Relative paths of every file under a directory (no caches). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === '__pycache__' || name.endsWith('.pyc')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** 'M path' / 'A path' of an overlay against a tree, computed here (not by stage.py). */
function changeSet(tree: string, overlay: string): string[] {
  return files(overlay).map((rel) => {
    let old: Buffer | null = null;
    try {
      old = readFileSync(join(tree, rel));
    } catch {
      old = null;
    }
    if (old === null) return `A ${rel}`;
    return old.equals(readFileSync(join(overlay, rel))) ? `= ${rel}` : `M ${rel}`;
  });
}

beforeAll(async () => {
  const root = tempDir('iu-cutter-stages-');
  for (const s of stages) {
    trees[s] = join(root, s);
    const r = await execa('python3', [join(example, 'stage.py'), s, trees[s]], { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`stage.py ${s} failed: ${r.all}`);
  }
}, 60000);
afterAll(cleanupTemp);

describe('iu-cutter stages', () => {
  const ran: Partial<Record<Stage, number>> = {};

  test.each(stages)(
    '%s: the full unittest suite passes',
    async (s) => {
      const r = await py(['-m', 'unittest', 'discover', '-s', 'tests'], trees[s]);
      expect(r.exitCode).toBe(0);
      const out = r.all ?? '';
      expect(out).toMatch(/^Ran \d+ tests in [\d.]+s$/m);
      expect(out.trimEnd().split('\n').pop()).toBe('OK');
      const counts = parseTestCounts(out);
      expect(counts).not.toBeNull();
      expect(counts!.failed + counts!.errors).toBe(0);
      ran[s] = counts!.total;
    },
    60000,
  );

  test('the suite grows stage by stage (and stays a small stand-in)', () => {
    const n = stages.map((s) => ran[s]);
    expect(n.every((x) => typeof x === 'number')).toBe(true);
    for (let i = 1; i < n.length; i++) expect(n[i]!).toBeGreaterThan(n[i - 1]!);
    expect(n[0]!).toBeGreaterThanOrEqual(35);
    expect(n[0]!).toBeLessThanOrEqual(60);
  });

  test.each(stages)('%s: the kill-switch probe prints False', async (s) => {
    const r = await py(['-c', PROBE], trees[s]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('False');
  });

  test.each(['o8a', 'o8d', 'o8f'] as const)('%s: proof_live_wiring.py passes all 8 proof lines', async (s) => {
    const r = await py(['proof_live_wiring.py'], trees[s]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      ...PROOF_IDS.map((p) => `${p} PASS`),
      'ALL_PROOFS_PASS production_mutation=NONE',
    ]);
    expect(lines[0]).toBe('PROOF-1 PASS kill-switch OFF — execution_enabled() is False');
    expect(lines[lines.length - 1]).toBe(ALL_PASS);
  });

  test('base: the O4 harness proves 1-3 and honestly fails the seam proofs', async () => {
    const r = await py(['proof_live_wiring.py'], trees.base);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3).every((l) => / PASS /.test(l))).toBe(true);
    expect(lines.slice(3, 8).every((l) => / FAIL .*live seam not wired/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^SOME_PROOFS_FAILED 5\/8 failed /);
    expect(r.stdout).not.toContain('ALL_PROOFS_PASS');
  });

  test.each(stages)('%s: import smoke names version, milestone and the switch', async (s) => {
    const r = await py(['scripts/import_smoke.py'], trees[s]);
    expect(r.exitCode).toBe(0);
    const milestone = s === 'base' || s === 'o8a' ? 'O4' : 'O8B';
    expect(r.stdout).toContain(`milestone=${milestone} __execution_enabled__=False execution_enabled()=False`);
    expect(r.stdout.includes('__live_wiring__=O8A-authoring-staging')).toBe(s !== 'base');
    expect(r.stdout.trim().endsWith('import=OK')).toBe(true);
  });
});

describe('the O8A change set', () => {
  const expected = [
    'M README.md',
    'M cutter_agent/__init__.py',
    'A cutter_agent/live_execution.py',
    'M cutter_agent/modes.py',
    'M cutter_agent/orchestrator.py',
    'M proof_live_wiring.py',
    'A tests/test_live_execution.py',
    'M tests/test_modes.py',
    'M tests/test_orchestrator.py',
  ];

  test('is exactly 9 files: 7 modified + 2 new against src/', () => {
    const cs = changeSet(join(example, 'src'), join(example, 'changes', 'o8a-live-wiring'));
    expect(cs).toEqual(expected);
    expect(cs.filter((l) => l.startsWith('M ')).length).toBe(7);
    expect(cs.filter((l) => l.startsWith('A ')).length).toBe(2);
  });

  test('stage.py changes o8a agrees', async () => {
    const r = await py([join(example, 'stage.py'), 'changes', 'o8a'], example);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(expected);
  });

  test('applied with git over the baseline: 7 modified, 2 untracked, nothing else', async () => {
    const dir = join(tempDir('iu-cutter-git-'), 'repo');
    cpSync(join(example, 'src'), dir, { recursive: true });
    const git = (...a: string[]) =>
      execa('git', a, {
        cwd: dir,
        env: {
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.invalid',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.invalid',
        },
      });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'baseline');
    cpSync(join(example, 'changes', 'o8a-live-wiring'), dir, { recursive: true });
    const st = (await git('status', '--porcelain', '-uall')).stdout.split('\n').filter(Boolean).sort();
    expect(st.filter((l) => l.startsWith(' M ')).length).toBe(7);
    expect(st.filter((l) => l.startsWith('?? ')).map((l) => l.slice(3))).toEqual([
      'cutter_agent/live_execution.py',
      'tests/test_live_execution.py',
    ]);
    expect(st.length).toBe(9);
  });

  test.each([
    ['o8d', 'o8d-patch'],
    ['o8f', 'o8f-features'],
  ] as const)('%s overlay carries only files it changes', (_s, dir) => {
    const prev = _s === 'o8d' ? trees.o8a : trees.o8d;
    const cs = changeSet(prev, join(example, 'changes', dir));
    expect(cs.length).toBeGreaterThan(0);
    expect(cs.filter((l) => l.startsWith('= '))).toEqual([]);
  });
});

describe('the proof can fail', () => {
  test('flipping __execution_enabled__ = True in a copy: probe True, PROOF-1 FAIL, exit 1, suite fails', async () => {
    const dir = join(tempDir('iu-cutter-flip-'), 'tree');
    cpSync(trees.o8f, dir, { recursive: true });
    const init = join(dir, 'cutter_agent', '__init__.py');
    const src = readFileSync(init, 'utf8');
    expect(src).toMatch(/^__execution_enabled__ = False$/m);
    writeFileSync(init, src.replace(/^__execution_enabled__ = False$/m, '__execution_enabled__ = True'));

    expect((await py(['-c', PROBE], dir)).stdout.trim()).toBe('True');
    const proof = await py(['proof_live_wiring.py'], dir);
    expect(proof.exitCode).toBe(1);
    expect(proof.stdout).toMatch(/^PROOF-1 FAIL kill-switch OFF/m);
    expect(proof.stdout).toMatch(/^PROOF-7 FAIL /m);
    expect(proof.stdout.trim().split('\n').pop()).toMatch(/^SOME_PROOFS_FAILED \d+\/8 failed .*execution_enabled=True$/);
    expect(proof.stdout).not.toContain('ALL_PROOFS_PASS');

    const suite = await py(['-m', 'unittest', 'discover', '-s', 'tests'], dir);
    expect(suite.exitCode).not.toBe(0);
    expect(parseTestCounts(suite.all ?? '')!.failed).toBeGreaterThan(0);
  }, 60000);
});

describe('side trees and hygiene', () => {
  test('the v0.4 skeleton is a separate tree with version 0.4.0', async () => {
    const v04 = join(example, 'v0.4-skeleton');
    expect(files(v04)).toEqual(['README.md', 'VERSION', 'cutter/__init__.py', 'cutter/__main__.py']);
    const r = await py(['-m', 'cutter'], v04);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('iu-cutter skeleton 0.4.0 (no operations)');
    expect(readFileSync(join(v04, 'VERSION'), 'utf8').trim()).toBe('0.4.0');
  });

  test('no credential-shaped strings, private keys or .env files in the example', () => {
    const urlPassword = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@'"`]+:([^\s@/'"`]+)@[^\s'"`]+/;
    const privateKey = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY/;
    const found: string[] = [];
    for (const rel of files(example)) {
      if (/(^|\/)\.env(\.|$)/.test(rel)) found.push(`${rel}: env file`);
      const text = readFileSync(join(example, rel), 'utf8');
      if (urlPassword.test(text)) found.push(`${rel}: url with password`);
      if (privateKey.test(text)) found.push(`${rel}: private key`);
    }
    expect(found).toEqual([]);
  });
});
