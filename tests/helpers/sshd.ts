// A real OpenSSH server on 127.0.0.1 with throwaway host and user keys, for SSH host tests.
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { HostSpec } from '../../src/context/hosts.js';
import { run } from './run.js';

export interface TestSshd {
  port: number;
  dir: string;
  /** A host spec that reaches this server (user key + pinned host key). */
  spec(name?: string): HostSpec;
  /** Path of the user's private key (never read by gaterun, only passed to ssh -i). */
  identity: string;
  knownHosts: string;
  stop(): Promise<void>;
}

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when /usr/sbin/sshd exists (scripts/ensure-sshd.sh installs it). */
export function sshdAvailable(): boolean {
  return existsSync('/usr/sbin/sshd');
}

/** Starts `sshd -D -e -f <temp config>` on 127.0.0.1:<free port>; resolves once it listens. */
export async function startSshd(): Promise<TestSshd> {
  if (!sshdAvailable()) throw new Error('/usr/sbin/sshd is missing: run scripts/ensure-sshd.sh');
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-sshd-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gaterun-test-host', '-f', join(dir, 'host_ed25519')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gaterun-test-user', '-f', join(dir, 'user_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_ed25519.pub')), { mode: 0o600 });
  const port = await freePort();
  const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  const user = userInfo().username;
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `AllowUsers ${user}`,
      'MaxSessions 50',
      'MaxStartups 50:30:100',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // Log to a file, not a pipe: per-connection sshd children outlive the listener for a moment and
  // would hold a pipe (and the test process) open.
  const log = join(dir, 'sshd.log');
  const child: ResultPromise = execa('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: { file: log },
    cleanup: false,
  });
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  const ready = await waitForPort(port, () => exited, 10_000);
  if (!ready) {
    child.kill('SIGTERM');
    await child;
    const why = readFileSync(log, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd did not start on 127.0.0.1:${port}: ${why}`);
  }
  const identity = join(dir, 'user_ed25519');
  const knownHosts = join(dir, 'known_hosts');
  return {
    port,
    dir,
    identity,
    knownHosts,
    spec: (name = 'vps') => ({
      name,
      kind: 'ssh',
      url: `ssh://${user}@127.0.0.1:${port}`,
      user,
      hostname: '127.0.0.1',
      port,
      identity,
      knownHosts,
    }),
    async stop() {
      // Wait for sshd itself, not its stderr: session children may still hold that pipe.
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, gaveUp: () => boolean, ms: number): Promise<boolean> {
  const { connect } = await import('node:net');
  const until = Date.now() + ms;
  while (Date.now() < until && !gaveUp()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
