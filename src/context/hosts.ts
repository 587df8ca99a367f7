// Hosts of a target: `local` or `ssh://user@host:port`, and how a command reaches them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TargetInfo } from '../gate.js';
import { sha256Hex } from '../files/sha256.js';

export interface HostSpec {
  name: string;
  kind: 'local' | 'ssh';
  url: string;
  user?: string;
  hostname?: string;
  port?: number;
  identity?: string;
  knownHosts?: string;
}

/** Looks up a host of the target by name; `local` always exists. */
export function resolveHost(target: TargetInfo, name: string): HostSpec {
  if (name === 'local') return { name, kind: 'local', url: 'local' };
  const raw = (target.hostSpecs as Record<string, HostSpec> | undefined)?.[name];
  if (!raw) throw new Error(`unknown host "${name}": the target declares ${Object.keys(target.hosts).concat('local').join(', ')}`);
  return raw;
}

/** Parses a target's host entry (`local`, `ssh://user@host:port`, or {url, identity, known_hosts}). */
export function parseHost(
  name: string,
  entry: string | { url: string; identity?: string; known_hosts?: string },
  baseDir: string,
): HostSpec {
  const url = typeof entry === 'string' ? entry : entry.url;
  if (url === 'local') return { name, kind: 'local', url };
  const m = /^ssh:\/\/([^@/\s]+)@([^:/\s]+)(?::(\d+))?$/.exec(url);
  if (!m) throw new Error(`host "${name}": expected local or ssh://user@host:port, got ${url}`);
  const spec: HostSpec = { name, kind: 'ssh', url, user: m[1], hostname: m[2], port: m[3] ? Number(m[3]) : 22 };
  if (typeof entry !== 'string') {
    const abs = (p: string) => (p.startsWith('/') ? p : `${baseDir}/${p}`);
    if (entry.identity) spec.identity = abs(entry.identity);
    if (entry.known_hosts) spec.knownHosts = abs(entry.known_hosts);
  }
  return spec;
}

/** `user@host:port` or `local`, for reports and messages. */
export function hostDisplay(spec: HostSpec): string {
  return spec.kind === 'local' ? 'local' : `${spec.user}@${spec.hostname}:${spec.port ?? 22}`;
}

/** Quotes words for a POSIX shell (single quotes; safe for any byte but NUL). */
export function shellQuote(words: string | string[]): string {
  const list = typeof words === 'string' ? [words] : words;
  return list
    .map((w) => {
      if (w.includes('\0')) throw new Error('cannot pass a NUL byte through a shell command line');
      return w !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}

// One ControlPath directory per process: sockets live at most as long as the run, and %C keeps
// the path short (unix sockets are limited to ~104 bytes, so no deep temp dirs here).
let controlDir: string | null = null;
const usedSsh = new Map<string, HostSpec>();

function ensureControlDir(): string {
  if (!controlDir) {
    const base = tmpdir().length <= 20 ? tmpdir() : '/tmp';
    controlDir = mkdtempSync(join(base, 'grs-'));
    mkdirSync(controlDir, { recursive: true, mode: 0o700 });
  }
  return controlDir;
}

/** The `-o` options shared by ssh and scp for a host (no port flag: ssh uses -p, scp -P). */
export function sshOptions(spec: HostSpec): string[] {
  const opts = [
    '-o',
    'BatchMode=yes',
    '-o',
    'ControlMaster=auto',
    // %C hashes user/host/port only; the key prefix keeps a master opened with one identity or
    // known_hosts file from being reused by a spec that names another.
    '-o',
    `ControlPath=${ensureControlDir()}/${sha256Hex(`${spec.identity ?? ''}\0${spec.knownHosts ?? ''}`).slice(0, 8)}-%C`,
    '-o',
    'ControlPersist=60',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
  ];
  if (spec.identity) opts.push('-i', spec.identity, '-o', 'IdentitiesOnly=yes');
  if (spec.knownHosts) opts.push('-o', `UserKnownHostsFile=${spec.knownHosts}`, '-o', 'StrictHostKeyChecking=yes');
  return opts;
}

// Keyed like the ControlPath (user/host/port + identity + known_hosts) so closeHosts reaches every master.
function remember(spec: HostSpec): void {
  usedSsh.set(`${hostDisplay(spec)}\0${spec.identity ?? ''}\0${spec.knownHosts ?? ''}`, spec);
}

function destination(spec: HostSpec): string {
  return `${spec.user}@${spec.hostname}`;
}

/** Options that change how a command runs on its host. */
export interface HostCommandOptions {
  /** Working directory on the host (for SSH it becomes `cd DIR &&`; for local pass it to the spawner). */
  cwd?: string;
  /** Environment for the command on the host (SSH: `env K=V`, since sshd drops client env). */
  env?: Record<string, string>;
  /** SSH only: a remote path (from newRemotePidFile) where the command's process group id is kept while it runs, for remoteKillCommand. */
  pidFile?: string;
}

/** A fresh remote pid-file path for one SSH command (see remoteKillCommand). */
export function newRemotePidFile(): string {
  return `/tmp/gaterun-${randomBytes(8).toString('hex')}.pid`;
}

/**
 * The command that stops a running SSH command started with `pidFile`: SIGTERM to its whole
 * remote process group. Needed because killing the local ssh client does not end the remote
 * command (the ControlMaster holds the session, and without a tty nothing sends SIGHUP).
 */
export function remoteKillCommand(spec: HostSpec, pidFile: string): { file: string; args: string[] } {
  return commandForHost(spec, 'sh', [
    '-c',
    'p=$(cat "$1" 2>/dev/null) && [ -n "$p" ] && kill -s TERM -- "-$p" 2>/dev/null; rm -f "$1"; exit 0',
    'sh',
    pidFile,
  ]);
}

/**
 * Turns a program + args into the command that runs it on the host.
 * Local: unchanged (the caller passes cwd/env to its spawner). SSH: `ssh [opts] -p P user@host -- '<quoted>'`.
 */
export function commandForHost(
  spec: HostSpec,
  file: string,
  args: string[],
  options: HostCommandOptions = {},
): { file: string; args: string[] } {
  if (spec.kind === 'local') return { file, args };
  remember(spec);
  const envWords = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  let remote = shellQuote([...(envWords.length ? ['env', ...envWords] : []), file, ...args]);
  if (options.pidFile) {
    // sshd starts each session's shell with setsid(), and `exec` keeps that pid, so $$ is the
    // process group of everything the command starts: remoteKillCommand signals the group.
    remote = `exec sh -c ${shellQuote('echo $$ > "$0" || exit 125; "$@"; s=$?; rm -f "$0"; exit $s')} ${shellQuote(options.pidFile)} ${remote}`;
  }
  if (options.cwd) remote = `cd ${shellQuote(options.cwd)} && ${remote}`;
  return { file: 'ssh', args: [...sshOptions(spec), '-p', String(spec.port ?? 22), destination(spec), '--', remote] };
}

/** The command that copies a local file to a path on the host (cp for local, scp for SSH). */
export function copyCommandForHost(spec: HostSpec, localPath: string, remotePath: string): { file: string; args: string[] } {
  if (spec.kind === 'local') return { file: 'cp', args: ['--', localPath, remotePath] };
  remember(spec);
  // scp in SFTP mode (OpenSSH >= 9) does not pass the remote path through a shell.
  return {
    file: 'scp',
    args: ['-q', '-B', ...sshOptions(spec), '-P', String(spec.port ?? 22), '--', localPath, `${destination(spec)}:${remotePath}`],
  };
}

/** Copies a local file to the host and returns what happened (never throws on a failed copy). */
export async function copyToHost(
  spec: HostSpec,
  localPath: string,
  remotePath: string,
  signal?: AbortSignal,
): Promise<{ ok: boolean; command: string; exitCode: number | null; stderr: string; durationMs: number }> {
  const cmd = copyCommandForHost(spec, localPath, remotePath);
  const started = Date.now();
  const r = await execa(cmd.file, cmd.args, { reject: false, stdin: 'ignore', cancelSignal: signal });
  return {
    ok: r.exitCode === 0,
    command: [cmd.file, ...cmd.args].join(' '),
    exitCode: r.exitCode ?? null,
    stderr: String(r.stderr ?? ''),
    durationMs: Date.now() - started,
  };
}

/**
 * Explains an ssh transport failure (exit 255) in one line naming the host, or null when the
 * result is not an ssh failure. Never includes key material: ssh only prints paths and reasons.
 */
export function sshFailureReason(display: string, exitCode: number | null, stderr: string): string | null {
  if (exitCode !== 255) return null;
  const s = stderr;
  const why = /Permission denied/i.test(s)
    ? 'key refused (Permission denied)'
    : /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(s)
      ? 'host key not trusted (Host key verification failed)'
      : /Connection refused/i.test(s)
        ? 'unreachable (connection refused)'
        : /timed out/i.test(s)
          ? 'unreachable (connection timed out)'
          : /Could not resolve hostname|Name or service not known/i.test(s)
            ? 'unreachable (host name does not resolve)'
            : /No route to host|Network is unreachable/i.test(s)
              ? 'unreachable (no route to host)'
              : /Identity file .* not accessible|Load key .*: /i.test(s)
                ? 'identity file not usable'
                : `ssh failed: ${s.trim().split('\n').filter(Boolean).pop()?.slice(0, 200) ?? 'exit 255'}`;
  return `host ${display}: ${why}`;
}

/** Checks that a host accepts a command (runs `true`); `{ok:false, reason}` names the host. */
export async function checkHost(spec: HostSpec, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (spec.kind === 'local') return { ok: true };
  const cmd = commandForHost(spec, 'true', []);
  const r = await execa(cmd.file, cmd.args, { reject: false, stdin: 'ignore', timeout: 15_000, cancelSignal: signal });
  if (r.exitCode === 0) return { ok: true };
  return {
    ok: false,
    reason:
      sshFailureReason(hostDisplay(spec), r.exitCode ?? 255, String(r.stderr ?? '')) ??
      `host ${hostDisplay(spec)}: \`true\` exited ${r.exitCode}`,
  };
}

/** Ends the ControlMaster connections this process opened and removes their socket directory. */
export async function closeHosts(): Promise<void> {
  const specs = [...usedSsh.values()];
  usedSsh.clear();
  await Promise.all(
    specs.map((spec) =>
      execa('ssh', [...sshOptions(spec), '-p', String(spec.port ?? 22), '-O', 'exit', destination(spec)], {
        reject: false,
        stdin: 'ignore',
        timeout: 10_000,
      }),
    ),
  );
  if (controlDir) {
    rmSync(controlDir, { recursive: true, force: true });
    controlDir = null;
  }
}
