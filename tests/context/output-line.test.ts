// The running command's last output line: only complete lines, redacted before and after cleaning, cut, throttled;
// and runExec passes it on while the command still runs, leaving the buffered output and its digests as they were.
import { afterAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExec, type ExecDeps } from '../../src/context/exec.js';
import type { HostSpec } from '../../src/context/hosts.js';
import { Ledger } from '../../src/context/ledger.js';
import { cleanLine, LastLineTracker, SHOWN_LINE_MAX, shownLine, throttleLines } from '../../src/context/output-line.js';
import { Redactor } from '../../src/report/redact.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

afterAll(cleanupTemp);

const SECRET = 'hunter2-Zq8vW3xY-secret';
const redactor = new Redactor().add(SECRET);
const redact = (s: string) => redactor.redact(s);

function track() {
  const lines: string[] = [];
  const t = new LastLineTracker((l) => lines.push(l), redact);
  return { t, lines };
}

describe('LastLineTracker', () => {
  test('passes the last complete non-empty line of each chunk, joining a line that arrives in pieces', () => {
    const { t, lines } = track();
    t.push('stdout', Buffer.from('one\ntwo\n\n  \n'));
    t.push('stdout', Buffer.from('thr'));
    expect(lines).toEqual(['two']);
    t.push('stdout', Buffer.from('ee\nfou'));
    expect(lines).toEqual(['two', 'three']);
    // stderr has its own unfinished line: the stdout one does not leak into it.
    t.push('stderr', Buffer.from('err line\n'));
    expect(lines).toEqual(['two', 'three', 'err line']);
  });

  test('\\r (progress bars) and NUL (sha256sum -z) end lines too', () => {
    const { t, lines } = track();
    t.push('stdout', Buffer.from(' 10%\r 55%\r'));
    t.push('stdout', Buffer.from('abc  file-a\0def  file-b\0'));
    expect(lines).toEqual(['55%', 'def  file-b']);
  });

  test('a multi-byte character split between chunks is decoded whole', () => {
    const { t, lines } = track();
    const bytes = Buffer.from('grüße ✓\n');
    t.push('stdout', bytes.subarray(0, 4));
    t.push('stdout', bytes.subarray(4));
    expect(lines).toEqual(['grüße ✓']);
  });

  test('colours, cursor moves, titles and control characters are removed', () => {
    const { t, lines } = track();
    t.push('stdout', '\x1b[31mred\x1b[0m \x1b]0;title\x07ok\x1b[2K\x07\x08\tdone\n');
    expect(lines).toEqual(['red ok done']);
    expect(cleanLine('\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
  });

  test('a secret written in two pieces is never passed in part; whole, it is [secure]', () => {
    const { t, lines } = track();
    t.push('stdout', Buffer.from(`token: ${SECRET.slice(0, 9)}`));
    expect(lines).toEqual([]);
    t.push('stdout', Buffer.from(`${SECRET.slice(9)} used\n`));
    expect(lines).toEqual(['token: [secure] used']);
  });

  test('a secret split by an escape sequence (shown whole on a terminal) is redacted after cleaning', () => {
    const { t, lines } = track();
    t.push('stdout', `x ${SECRET.slice(0, 5)}\x1b[0m${SECRET.slice(5)} y\n`);
    expect(lines).toEqual(['x [secure] y']);
  });

  test('a secret with an invisible character inside (zero-width space, soft hyphen, bidi mark) is redacted after cleaning', () => {
    const { t, lines } = track();
    for (const mark of ['\u200b', '\u00ad', '\u202e', '\ufeff']) t.push('stdout', `x ${SECRET.slice(0, 7)}${mark}${SECRET.slice(7)} y\n`);
    expect(lines).toEqual(Array(4).fill('x [secure] y'));
  });

  test('encoded forms the redactor knows are redacted too', () => {
    const { t, lines } = track();
    t.push('stdout', `b64 ${Buffer.from(SECRET).toString('base64')} url ${encodeURIComponent(SECRET)}\n`);
    expect(lines[0]).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12));
    expect(lines[0]).toMatch(/^b64 \[secure\]=* url \[secure\]$/);
  });

  test('a long line is cut to the screen width with …; a huge one-line output keeps only a head', () => {
    const { t, lines } = track();
    t.push('stdout', `${'x'.repeat(500)}\n`);
    expect(lines[0]).toHaveLength(SHOWN_LINE_MAX);
    expect(lines[0].endsWith('…')).toBe(true);
    // 20 MB without a line end: nothing is passed, and what is kept stays small.
    const big = Buffer.alloc(1 << 20, 'y');
    for (let i = 0; i < 20; i++) t.push('stdout', big);
    expect(lines).toHaveLength(1);
    t.push('stdout', 'z\n');
    expect(lines[1]).toMatch(/^y{159}…$/);
  });

  test('a secret cut where a too-long line is cut short is not shown, even behind many escape sequences', () => {
    const { t, lines } = track();
    // Colour codes fill the line up to 4090 bytes (the cut at 3072 falls between two), then the secret straddles the kept head's end (4096 bytes).
    const codes = 'start ok' + '\x1b[0m'.repeat(1020) + 'ab';
    t.push('stdout', `${codes}${SECRET}${'q'.repeat(5000)}\n`);
    // The same with two-byte characters the cleaning removes (C1 controls): the cut is counted in bytes.
    t.push('stdout', `again ${'\u0085'.repeat(2042)}ab${SECRET}${'q'.repeat(5000)}\n`);
    expect(lines).toEqual(['start ok', 'again']);
  });
});

describe('shownLine', () => {
  test('the last visible line of a multi-line message, cleaned and cut', () => {
    expect(shownLine('first\nsecond\n\x1b[1m\x1b[0m\n')).toBe('second');
    expect(shownLine('')).toBe('');
    expect(shownLine('é'.repeat(400))).toHaveLength(SHOWN_LINE_MAX);
  });
});

describe('throttleLines', () => {
  test('the first line passes at once; a burst in between collapses to its latest line, passed after the interval', async () => {
    const got: string[] = [];
    const offer = throttleLines((l) => got.push(l), 50);
    for (let i = 0; i < 1000; i++) offer(`line ${i}`);
    expect(got).toEqual(['line 0']);
    await new Promise((r) => setTimeout(r, 120));
    expect(got).toEqual(['line 0', 'line 999']);
  });
});

const LOCAL: HostSpec = { name: 'local', kind: 'local', url: 'local' };

function execDeps(onLine: (l: string) => void): ExecDeps {
  return {
    ledger: new Ledger('none'),
    gateId: 'G1',
    host: LOCAL,
    signal: new AbortController().signal,
    redact,
    resolveHost: () => LOCAL,
    runDir: tempDir('gaterun-run-'),
    target: { name: 't', file: null, hosts: {}, paths: {} },
    onLine,
  };
}

describe('runExec follows the output while the command runs', () => {
  test('the line arrives before the command ends: the command waits for what the listener does with it', async () => {
    const dir = tempDir();
    const go = join(dir, 'go');
    const seen: string[] = [];
    const d = execDeps((l) => {
      seen.push(l);
      if (l === 'ready') writeFileSync(go, '');
    });
    // Without streaming the command could only end by its timeout.
    const r = await runExec(d, 'sh', ['-c', `echo ready; while [ ! -e "$1" ]; do sleep 0.05; done; echo finished`, 'sh', go], {
      timeout: 30,
    });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(seen[0]).toBe('ready');
    expect(existsSync(go)).toBe(true);
  });

  test('the buffered output, the kept logs and their digests are exactly as without following', async () => {
    const script = `printf 'a\\n\\033[1mb\\033[0m\\r c\\n'; printf 'partial ${SECRET}' >&2; echo >&2; printf tail-no-newline`;
    const lines: string[] = [];
    const followed = execDeps((l) => lines.push(l));
    const plain = { ...execDeps(() => undefined), onLine: undefined };
    const a = await runExec(followed, 'sh', ['-c', script]);
    const b = await runExec(plain, 'sh', ['-c', script]);
    expect(a.stdout).toBe('a\n\x1b[1mb\x1b[0m\r c\ntail-no-newline');
    expect(a.stdout).toBe(b.stdout);
    expect(a.stderr).toBe(b.stderr);
    expect(a.evidence.stdoutSha256).toBe(b.evidence.stdoutSha256);
    expect(a.evidence.stderrSha256).toBe(b.evidence.stderrSha256);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(sha(join(followed.runDir!, a.evidence.stdoutLog!))).toBe(a.evidence.stdoutSha256);
    expect(sha(join(followed.runDir!, a.evidence.stderrLog!))).toBe(a.evidence.stderrSha256);
    expect(readFileSync(join(followed.runDir!, a.evidence.stderrLog!), 'utf8')).toBe('partial [secure]\n');
    // What was followed: complete lines only (never the unfinished last one), the secret as [secure].
    expect(lines).toContain('partial [secure]');
    expect(lines).not.toContain('tail-no-newline');
    expect(lines.join('\n')).not.toContain(SECRET.slice(0, 8));
  });

  test("a command's own secrets (ExecOptions.secrets) are redacted in the followed line too", async () => {
    const lines: string[] = [];
    const own = 'per-command-Pw-77xx';
    await runExec(
      execDeps((l) => lines.push(l)),
      'sh',
      ['-c', 'echo "pw=$PW"; sleep 0.2'],
      { env: { PW: own }, secrets: [own] },
    );
    expect(lines).toEqual(['pw=[secure]']);
  });
});
