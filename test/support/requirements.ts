// What a test needs of the machine, as node:test skip reasons: false where it is there, else a
// sentence naming what is missing, so that a run without it reports the test skipped, not failed.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** unshare(CLONE_NEWPID) and mounting a /proc outside a new user namespace need CAP_SYS_ADMIN. */
export const NEEDS_ROOT: string | false =
  process.getuid?.() === 0 ? false : 'needs root: it builds real user and PID namespaces';

/** Why a test that runs these programs cannot, or false when every one is on PATH. */
export function needsPrograms(...programs: string[]): string | false {
  const missing = programs.filter((program) => !onPath(program));
  return missing.length === 0 ? false : `needs ${missing.join(', ')}: not found on PATH`;
}

function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
