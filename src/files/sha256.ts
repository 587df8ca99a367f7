// The one sha256 helper: hex digests of strings and buffers.
import { createHash } from 'node:crypto';

/** Hex sha256 of a string or buffer. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
