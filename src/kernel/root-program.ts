// The programs the tool may start (python3 for a mount namespace no task is in, getent for
// names) are taken only from fixed paths, and only where root alone could have put them there.
import fs from 'node:fs';

/** The first of `paths` that is a regular file root owns and neither group nor others may write; null if none. */
export function rootProgram(paths: readonly string[]): string | null {
  for (const program of paths) {
    try {
      const st = fs.statSync(program);
      if (st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0) return program;
    } catch {
      // Not there: the next.
    }
  }
  return null;
}
