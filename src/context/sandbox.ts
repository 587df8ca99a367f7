// The read-only command sandbox (bubblewrap): detection once per host and run, the bwrap argv,
// and which paths a command may write under the macro's policy scope.
//
// Inside the sandbox: the whole filesystem is a read-only view; the writable paths (the run dir,
// the policy scope's paths) are bound read-write; /tmp is a private tmpfs in which the host's
// existing /tmp entries stay readable (read-only, through symlinks into a read-only bind of the real
// /tmp); /dev and /proc are fresh; a PID namespace that dies with the command's process ends every
// child, including ones that escaped with setsid.
//
// Without a usable bwrap (not installed, user/mount namespaces off, or GATERUN_SANDBOX=off) commands
// run as before and every ledger entry says `sandbox: none` with the reason. The fallback still kills
// the command's process group on timeout or cancel; it cannot reach a child that left the group
// (setsid, daemonised), which then outlives the gate.
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { execa } from 'execa';
import type { TargetInfo } from '../gate.js';
import { commandForHost, hostDisplay, type HostSpec } from './hosts.js';

/** How a command was confined. */
export type SandboxMethod = 'bwrap' | 'none';

/** What a host offers, found once per host and run. */
export interface SandboxDetection {
  available: boolean;
  method: SandboxMethod;
  /** Why (not) — e.g. `bubblewrap 0.8.0 (trial run ok)`, `bwrap is not installed`, `GATERUN_SANDBOX=off`. */
  reason: string;
}

/** Set to `off` (or 0/false/no) to run every command without the sandbox; the ledger then says `sandbox: none`. */
export const SANDBOX_ENV = 'GATERUN_SANDBOX';

const TRIAL = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent', 'true'];

// One shell for both local and SSH hosts: installed? version? does a real trial start?
const DETECT_SCRIPT = [
  'command -v bwrap >/dev/null 2>&1 || { echo "bwrap is not installed"; exit 10; }',
  'v=$(bwrap --version 2>&1) || { echo "bwrap --version failed: $v"; exit 11; }',
  'e=$(bwrap "$@" 2>&1) || { echo "$v cannot start here (user/mount namespaces off?): $e"; exit 12; }',
  'echo "$v"',
].join('\n');

const cache = new Map<string, Promise<SandboxDetection>>();
const CACHE_MAX = 256;

/** The reason the sandbox is switched off by GATERUN_SANDBOX, or null when it is not. */
export function sandboxForcedOff(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env[SANDBOX_ENV]?.trim().toLowerCase();
  return v && ['off', '0', 'false', 'no', 'none'].includes(v) ? `${SANDBOX_ENV}=${env[SANDBOX_ENV]}` : null;
}

function hostKey(host: HostSpec): string {
  return host.kind === 'local' ? 'local' : `${hostDisplay(host)}\0${host.identity ?? ''}\0${host.knownHosts ?? ''}`;
}

/**
 * Finds out once per host and run whether commands there can run in bubblewrap: `bwrap --version`
 * plus a real trial start, through the same ssh path the commands take. `runKey` scopes the cache
 * (the run dir); an unreachable SSH host is not cached.
 */
export function detectSandbox(host: HostSpec, options: { runKey?: string; signal?: AbortSignal } = {}): Promise<SandboxDetection> {
  const off = sandboxForcedOff();
  if (off) return Promise.resolve({ available: false, method: 'none', reason: `switched off by ${off}` });
  const key = `${options.runKey ?? ''}\0${hostKey(host)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = probe(host, options.signal).then((r) => {
    if (!r.cache) cache.delete(key);
    return r.detection;
  });
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, p);
  return p;
}

/** Forgets every detection (tests; a long-lived process between runs). */
export function clearSandboxCache(): void {
  cache.clear();
}

async function probe(host: HostSpec, signal?: AbortSignal): Promise<{ detection: SandboxDetection; cache: boolean }> {
  const cmd = commandForHost(host, 'sh', ['-c', DETECT_SCRIPT, 'sh', ...TRIAL]);
  const r = await execa(cmd.file, cmd.args, { reject: false, stdin: 'ignore', timeout: 15_000, cancelSignal: signal, encoding: 'utf8' });
  const out = `${String(r.stdout ?? '').trim()}${r.stderr ? ` ${String(r.stderr).trim()}` : ''}`.trim();
  if (r.exitCode === 0) return { detection: { available: true, method: 'bwrap', reason: `${out} (trial run ok)` }, cache: true };
  if (host.kind === 'ssh' && (r.exitCode === 255 || r.exitCode === undefined))
    return {
      detection: { available: false, method: 'none', reason: `could not ask ${hostDisplay(host)}: ${out || 'ssh failed'}` },
      cache: false,
    };
  if (r.exitCode === undefined)
    return { detection: { available: false, method: 'none', reason: `detection did not run: ${r.shortMessage}` }, cache: false };
  return { detection: { available: false, method: 'none', reason: out.split('\n')[0].slice(0, 300) || `exit ${r.exitCode}` }, cache: true };
}

/** Options for wrapCommand. */
export interface WrapOptions {
  /** Paths bound read-write (absolute; on the command's host). */
  writable: string[];
  /** The run directory (local hosts only: it is a path on this machine); bound read-write. */
  runDir?: string;
  /** A private tmpfs /tmp in which the host's existing /tmp entries stay readable (default true). */
  privateTmp?: boolean;
  /** Working directory inside the sandbox (reads work anywhere; writes only where bound). */
  cwd?: string;
  /**
   * The command runs on an SSH host: the host's /tmp is listed there (by a small sh wrapper), and
   * writable paths are bound with --bind-try (a path missing on that host is skipped, not an error).
   */
  remote?: boolean;
  /** Local only: the host's /tmp entry names (default: read now). */
  tmpEntries?: string[];
}

const normalize = (p: string) => (p === '/' ? '/' : posix.normalize(p).replace(/\/+$/, ''));
const depth = (p: string) => (p === '/' ? 0 : p.split('/').length);
const under = (p: string, root: string) => root === '/' || p === root || p.startsWith(`${root}/`);

/**
 * The argv that runs `argv` in bubblewrap: read-only `/`, fresh /dev and /proc, TMPDIR in its own /dev/shm, the
 * writable paths (and run dir) bound read-write, `--unshare-pid --die-with-parent`, `--chdir cwd`.
 */
export function wrapCommand(argv: string[], o: WrapOptions): string[] {
  const paths = [...new Set([...(o.runDir ? [o.runDir] : []), ...o.writable].map(normalize))]
    // /dev and /proc are the sandbox's own; binding host paths there would only break them.
    .filter((p) => !under(p, '/dev') && !under(p, '/proc'))
    .sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const rootWritable = paths.includes('/');
  const binds: string[] = [];
  for (const p of paths) {
    if (p === '/') continue;
    // A path inside another writable path is already writable.
    if (paths.some((q) => q !== p && under(p, q) && q !== '/')) continue;
    binds.push(o.remote ? '--bind-try' : '--bind', p, p);
  }
  // The host's /tmp stays readable where it is (read-only, like everything not bound); scratch space is the sandbox's own
  // /dev/shm (a tmpfs that dies with it) as TMPDIR. Listing /tmp entry by entry hit bwrap's 9000-argument limit on
  // a machine with a busy /tmp, and cost ~18 µs an entry.
  const tmp = (o.privateTmp ?? true) && !rootWritable ? ['--setenv', 'TMPDIR', '/dev/shm'] : [];
  const head = [rootWritable ? '--bind' : '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', ...tmp];
  const tail = ['--unshare-pid', '--die-with-parent', ...(o.cwd ? ['--chdir', o.cwd] : []), '--', ...argv];
  return ['bwrap', ...head, ...binds, ...tail];
}

/** The paths a command's policy scope lets it write, and notes on paths left out. */
export interface ScopeWritable {
  /** Paths to bind read-write (resolved; for local hosts only existing ones). */
  writable: string[];
  /** One line per path left out or per assumption made, for the ledger entry. */
  notes: string[];
  /** False when the scope names no path at all: the command cannot be confined to its scope. */
  known: boolean;
}

/** The paths of a policy scope (`source` / `deploy`) from the target: `scopes:` first, else the defaults (see scopePathsOf). */
export function scopePaths(target: TargetInfo | undefined, scope: 'source' | 'deploy'): { paths: string[]; from: string } {
  const declared = (target?.scopes as Record<string, string[] | undefined> | undefined)?.[scope];
  if (declared) return { paths: declared, from: `target scopes.${scope}` };
  const p = target?.paths ?? {};
  // Defaults from what the gates already use: git-commit/`source` commands write the source repo;
  // deploy renames siblings of the live dir (backup, staging, incoming), so its parent must be writable.
  if (scope === 'source') return p.source ? { paths: [p.source], from: 'target paths.source' } : { paths: [], from: 'nothing' };
  return p.deploy ? { paths: [dirname(p.deploy)], from: 'the parent of target paths.deploy' } : { paths: [], from: 'nothing' };
}

/**
 * What a command may write: nothing but the run dir when it is not mutating (or scope `run`);
 * the scope's paths otherwise. Local paths are resolved (symlinks) and missing ones left out with a
 * note; the run dir is created when missing. SSH paths are kept as given (bound only if present).
 */
export function writableFor(
  target: TargetInfo | undefined,
  opts: { mutates?: boolean; scope?: 'run' | 'source' | 'deploy' },
  local: boolean,
): ScopeWritable {
  const scope = opts.mutates ? (opts.scope ?? 'deploy') : 'run';
  if (scope === 'run') return { writable: [], notes: [], known: true };
  const { paths, from } = scopePaths(target, scope);
  if (!paths.length)
    return {
      writable: [],
      notes: [`scope ${scope} names no path (set scopes.${scope} or paths.${scope} in the target)`],
      known: false,
    };
  const notes: string[] = [`scope ${scope} from ${from}`];
  const writable: string[] = [];
  for (const raw of paths) {
    if (!isAbsolute(raw)) {
      notes.push(`${raw}: not an absolute path, left read-only`);
      continue;
    }
    if (!local) {
      writable.push(normalize(raw));
      continue;
    }
    if (!existsSync(raw)) {
      notes.push(`${raw}: does not exist, left out (create it in an earlier step to make it writable)`);
      continue;
    }
    writable.push(realpathSync(raw));
  }
  return { writable, notes, known: true };
}

/** Makes sure the run dir exists (bwrap cannot bind a missing path) and returns its real path. */
export function prepareRunDir(runDir: string): string {
  const abs = resolve(runDir);
  if (!existsSync(abs)) mkdirSync(abs, { recursive: true });
  return realpathSync(abs);
}
