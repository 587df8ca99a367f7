// The run's phases through the real CLI: finally gates, the run lock without a database, the heartbeat, the failure block.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaterun } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));

function macro(dir: string, body: string) {
  writeFiles(dir, { 'm.yaml': `id: P1\nmacro: phases-test\ntitle: phases test\noutcome: P1_OK\n${body}` });
  return join(dir, 'm.yaml');
}

const gate = (id: string, title: string, command: string) =>
  `  - id: ${id}\n    title: ${title}\n    kind: command\n    with: { command: ${JSON.stringify(command)} }\n`;

describe('finally gates', () => {
  test('run after a FAIL with their own report; the outcome stays C at the failed gate', async () => {
    const dir = tempDir();
    const file = macro(
      dir,
      `gates:\n${gate('G0', 'breaks', 'exit 3')}${gate('G1', 'skipped', 'true')}finally:\n${gate('G2', 'switch-after', 'echo enabled=False')}`,
    );
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    const run = runJson(out);
    expect(run.outcome.text).toBe('C — FAIL at G0');
    expect(run.gates.map((g: { id: string; status: string }) => `${g.id} ${g.status}`)).toEqual(['G0 FAIL', 'G1 NOT_RUN', 'G2 PASS']);
    expect(existsSync(join(out, '03-switch-after.md'))).toBe(true);
    expect(readFileSync(join(out, '04-final-p1-report.md'), 'utf8')).toMatch(/\| G2 \| switch-after \| PASS \|/);
  });

  test('a finally gate that fails after every gate passed ends C at that gate', async () => {
    const dir = tempDir();
    const file = macro(dir, `gates:\n${gate('G0', 'fine', 'true')}finally:\n${gate('G1', 'after', 'exit 4')}`);
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'silent']);
    expect(r.exitCode).toBe(1);
    expect(runJson(out).outcome.text).toBe('C — FAIL at G1');
  });

  test('plan lists finally gates with their report numbers', async () => {
    const dir = tempDir();
    const file = macro(dir, `gates:\n${gate('G0', 'fine', 'true')}finally:\n${gate('G1', 'after', 'true')}`);
    const r = await gaterun(['plan', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/G1 +command +02-after\.md .*finally/);
  });
});

describe('the run lock without a database', () => {
  test('two runs of one target: exactly one proceeds, the other ends B naming the holder; --wait-lock waits', async () => {
    const dir = tempDir();
    const state = tempDir();
    writeFiles(dir, { 't.yaml': 'name: shared-target\n' });
    const file = macro(dir, `gates:\n${gate('G0', 'slow', 'sleep 2')}`);
    const env = { GATERUN_STATE_DIR: state };
    const args = (out: string) => ['run', file, '--target', join(dir, 't.yaml'), '--out', join(dir, out), '--renderer', 'silent'];
    const [a, b] = await Promise.all([gaterun(args('a'), { env }), gaterun(args('b'), { env })]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes).toEqual([0, 3]);
    const loser = a.exitCode === 3 ? 'a' : 'b';
    const blocked = runJson(join(dir, loser));
    expect(blocked.outcome.text).toBe('B — BLOCKED at G0');
    expect(blocked.gates[0].summary).toMatch(/run lock on target shared-target is held by run \S+-p1-/);
    // With --wait-lock the run that finds the lock held waits for the other instead.
    const [c, d] = await Promise.all([
      gaterun([...args('c'), '--wait-lock', '30'], { env }),
      gaterun([...args('d'), '--wait-lock', '30'], { env }),
    ]);
    expect([c.exitCode, d.exitCode]).toEqual([0, 0]);
  });

  test('a lock left by a killed run (its pid is gone) is taken over', async () => {
    const dir = tempDir();
    const state = tempDir();
    writeFiles(dir, { 't.yaml': 'name: stale-target\n' });
    const file = macro(dir, `gates:\n${gate('G0', 'quick', 'true')}`);
    const env = { GATERUN_STATE_DIR: state };
    // The first run is SIGKILLed while it holds the lock.
    const { execa } = await import('execa');
    const { cliPath, cliEnv } = await import('../helpers/cli.js');
    const slow = macro(tempDir(), `gates:\n${gate('G0', 'slow', 'sleep 30')}`);
    const child = execa('node', [cliPath, 'run', slow, '--target', join(dir, 't.yaml'), '--out', join(dir, 'k'), '--renderer', 'silent'], {
      env: { ...cliEnv, ...env },
      reject: false,
    });
    for (let i = 0; i < 100 && !existsSync(join(dir, 'k', 'ledger.jsonl')) && !(await lockExists(state)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await lockExists(state)).toBe(true);
    child.kill('SIGKILL');
    await child;
    const r = await gaterun(['run', file, '--target', join(dir, 't.yaml'), '--out', join(dir, 'r'), '--renderer', 'silent'], { env });
    expect(r.exitCode).toBe(0);
  });
});

async function lockExists(state: string): Promise<boolean> {
  const { readdirSync } = await import('node:fs');
  try {
    return readdirSync(join(state, 'locks')).some((f) => f.endsWith('.lock'));
  } catch {
    return false;
  }
}

describe('on screen', () => {
  test('a failing gate shows its failing check, the end of its stderr and its report path', async () => {
    const dir = tempDir();
    const file = macro(dir, `gates:\n${gate('G0', 'breaks', 'echo first-line >&2; echo the-real-reason-42 >&2; exit 3')}`);
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out, '--renderer', 'simple']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/✖ G0 breaks — FAIL/);
    expect(r.stdout).toContain('the-real-reason-42');
    expect(r.stdout).toContain(join('run', '01-breaks.md'));
    // The full output is kept under logs/, signed with the bundle; the evidence digest is of exactly those bytes.
    const ev = runJson(out).gates[0].evidence[0];
    const log = readFileSync(join(out, ev.stderrLog), 'utf8');
    expect(log).toBe('first-line\nthe-real-reason-42\n');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(log).digest('hex')).toBe(ev.stderrSha256);
  });

  test('piped output gets a heartbeat line while a gate runs', async () => {
    const dir = tempDir();
    const file = macro(dir, `gates:\n${gate('G0', 'slow', 'sleep 1.5')}`);
    const r = await gaterun(['run', file, '--out', join(dir, 'run'), '--renderer', 'simple'], { env: { GATERUN_HEARTBEAT_MS: '300' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/G0 slow — running \ds/);
  });
});

describe('an unreachable SSH host', () => {
  test.each(['command', 'tests', 'precheck'])(
    'a %s gate on it ends B naming the host and the reason, checked once by the runner',
    async (kind) => {
      const dir = tempDir();
      writeFiles(dir, { 't.yaml': 'name: unreachable\nhosts:\n  bad: ssh://u@127.0.0.1:1\n' });
      const w = kind === 'precheck' ? '{ paths: { exist: [/tmp] } }' : '{ command: "true" }';
      const file = macro(
        dir,
        `gates:\n  - id: G0\n    title: one\n    kind: ${kind}\n    host: bad\n    with: ${w}\n  - id: G1\n    title: two\n    kind: ${kind}\n    host: bad\n    with: ${w}\n`,
      );
      const out = join(dir, 'run');
      const r = await gaterun(['run', file, '--target', join(dir, 't.yaml'), '--out', out, '--renderer', 'silent']);
      expect(r.exitCode).toBe(3);
      const run = runJson(out);
      expect(run.outcome.text).toBe('B — BLOCKED at G0');
      expect(run.gates[0].summary).toBe('bad: host u@127.0.0.1:1: unreachable (connection refused); nothing was attempted');
      expect(run.gates[0].messageId).toBe('unreachable');
    },
  );
});
