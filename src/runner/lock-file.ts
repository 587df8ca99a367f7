// The per-target run lock on this machine: a lock file in gaterun's state directory, created exclusively.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../files/sha256.js';

/** Who holds a run lock. */
export interface LockHolder {
  runId: string;
  host: string;
  pid: number;
  since?: string | null;
  target?: string;
}

export type LockFileResult = { acquired: true; file: string; release: () => void } | { acquired: false; file: string; holder: LockHolder };

/** gaterun's state directory: $GATERUN_STATE_DIR, else $XDG_STATE_HOME/gaterun, else ~/.local/state/gaterun. */
export function stateDir(): string {
  if (process.env.GATERUN_STATE_DIR) return process.env.GATERUN_STATE_DIR;
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'gaterun');
}

/** True while a process with this pid exists on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null; // being written or removed right now
  }
}

/**
 * Takes the lock named `key` once: creates its file exclusively with the holder inside. A file left by a process of
 * this machine that no longer exists (a SIGKILLed run) is stale and replaced; any other holder is reported.
 */
export function takeLockFile(key: string, holder: LockHolder): LockFileResult {
  const dir = join(stateDir(), 'locks');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${sha256Hex(key).slice(0, 24)}.lock`);
  const body = JSON.stringify({ ...holder, since: new Date().toISOString(), target: key });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, body);
      } finally {
        closeSync(fd);
      }
      return {
        acquired: true,
        file,
        release: () => {
          if (readHolder(file)?.runId === holder.runId) unlinkSync(file);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held = readHolder(file);
      if (!held) {
        // Another run has created the file and is writing its holder: give it a moment before judging it.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        held = readHolder(file);
        if (!held && Date.now() - mtimeMs(file) < 5000)
          return { acquired: false, file, holder: { runId: 'unknown (starting)', host: 'unknown', pid: 0 } };
      }
      if (held && (held.host !== hostname() || alive(held.pid))) return { acquired: false, file, holder: held };
      try {
        unlinkSync(file); // stale: its run died without releasing it
      } catch {
        /* another run removed it first; try again */
      }
    }
  }
  const held = readHolder(file);
  return { acquired: false, file, holder: held ?? { runId: 'unknown', host: 'unknown', pid: 0 } };
}
