// Atomic file writes: a reader sees the old file or the whole new one, never half of it.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Writes a file by temp file + fsync + rename, so a reader never sees half of it. */
export function writeFileAtomic(path: string, data: string | Buffer, options: { sync?: boolean } = {}): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (options.sync !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp); // a leftover temp file in a run dir would later show up as an extra file
    throw e;
  }
}
