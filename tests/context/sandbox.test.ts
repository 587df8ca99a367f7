// The command sandbox on real processes, real bwrap and a real sshd: writes outside the allowed
// paths fail inside the command, escaped children die with it, and "no sandbox" is said, never hidden.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gateKinds } from '../../gates/index.js';
import type { ExecOptions, TargetInfo } from '../../src/gate.js';
import { runExec, type ExecDeps } from '../../src/context/exec.js';
import type { HostSpec } from '../../src/context/hosts.js';
import { Ledger, type MutationPolicy } from '../../src/context/ledger.js';
import { clearSandboxCache, detectSandbox, SANDBOX_ENV, wrapCommand } from '../../src/context/sandbox.js';
import { testContext } from '../helpers/host-context.js';
import { startHosts, type TestHosts } from '../helpers/hosts.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

const LOCAL: HostSpec = { name: 'local', kind: 'local', url: 'local' };
const savedEnv = process.env[SANDBOX_ENV];
let hosts: TestHosts;

beforeAll(async () => {
  hosts = await startHosts();
});
afterAll(async () => {
  await hosts.stop();
  cleanupTemp();
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env[SANDBOX_ENV];
  else process.env[SANDBOX_ENV] = savedEnv;
  clearSandboxCache();
});

function deps(opts: { runDir?: string; target?: Partial<TargetInfo>; host?: HostSpec; policy?: MutationPolicy } = {}) {
  const ledger = new Ledger(opts.policy ?? 'deploy');
  const host = opts.host ?? LOCAL;
  const d: ExecDeps = {
    ledger,
    gateId: 'G1',
    host,
    signal: new AbortController().signal,
    redact: (s) => s,
    resolveHost: (n) => (n === 'local' ? LOCAL : host),
    runDir: opts.runDir ?? tempDir('gaterun-run-'),
    target: { name: 't', file: null, hosts: {}, paths: {}, ...opts.target },
  };
  return { d, ledger };
}

const sh = (d: ExecDeps, line: string, o: ExecOptions = {}) => runExec(d, 'sh', ['-c', line], o);

/** Pids of live processes whose command line contains `marker` (works for namespaced children too). */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) out.push(Number(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('wrapCommand', () => {
  test('read-only root (the host /tmp included), fresh /dev and /proc, TMPDIR in its own /dev/shm, writable binds, pid namespace', () => {
    const argv = wrapCommand(['make', 'x'], {
      writable: ['/srv/app/sub', '/srv/app', '/opt/other/'],
      runDir: '/var/runs/r1',
      cwd: '/srv/app',
    });
    expect(argv.slice(0, 11)).toEqual([
      'bwrap',
      '--ro-bind',
      '/',
      '/',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      '--setenv',
      'TMPDIR',
      '/dev/shm',
    ]);
    const binds = argv.flatMap((a, i) => (a === '--bind' ? [argv[i + 1]] : []));
    // /srv/app/sub lies inside /srv/app: one bind covers it.
    expect(binds).toEqual(['/opt/other', '/srv/app', '/var/runs/r1']);
    expect(argv.slice(-7)).toEqual(['--unshare-pid', '--die-with-parent', '--chdir', '/srv/app', '--', 'make', 'x']);
  });

  test('the argv does not grow with the host /tmp (a busy /tmp once passed bwrap 9000-argument limit)', () => {
    const a = wrapCommand(['true'], { writable: ['/tmp/run-1'] });
    expect(a.join(' ')).toContain('--bind /tmp/run-1 /tmp/run-1');
    expect(a.length).toBeLessThan(20);
  });

  test('SSH form: paths bound with --bind-try (skipped when missing there)', () => {
    const argv = wrapCommand(['ls'], { writable: ['/opt/dot'], remote: true, cwd: '/opt' });
    expect(argv[0]).toBe('bwrap');
    expect(argv.slice(-9)).toEqual([
      '--bind-try',
      '/opt/dot',
      '/opt/dot',
      '--unshare-pid',
      '--die-with-parent',
      '--chdir',
      '/opt',
      '--',
      'ls',
    ]);
  });
});

describe('detectSandbox', () => {
  test('local: bwrap answers and a trial run starts (installed by scripts/ensure-bwrap.sh)', async () => {
    const det = await detectSandbox(LOCAL);
    expect(det).toMatchObject({ available: true, method: 'bwrap' });
    expect(det.reason).toMatch(/^bubblewrap \d+\.\d+.* \(trial run ok\)$/);
  });

  test('SSH host: detected on the host through ssh', async () => {
    const det = await detectSandbox(hosts.hosts.vps);
    expect(det).toMatchObject({ available: true, method: 'bwrap' });
  });

  test(`${SANDBOX_ENV}=off forces none and says why`, async () => {
    process.env[SANDBOX_ENV] = 'off';
    expect(await detectSandbox(LOCAL)).toEqual({ available: false, method: 'none', reason: `switched off by ${SANDBOX_ENV}=off` });
  });

  test('an unreachable SSH host: none with the reason (and not cached)', async () => {
    const bad: HostSpec = { ...hosts.hosts.vps, name: 'bad', port: 1 };
    const det = await detectSandbox(bad);
    expect(det.available).toBe(false);
    expect(det.reason).toMatch(/could not ask .*127\.0\.0\.1:1/);
  });

  test('bwrap missing from the host, or unable to start: none with the reason, and commands say so', async () => {
    const savedPath = process.env.PATH;
    const bin = tempDir('gaterun-bin-');
    symlinkSync('/bin/sh', join(bin, 'sh'));
    symlinkSync('/usr/bin/touch', join(bin, 'touch'));
    try {
      process.env.PATH = bin;
      expect(await detectSandbox(LOCAL, { runKey: 'missing' })).toEqual({
        available: false,
        method: 'none',
        reason: 'bwrap is not installed',
      });
      // A bwrap that starts nothing, as where user namespaces are off.
      writeFileSync(
        join(bin, 'bwrap'),
        '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: No permissions to create new namespace" >&2; exit 1\n',
        { mode: 0o755 },
      );
      const det = await detectSandbox(LOCAL, { runKey: 'broken' });
      expect(det).toMatchObject({ available: false, method: 'none' });
      expect(det.reason).toBe(
        'bubblewrap 0.8.0 cannot start here (user/mount namespaces off?): bwrap: No permissions to create new namespace',
      );
      const outside = join(tempDir(), 'unconfined');
      const { d, ledger } = deps({ runDir: 'broken' });
      await runExec(d, 'touch', [outside]);
      expect(existsSync(outside)).toBe(true);
      expect(ledger.entries[0].detail).toMatchObject({ sandbox: 'none', writable: [], sandboxNote: det.reason });
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('runExec in the sandbox (local)', () => {
  test('a non-mutating command cannot write outside the run dir: Read-only file system, and the file is not there', async () => {
    const outside = join(tempDir(), `outside-${randomBytes(4).toString('hex')}`);
    const { d, ledger } = deps();
    const r = await sh(d, `touch ${outside}`);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('Read-only file system');
    expect(r.evidence.stderrTail).toContain('Read-only file system');
    expect(existsSync(outside)).toBe(false);
    expect(ledger.entries[0].detail).toMatchObject({ sandbox: 'bwrap', writable: [d.runDir] });
  });

  test('the same write through the command gate in a mutation: none run FAILs showing the read-only error', async () => {
    const outside = join(tempDir(), 'some', 'outside', 'path');
    mkdirSync(join(outside, '..'), { recursive: true });
    const { ctx, ledger } = testContext({ policy: 'none' });
    const result = await gateKinds.command.run(ctx, { command: `touch ${outside}` });
    expect(result.status).toBe('FAIL');
    expect(JSON.stringify(result.evidence)).toContain('Read-only file system');
    expect(existsSync(outside)).toBe(false);
    expect(ledger.entries.map((e) => (e.detail as { sandbox: string }).sandbox)).toEqual(['bwrap']);
  });

  test('writes inside the run dir land; scratch files go to a private $TMPDIR; the host /tmp is read-only', async () => {
    const { d } = deps();
    const name = `gaterun-private-${randomBytes(4).toString('hex')}`;
    const r = await sh(d, `echo kept > run-file && echo gone > "$TMPDIR/${name}" && cat "$TMPDIR/${name}"`, { cwd: d.runDir });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('gone\n');
    expect(readFileSync(join(d.runDir!, 'run-file'), 'utf8')).toBe('kept\n');
    expect(existsSync(`/tmp/${name}`)).toBe(false);
    const tmp = await sh(d, `echo x > /tmp/${name}`, { cwd: d.runDir });
    expect(tmp.stderr).toContain('Read-only file system');
    expect(existsSync(`/tmp/${name}`)).toBe(false);
  });

  test('cwd in a read-only area: reads work (also of existing /tmp files), writes there fail', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data.txt'), 'hello\n');
    const { d } = deps();
    const read = await sh(d, 'cat data.txt && mktemp -d >/dev/null && echo mktemp-ok', { cwd: dir });
    expect(read.stdout).toBe('hello\nmktemp-ok\n');
    const write = await sh(d, 'echo x >> data.txt', { cwd: dir });
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('hello\n');
  });

  test('a mutating deploy-scope command may write its deploy path, and nothing else', async () => {
    const root = tempDir();
    const parent = join(root, 'opt', 'dot');
    mkdirSync(join(parent, 'app'), { recursive: true });
    const elsewhere = join(root, 'etc-like');
    mkdirSync(elsewhere);
    const { d, ledger } = deps({ target: { paths: { deploy: join(parent, 'app') } } });
    const ok = await sh(d, `echo v2 > ${parent}/app/VERSION && mv ${parent}/app ${parent}/app.pre && mkdir ${parent}/app`, {
      mutates: true,
      scope: 'deploy',
    });
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(join(parent, 'app.pre', 'VERSION'), 'utf8')).toBe('v2\n');
    const bad = await sh(d, `touch ${elsewhere}/x`, { mutates: true, scope: 'deploy' });
    expect(bad.stderr).toContain('Read-only file system');
    expect(existsSync(join(elsewhere, 'x'))).toBe(false);
    // The source scope is not the deploy scope: no source path in this target, so it cannot be confined and says so.
    const src = await sh(d, 'true', { mutates: true, scope: 'source' });
    expect(src.exitCode).toBe(0);
    expect(ledger.entries.map((e) => e.detail)).toEqual([
      expect.objectContaining({ sandbox: 'bwrap', writable: [d.runDir, parent] }),
      expect.objectContaining({ sandbox: 'bwrap', writable: [d.runDir, parent] }),
      expect.objectContaining({ sandbox: 'none', writable: [], sandboxNote: expect.stringContaining('scope source names no path') }),
    ]);
  });

  test('scopes: in the target overrides the default; a missing scope path is left out with a note', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'repo'));
    const { d, ledger } = deps({
      target: { paths: { source: join(root, 'elsewhere') }, scopes: { source: [join(root, 'repo'), join(root, 'nope')] } },
    });
    const r = await sh(d, `touch ${root}/repo/ok && touch ${root}/x`, { mutates: true, scope: 'source' });
    expect(existsSync(join(root, 'repo', 'ok'))).toBe(true);
    expect(r.stderr).toContain('Read-only file system');
    expect(ledger.entries[0].detail).toMatchObject({
      sandbox: 'bwrap',
      writable: [d.runDir, join(root, 'repo')],
      sandboxNote: expect.stringContaining(`${join(root, 'nope')}: does not exist, left out`),
    });
  });

  test('an escaped setsid child dies when the command times out (PID namespace)', async () => {
    const marker = `1002.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const { d, ledger } = deps();
    const r = await sh(d, `setsid sh -c 'exec sleep ${marker}' & sleep 1000`, { timeout: 2 });
    expect(r.timedOut).toBe(true);
    expect(ledger.entries[0].outcome).toBe('timeout');
    expect(processesWith(`sleep\0${marker}`)).toEqual([]);
  });

  test('an escaped child of a command that ends normally dies with it (the gate does not wait for it)', async () => {
    const marker = `1003.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const { d } = deps();
    const r = await sh(d, `setsid sh -c 'exec sleep ${marker}' & echo started`);
    expect(r.stdout).toBe('started\n');
    expect(processesWith(`sleep\0${marker}`)).toEqual([]);
  });
});

describe(`fallback without a sandbox (${SANDBOX_ENV}=off)`, () => {
  test('labelled as not enforced: sandbox none with the reason; a write outside is not stopped', async () => {
    process.env[SANDBOX_ENV] = 'off';
    const outside = join(tempDir(), 'written-anyway');
    const { d, ledger } = deps();
    const r = await sh(d, `touch ${outside}`);
    expect(r.exitCode).toBe(0);
    expect(existsSync(outside)).toBe(true);
    expect(ledger.entries[0].detail).toMatchObject({ sandbox: 'none', writable: [], sandboxNote: `switched off by ${SANDBOX_ENV}=off` });
  });

  test('documented limit: the process-group kill ends the command on timeout, but a setsid child survives it', async () => {
    process.env[SANDBOX_ENV] = 'off';
    const pidFile = join(tempDir(), 'escaped.pid');
    const { d } = deps();
    const r = await sh(d, `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1004' & sleep 1000`, { timeout: 1 });
    expect(r.timedOut).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

describe('runExec in the sandbox on an SSH host', () => {
  const vps = () => hosts.hosts.vps;

  test('the remote command is sandboxed there: write outside fails, scratch in a private $TMPDIR, ledger says bwrap', async () => {
    const outside = join(tempDir(), 'remote-outside');
    const { d, ledger } = deps({ host: vps() });
    const name = `gaterun-remote-private-${randomBytes(4).toString('hex')}`;
    const r = await sh(d, `echo hi > "$TMPDIR/${name}" && cat "$TMPDIR/${name}" && touch ${outside}`);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toContain('Read-only file system');
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(`/tmp/${name}`)).toBe(false);
    expect(ledger.entries[0]).toMatchObject({ action: 'ssh', host: 'vps', detail: { sandbox: 'bwrap', writable: [] } });
  });

  test('a mutating deploy command writes its deploy scope on the host; reads of existing files work', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'dot', 'app'), { recursive: true });
    writeFileSync(join(root, 'dot', 'app', 'a'), 'A');
    const { d, ledger } = deps({ host: vps(), target: { scopes: { deploy: [join(root, 'dot')] } } });
    const r = await sh(d, 'cat a && cp a ../b && touch ../../nope', { cwd: join(root, 'dot', 'app'), mutates: true, scope: 'deploy' });
    expect(r.stdout).toBe('A');
    expect(readFileSync(join(root, 'dot', 'b'), 'utf8')).toBe('A');
    expect(r.stderr).toContain('Read-only file system');
    expect(existsSync(join(root, 'nope'))).toBe(false);
    expect(ledger.entries[0].detail).toMatchObject({ sandbox: 'bwrap', writable: [join(root, 'dot')] });
  });

  test('a remote escaped setsid child dies when the command times out', async () => {
    const marker = `1005.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const { d } = deps({ host: vps() });
    const r = await sh(d, `setsid sh -c 'exec sleep ${marker}' & sleep 1000`, { timeout: 2 });
    expect(r.timedOut).toBe(true);
    // The remote kill runs asynchronously after the timeout; give it a moment by polling the process table.
    let left = processesWith(`sleep\0${marker}`);
    for (let i = 0; i < 50 && left.length; i++) {
      await new Promise((res) => setTimeout(res, 100));
      left = processesWith(`sleep\0${marker}`);
    }
    expect(left).toEqual([]);
  });
});
