// The output and the warnings, through plain write(2) (src/kernel/stdio.ts): a reader that has
// gone away is not an error, and a failed write is reported once.
import { ToolFailure } from './failure.js';
import { STDERR, STDOUT, writeAll } from './kernel/stdio.js';

/** Large enough that a big document takes few write(2) calls, small enough to bound memory. */
const CHUNK = 1 << 16;

/** The reader of standard output closed it: the run ends quietly, with status 0. */
export class ReaderGone extends Error {}

/** Writes all of text to standard output: ReaderGone where the reader has gone, else a ToolFailure. */
export function writeOutput(text: string): void {
  const failure = writeAll(STDOUT, Buffer.from(text));
  if (failure === null) return;
  if (failure.readerGone) throw new ReaderGone();
  throw new ToolFailure(`cannot write to standard output (${failure.code})`);
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
  // Nowhere left to report to where this fails.
  writeAll(STDERR, Buffer.from(`userns-overview: ${message}\n`));
}
