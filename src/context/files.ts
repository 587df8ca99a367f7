// ctx.files: read-only file access on a gate's host (node:fs locally, cat/find/test over SSH), each call in the ledger.
import { execa } from 'execa';
import { readdir, readFile, stat } from 'node:fs/promises';
import { FileAccessError, type FileAccess, type FileEntry } from '../gate.js';
import { commandForHost, hostDisplay, sshFailureReason, type HostSpec } from './hosts.js';
import { sha256Hex } from '../files/sha256.js';
import type { Ledger } from './ledger.js';

export interface FilesDeps {
  ledger: Ledger;
  gateId: string;
  /** The gate's host. */
  host: HostSpec;
  resolveHost: (name: string) => HostSpec;
  signal: AbortSignal;
}

/** Runs a read-only command on an SSH host; stdout as bytes. */
async function onHost(h: HostSpec, file: string, args: string[], signal: AbortSignal) {
  const cmd = commandForHost(h, file, args);
  const r = await execa(cmd.file, cmd.args, {
    reject: false,
    stdin: 'ignore',
    encoding: 'buffer',
    cancelSignal: signal,
    maxBuffer: 1024 ** 3,
  });
  const stderr = Buffer.from(r.stderr ?? '').toString('utf8');
  return { exitCode: r.exitCode ?? null, stdout: Buffer.from(r.stdout ?? ''), stderr };
}

const firstLine = (s: string) => s.trim().split('\n')[0] || 'no reason given';

/** Builds ctx.files for one gate. */
export function createFileAccess(deps: FilesDeps): FileAccess {
  const hostOf = (o?: { host?: string }) => (o?.host ? deps.resolveHost(o.host) : deps.host);
  const record = (action: 'file.read' | 'file.list', h: HostSpec, path: string, outcome: string, extra: object = {}) =>
    deps.ledger.record({ gate: deps.gateId, action, target: path, host: h.name, mutating: false, outcome, ...extra });
  const failure = (action: 'file.read' | 'file.list', h: HostSpec, path: string, why: string): FileAccessError => {
    record(action, h, path, 'error', { detail: { error: why } });
    return new FileAccessError(`cannot ${action === 'file.read' ? 'read' : 'list'} ${hostDisplay(h)}:${path}: ${why}`, path, h.name);
  };

  return {
    async read(path, options) {
      const h = hostOf(options);
      let data: Buffer;
      if (h.kind === 'local') {
        try {
          data = await readFile(path);
        } catch (e) {
          throw failure('file.read', h, path, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
        }
      } else {
        const r = await onHost(h, 'cat', ['--', path], deps.signal);
        if (r.exitCode !== 0)
          throw failure('file.read', h, path, sshFailureReason(hostDisplay(h), r.exitCode, r.stderr) ?? firstLine(r.stderr));
        data = r.stdout;
      }
      record('file.read', h, path, 'ok', { outputSha256: sha256Hex(data), detail: { bytes: data.length } });
      return data;
    },

    async list(dir, options) {
      const h = hostOf(options);
      let entries: FileEntry[];
      if (h.kind === 'local') {
        try {
          entries = (await readdir(dir, { withFileTypes: true })).map((d) => ({
            name: d.name,
            type: d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other',
          }));
        } catch (e) {
          throw failure('file.list', h, dir, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
        }
      } else {
        // GNU find: one "<type> <name>" record per entry, NUL-terminated so any file name survives; symlinks are not followed.
        const r = await onHost(h, 'find', [dir, '-mindepth', '1', '-maxdepth', '1', '-printf', '%y %f\\0'], deps.signal);
        if (r.exitCode !== 0)
          throw failure('file.list', h, dir, sshFailureReason(hostDisplay(h), r.exitCode, r.stderr) ?? firstLine(r.stderr));
        entries = r.stdout
          .toString('utf8')
          .split('\0')
          .filter(Boolean)
          .map((rec) => ({ name: rec.slice(2), type: rec[0] === 'f' ? 'file' : rec[0] === 'd' ? 'dir' : 'other' }));
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      record('file.list', h, dir, 'ok', { detail: { entries: entries.length } });
      return entries;
    },

    async exists(path, options) {
      const h = hostOf(options);
      let found: boolean;
      if (h.kind === 'local') found = (await stat(path).catch(() => null)) !== null;
      else {
        const r = await onHost(h, 'test', ['-e', path], deps.signal);
        const why = sshFailureReason(hostDisplay(h), r.exitCode, r.stderr);
        if (why) throw failure('file.list', h, path, why);
        found = r.exitCode === 0;
      }
      record('file.list', h, path, 'ok', { detail: { exists: found } });
      return found;
    },
  };
}
