// What a test needs of the machine, as node:test skip reasons: false where it is there, else a
// sentence naming what is missing, so that a run without it reports the test skipped, not failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

let ffiNapiLoads: string | false | undefined;

/**
 * Why a test that runs the tool through the optional ffi-napi backend cannot, or false where the
 * backend loads on this Node. Its native module is built by `npm ci` for the Node that ran it, and
 * may not load on another; checked once, in a child process, since a module that does not fit
 * may crash the process that loads it.
 */
export function needsFfiNapi(): string | false {
  ffiNapiLoads ??= ((): string | false => {
    const libc = path.join(__dirname, '..', '..', 'src', 'kernel', 'libc.js');
    const load = `try { require(${JSON.stringify(libc)}).loadLibc('ffi-napi'); } catch (error) { process.stdout.write(error.message); process.exit(1); }`;
    const run = spawnSync(process.execPath, ['-e', load], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    if (run.status === 0) return false;
    // The tool's one line, up to its hint: what did not load, and why.
    const why = run.stdout.split('; ', 1)[0]!.trim() || (run.signal !== null ? `ended by ${run.signal}` : run.stderr.trim().split('\n', 1)[0]);
    return `needs the ffi-napi backend, which does not load on Node ${process.version}: ${why}`;
  })();
  return ffiNapiLoads;
}

/**
 * Why a test whose unprivileged attacker mounts a FUSE file system cannot, or false where it can:
 * a kernel that has FUSE (mounted in a user namespace since Linux 4.18), loaded or loadable (the
 * system's /dev/fuse loads it). The device the attacker opens is the fixture's own (fuseDevice),
 * whatever the mode of the system's.
 */
export function needsFuse(): string | false {
  const filesystems = fs.readFileSync('/proc/filesystems', 'utf8');
  return /\tfuse$/m.test(filesystems) || fs.existsSync('/dev/fuse') ? false : 'needs a kernel with FUSE (/proc/filesystems has no fuse, and there is no /dev/fuse)';
}
