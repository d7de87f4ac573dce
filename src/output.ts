// Writing to standard output and standard error with plain write(2): the tree goes out in one
// piece, a reader that has gone away is not an error, and a failed write is reported once.
import * as fs from 'node:fs';
import { errnoCode, ToolFailure } from './failure';

const STDOUT = 1;
const STDERR = 2;

/**
 * Writes all of text to standard output. Returns false when the reader closed the pipe
 * (EPIPE: Node ignores SIGPIPE, so the write fails instead of killing us), which callers treat
 * as a normal end. Any other failure is a ToolFailure.
 */
export function writeOutput(text: string): boolean {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(STDOUT, bytes, offset);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EPIPE') return false;
      // Standard output left non-blocking by whoever made it (a shared pipe): wait and retry.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw new ToolFailure(`cannot write to standard output (${code})`);
    }
  }
  return true;
}

/** One line on standard error, prefixed with the tool's name. Best effort: stderr may be gone. */
export function complain(message: string): void {
  try {
    fs.writeSync(STDERR, `userns-overview: ${message}\n`);
  } catch {
    // Nowhere left to report to.
  }
}
