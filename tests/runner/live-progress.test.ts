// Live progress through the real CLI: in a pseudo-terminal (util-linux `script`) the running command's last output line
// shows under its gate; piped, the heartbeat ends in `last: <line>`; a secret the command prints never reaches the
// screen; a command that floods 100 MB still completes with its log capped.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_CAP_BYTES } from '../../src/context/exec.js';
import { cliEnv, cliPath, gaterun, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

// A value the redactor knows: the variable's name says TOKEN.
const TOKEN = 'Live7-tokenHead-Qx93zKp2-tokenTail';
const TOKEN_PARTS = ['Live7-tokenHead', 'Qx93zKp2', 'tokenTail'];

function macro(dir: string, command: string, title = 'talk') {
  writeFiles(dir, {
    'm.yaml': `id: L1\nmacro: live-test\ntitle: live test\noutcome: L1_OK\ngates:\n  - id: G0\n    title: ${title}\n    kind: command\n    with: { command: ${JSON.stringify(command)} }\n`,
  });
  return join(dir, 'm.yaml');
}

/** Runs the built CLI in a pseudo-terminal of 120 columns; the screen bytes come back as `stdout`. */
function inTerminal(args: string[], env: Record<string, string> = {}, size = 'stty cols 120 rows 40; ') {
  // A pseudo-terminal starts with 0 columns; gaterun then draws for 80x24 (the test below), here it gets 120 columns.
  const line = `${size}exec node ${[cliPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  return execa('script', ['-qfec', line, '/dev/null'], { cwd: repoRoot, env: { ...cliEnv, ...env }, reject: false });
}

// eslint-disable-next-line no-control-regex -- reading what a terminal was sent
const plain = (screen: string) => screen.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');

describe('on a terminal', () => {
  test("the running command's last output line shows under its gate, with the elapsed time", async () => {
    const dir = tempDir();
    const file = macro(dir, 'echo compiling module-alpha; sleep 2.5; echo all-done');
    const r = await inTerminal(['run', file, '--out', join(dir, 'run')]);
    expect(r.exitCode).toBe(0);
    const screen = plain(r.stdout);
    // The output bar line (listr2 draws it as `› line` under the running task), while G0 is still running.
    expect(screen).toMatch(/G0 talk — running \ds\n +\S+ compiling module-alpha\n/);
    expect(screen).toContain('A — L1_OK');
  });

  test('a terminal that reports 0 columns and rows (script(1), some CI containers) still gets whole lines', async () => {
    const dir = tempDir();
    const file = macro(dir, 'echo compiling module-alpha; sleep 2.5; echo all-done');
    const r = await inTerminal(['run', file, '--out', join(dir, 'run')], {}, '');
    expect(r.exitCode).toBe(0);
    const screen = plain(r.stdout);
    expect(screen).toMatch(/G0 talk — running \ds\n +\S+ compiling module-alpha\n/);
    expect(screen).toContain('A — L1_OK');
  });

  test('a secret the command prints (in pieces, with colour codes, base64) never reaches the screen', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'talk.sh': talkScript() });
    const file = macro(dir, `sh ${join(dir, 'talk.sh')}`);
    const r = await inTerminal(['run', file, '--out', join(dir, 'run')], { LIVE_TOKEN: TOKEN });
    expect(r.exitCode).toBe(0);
    noSecretIn(r.stdout);
    // The lines were shown, redacted: the check above has something to look at.
    expect(plain(r.stdout)).toContain('token=[secure] end');
  });
});

describe('piped', () => {
  test('the heartbeat line carries the last output line, cleaned', async () => {
    const dir = tempDir();
    const file = macro(dir, "printf '\\033[32mstep 3 of 7\\033[0m\\n'; sleep 1.5");
    const r = await gaterun(['run', file, '--out', join(dir, 'run')], { env: { GATERUN_HEARTBEAT_MS: '200' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^G0 talk — running \ds, last: step 3 of 7$/m);
    // Piped, the command's lines are not printed one by one: only the heartbeat carries them.
    expect(r.stdout).not.toMatch(/^\W*step 3 of 7$/m);
  });

  test('a secret the command prints never appears in the heartbeat; the logs keep [secure]', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'talk.sh': talkScript() });
    const file = macro(dir, `sh ${join(dir, 'talk.sh')}`);
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out], { env: { GATERUN_HEARTBEAT_MS: '100', LIVE_TOKEN: TOKEN } });
    expect(r.exitCode).toBe(0);
    noSecretIn(r.all);
    expect(r.stdout).toMatch(/last: token=\[secure\] end/);
    const logs = readdirSync(join(out, 'logs')).map((f) => readFileSync(join(out, 'logs', f), 'utf8'));
    expect(logs.join('')).toContain('token=[secure] end');
  });

  test('a command that prints 100 MB fast completes, and its kept log is capped', async () => {
    const dir = tempDir();
    const file = macro(dir, "head -c 100000000 /dev/zero | tr '\\0' 'a' | fold -w 99", 'flood');
    const out = join(dir, 'run');
    const r = await gaterun(['run', file, '--out', out], { env: { GATERUN_HEARTBEAT_MS: '100' } });
    expect(r.exitCode).toBe(0);
    const logs = readdirSync(join(out, 'logs'));
    expect(logs).toHaveLength(1);
    const log = join(out, 'logs', logs[0]);
    expect(statSync(log).size).toBeLessThan(LOG_CAP_BYTES + 200);
    expect(readFileSync(log, 'utf8')).toMatch(/\[gaterun: cut at 1048576 of 101010101 bytes\]\n$/);
    // Heartbeat lines show one output line, cut to the screen: never the flood.
    for (const l of r.stdout.split('\n').filter((x) => x.includes('last:'))) expect(l.length).toBeLessThan(250);
  });
});

/** Prints the token in two writes, then whole between colour codes, then base64 — and sleeps so progress sees it. */
function talkScript(): string {
  return [
    // Half a line now, the rest later: a partial line must never be shown.
    `printf 'token=%s' "${'${LIVE_TOKEN%%-Qx93*}'}"`,
    'sleep 0.6',
    `printf -- '-%s end\\n' "${'${LIVE_TOKEN#*tokenHead-}'}"`,
    'sleep 0.6',
    // An escape sequence inside the value: a terminal shows it whole.
    `printf 'col %s\\033[0m%s\\n' "${'${LIVE_TOKEN%%-Qx93*}'}" "-${'${LIVE_TOKEN#*tokenHead-}'}"`,
    'sleep 0.6',
    'printf \'b64 %s\\n\' "$(printf %s "$LIVE_TOKEN" | base64 -w0)"',
    'sleep 0.6',
    'echo token=$LIVE_TOKEN end',
    'sleep 0.8',
    '',
  ].join('\n');
}

function noSecretIn(screen: string) {
  const text = plain(screen);
  for (const part of [TOKEN, ...TOKEN_PARTS, Buffer.from(TOKEN).toString('base64').slice(0, 16)]) expect(text).not.toContain(part);
}
