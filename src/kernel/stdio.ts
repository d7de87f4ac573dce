// write(2) to standard output and standard error, with errno turned into meaning here.
import fs from 'node:fs';
import { errnoCode } from '../failure.js';

export const STDOUT = 1;
export const STDERR = 2;

/** Why a write could not finish: the reader has gone, or another failure by errno name. */
export type WriteFailure = { readonly readerGone: true } | { readonly readerGone: false; readonly code: string };

/**
 * Writes all of bytes to fd; null when done. EPIPE (Node ignores SIGPIPE, so the write fails
 * instead of killing us) means the reader has gone.
 */
export function writeAll(fd: number, bytes: Uint8Array): WriteFailure | null {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EPIPE') return { readerGone: true };
      // Standard output left non-blocking by whoever made it (a shared pipe): wait and retry.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      return { readerGone: false, code };
    }
  }
  return null;
}
