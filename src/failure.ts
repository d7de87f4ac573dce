/**
 * A failure that a user can meet (no procfs, an old kernel, a missing backend, a full disk).
 * The CLI prints its message as one line on standard error and exits with status 1.
 */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}

/** The errno name of a failed Node call ('ENOENT'), or 'UNKNOWN'. */
export function errnoCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** Out of descriptors: not about any one process, so no other would do better. */
export function tooManyOpenFiles(): ToolFailure {
  return new ToolFailure("too many open files: Node and this tool need about 20 descriptors; raise 'ulimit -n'");
}
