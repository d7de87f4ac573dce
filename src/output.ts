// Writing to standard output and standard error with plain write(2): a reader that has gone
// away is not an error, and a failed write is reported once.
import * as fs from 'node:fs';
import { errnoCode, ToolFailure } from './failure';

const STDOUT = 1;
const STDERR = 2;
/** Large enough that a big document takes few write(2) calls, small enough to bound memory. */
const CHUNK = 1 << 16;

/** The reader of standard output closed it: the run ends quietly, with status 0. */
export class ReaderGone extends Error {}

/**
 * Writes all of text to standard output. EPIPE (Node ignores SIGPIPE, so the write fails
 * instead of killing us) throws ReaderGone; any other failure is a ToolFailure.
 */
export function writeOutput(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(STDOUT, bytes, offset);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EPIPE') throw new ReaderGone();
      // Standard output left non-blocking by whoever made it (a shared pipe): wait and retry.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw new ToolFailure(`cannot write to standard output (${code})`);
    }
  }
}

/** Writes a view's pieces as they come, gathered into chunks of about CHUNK characters. */
export function writeChunks(chunks: Iterable<string>): void {
  let pending = '';
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= CHUNK) {
      writeOutput(pending);
      pending = '';
    }
  }
  if (pending !== '') writeOutput(pending);
}

/** One line on standard error, prefixed with the tool's name. Best effort: stderr may be gone. */
export function complain(message: string): void {
  try {
    fs.writeSync(STDERR, `userns-overview: ${message}\n`);
  } catch {
    // Nowhere left to report to.
  }
}
