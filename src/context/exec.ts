// Runs child processes for gates: ledger entry, policy check, kill of the whole process group on cancel.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Evidence, ExecOptions, ExecResult, TargetInfo } from '../gate.js';
import { commandForHost, newRemotePidFile, remoteKillCommand, type HostSpec } from './hosts.js';
import { sha256Hex } from '../files/sha256.js';
import type { Ledger } from './ledger.js';
import { LastLineTracker } from './output-line.js';
import { detectSandbox, prepareRunDir, wrapCommand, writableFor, type SandboxMethod } from './sandbox.js';

const TAIL_LINES = 15;
// strerror texts bwrap prints, as the codes a plain spawn reports.
const ERRNO: Record<string, string> = {
  'No such file or directory': 'ENOENT',
  'Permission denied': 'EACCES',
  'Exec format error': 'ENOEXEC',
};
const KILL_GRACE_MS = 2000;

/** Quotes an argument for display (and for sh). */
export function quoteArg(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * The last lines of an output, for a report. NUL-separated output (find -print0, sha256sum -z) would make the report
 * binary: one record per line. Looks only at the end of the text, so a 100 MB output costs what its last lines cost.
 */
export function tail(text: string, lines = TAIL_LINES): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0 || /\s/.test(text[end - 1]))) end--;
  let start = 0;
  let cut = false;
  for (let i = end - 1, seen = 0; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if ((c === 10 || c === 0) && ++seen === lines) {
      start = i + 1;
      cut = true;
      break;
    }
  }
  const kept = text.slice(start, end).replace(/\0/g, '\n');
  return cut ? `…\n${kept}` : kept;
}

export interface ExecDeps {
  ledger: Ledger;
  gateId: string;
  host: HostSpec;
  signal: AbortSignal;
  redact: (s: string) => string;
  resolveHost: (name: string) => HostSpec;
  /** The run directory (local): writable inside the sandbox; also scopes the per-run sandbox detection. */
  runDir?: string;
  /** The target, for the paths a mutating command's scope may write (scopes:, paths.source, paths.deploy). */
  target?: TargetInfo;
  /**
   * Gets the running command's last complete output line while it runs (redacted like the logs, control characters
   * removed, cut to a screen line): progress, never evidence. Throttle it (throttleLines); absent: nothing is followed.
   */
  onLine?: (line: string) => void;
}

/** How one command is confined: recorded in its ledger entry (`detail.sandbox`, `detail.writable`). */
export interface SandboxPlan {
  method: SandboxMethod;
  /** Paths the command could write (besides the private /tmp); empty when method is none (then: anything). */
  writable: string[];
  /** Why not sandboxed, or what was left out / assumed. */
  note?: string;
  /** The argv to run on the host (bwrap … -- file args), or the plain command. */
  argv: string[];
}

/** Decides how a command runs on its host: in bwrap with only the run dir (+ scope paths when mutating) writable, or plain with the reason. */
export async function planSandbox(deps: ExecDeps, host: HostSpec, file: string, args: string[], opts: ExecOptions): Promise<SandboxPlan> {
  const plain = (note: string): SandboxPlan => ({ method: 'none', writable: [], note, argv: [file, ...args] });
  const det = await detectSandbox(host, { runKey: deps.runDir, signal: deps.signal });
  if (!det.available) return plain(det.reason);
  const local = host.kind === 'local';
  const sw = writableFor(deps.target, opts, local);
  if (!sw.known) return plain(`not confined: ${sw.notes.join('; ')}`);
  const runDir = local && deps.runDir ? prepareRunDir(deps.runDir) : undefined;
  const cwd = opts.cwd ? (local ? resolve(opts.cwd) : opts.cwd) : undefined;
  const argv = wrapCommand([file, ...args], { writable: sw.writable, runDir, cwd, remote: !local });
  const note = [
    ...(!local ? ['SSH host: the run dir is local, only the private /tmp and scope paths present on the host are writable'] : []),
    ...sw.notes,
  ];
  return {
    method: 'bwrap',
    writable: [...(runDir ? [runDir] : []), ...sw.writable],
    note: note.length ? note.join('; ') : undefined,
    argv,
  };
}

/** Runs `file args` on the gate's host; never throws for a non-zero exit, a timeout or a missing program. */
export async function runExec(deps: ExecDeps, file: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const host = opts.host ? deps.resolveHost(opts.host) : deps.host;
  const display = [file, ...args].map(quoteArg).join(' ');
  const redactAll = (s: string) => (opts.secrets ?? []).reduce((acc, sec) => (sec ? acc.split(sec).join('[secure]') : acc), deps.redact(s));
  const action = host.kind === 'ssh' ? 'ssh' : 'exec';
  const base = {
    gate: deps.gateId,
    action,
    target: redactAll(display),
    host: host.name,
    mutating: !!opts.mutates,
    scope: opts.scope ?? (opts.mutates ? 'deploy' : undefined),
  } as const;
  deps.ledger.authorize(base);

  // Commands run in the read-only sandbox where the host has one (see sandbox.ts); the ledger says which.
  const sandbox = await planSandbox(deps, host, file, args, opts);
  // On an SSH host the command runs remotely in its own process group, whose pid lands in a file so a cancel can kill it.
  const pidFile = host.kind === 'ssh' ? newRemotePidFile() : undefined;
  const routed = commandForHost(
    host,
    sandbox.argv[0],
    sandbox.argv.slice(1),
    host.kind === 'ssh' ? { cwd: opts.cwd, env: opts.env, pidFile } : {},
  );
  const started = performance.now();
  const child = execa(routed.file, routed.args, {
    cwd: host.kind === 'local' ? opts.cwd : undefined,
    env: host.kind === 'local' ? opts.env : undefined,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    reject: false,
    detached: true, // own process group, so a cancel kills the command's children too
    cleanup: true,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  // Progress only: the result below still takes the whole buffered output, so logs and digests are unchanged.
  if (deps.onLine) {
    const lines = new LastLineTracker(deps.onLine, redactAll);
    child.stdout?.on('data', (chunk: Buffer) => lines.push('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => lines.push('stderr', chunk));
  }
  let timedOut = false;
  let aborted = false;
  // With ssh ControlMaster the master holds the client's pipes until the remote command ends, so after a cancel
  // stop waiting for output after a grace period instead of waiting for the remote command.
  let giveUp: (v: null) => void = () => undefined;
  const gaveUp = new Promise<null>((res) => {
    giveUp = res;
  });
  const killGroup = () => {
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    kill('SIGTERM');
    if (pidFile) {
      const k = remoteKillCommand(host, pidFile);
      void execa(k.file, k.args, { reject: false, stdin: 'ignore', timeout: 10_000 });
    }
    setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS).unref();
    setTimeout(() => giveUp(null), KILL_GRACE_MS + 500).unref();
  };
  const onAbort = () => {
    aborted = true;
    killGroup();
  };
  if (deps.signal.aborted) onAbort();
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const timer = opts.timeout
    ? setTimeout(() => {
        timedOut = true;
        killGroup();
      }, opts.timeout * 1000)
    : undefined;
  timer?.unref();
  const raced = await Promise.race([child, gaveUp]);
  deps.signal.removeEventListener('abort', onAbort);
  if (timer) clearTimeout(timer);
  const r = raced ?? {
    stdout: '',
    stderr: 'gave up waiting for output after the cancel',
    exitCode: undefined,
    signal: 'SIGTERM',
    failed: true,
    shortMessage: 'cancelled',
  };

  const durationMs = Math.round(performance.now() - started);
  const stdout = String(r.stdout ?? '');
  // A program that could not start has no exit code; its error goes where a reader looks: stderr.
  const spawnError =
    r.failed && r.exitCode === undefined && !r.signal
      ? `could not start ${file}: ${(r as { code?: string }).code ?? (r as { shortMessage?: string }).shortMessage}`
      : '';
  // In the sandbox bwrap starts the program: its "execvp FILE: reason" (exit 1) is the same could-not-start.
  const sandboxExec =
    sandbox.method === 'bwrap' && r.exitCode === 1 ? /^bwrap: execvp [^\n]*?: ([^\n]+)\n?$/.exec(String(r.stderr ?? '')) : null;
  // Local: as a plain spawn (no exit code); SSH: as the remote shell would (127 not found, 126 not executable).
  const localStartError = sandboxExec && host.kind === 'local';
  const stderr = localStartError
    ? `could not start ${file}: ${ERRNO[sandboxExec[1]] ?? sandboxExec[1]}`
    : String(r.stderr ?? '') + spawnError;
  const exitCode = localStartError
    ? null
    : sandboxExec
      ? ERRNO[sandboxExec[1]] === 'ENOENT'
        ? 127
        : 126
      : typeof r.exitCode === 'number'
        ? r.exitCode
        : null;
  const outcome = aborted
    ? 'aborted'
    : timedOut
      ? 'timeout'
      : exitCode === null
        ? r.signal
          ? `signal ${r.signal}`
          : 'error'
        : exitCode === 0
          ? 'ok'
          : `exit ${exitCode}`;
  // Digests are of the redacted text, the bytes kept under logs/: a reviewer can check them, and a digest of a raw
  // output can never serve to confirm a guessed secret.
  const cleanOut = redactAll(stdout);
  const cleanErr = redactAll(stderr);
  const outputSha256 = sha256Hex(cleanOut + cleanErr);
  const seq = deps.ledger.record({
    ...base,
    outcome,
    outputSha256,
    detail: {
      exitCode,
      durationMs,
      cwd: opts.cwd ?? null,
      sandbox: sandbox.method,
      writable: sandbox.writable,
      ...(sandbox.note ? { sandboxNote: sandbox.note } : {}),
    },
  });
  const evidence: Evidence = {
    kind: 'exec',
    title: redactAll(display),
    command: redactAll(display),
    cwd: opts.cwd,
    exitCode,
    durationMs,
    stdoutSha256: sha256Hex(cleanOut),
    stderrSha256: sha256Hex(cleanErr),
    stdoutTail: redactAll(tail(stdout)),
    stderrTail: redactAll(tail(stderr)),
    ledger: [seq],
    ...keepLogs(deps.runDir, seq, deps.gateId, cleanOut, cleanErr),
  };
  return {
    command: redactAll(display),
    exitCode,
    signal: r.signal ?? null,
    timedOut,
    stdout,
    stderr,
    durationMs,
    ledgerSeq: seq,
    evidence,
  };
}

/** Bytes of one stream kept under logs/; more is cut, and the file says where and how much there was. */
export const LOG_CAP_BYTES = 1024 * 1024;

/**
 * Keeps an exec's full (redacted) stdout and stderr as `logs/<seq>-<gate>.out.txt` / `.err.txt` in the run dir, signed
 * with the bundle; the evidence digests are of exactly these bytes (when not cut). Nothing is kept without a run dir.
 */
function keepLogs(runDir: string | undefined, seq: number, gate: string, out: string, err: string): Partial<Evidence> {
  if (!runDir || !existsSync(runDir)) return {};
  const kept: Partial<Evidence> = {};
  try {
    mkdirSync(join(runDir, 'logs'), { recursive: true });
    const base = `logs/${String(seq).padStart(4, '0')}-${gate.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    for (const [key, ext, text] of [
      ['stdoutLog', 'out', out],
      ['stderrLog', 'err', err],
    ] as const) {
      if (!text) continue;
      const bytes = Buffer.from(text);
      const body =
        bytes.length > LOG_CAP_BYTES
          ? `${bytes.subarray(0, LOG_CAP_BYTES).toString()}\n[gaterun: cut at ${LOG_CAP_BYTES} of ${bytes.length} bytes]\n`
          : text;
      writeFileSync(join(runDir, `${base}.${ext}.txt`), body, { flag: 'wx' });
      kept[key] = `${base}.${ext}.txt`;
    }
  } catch (e) {
    kept.text = `full output not kept: ${(e as Error).message}`;
  }
  return kept;
}
