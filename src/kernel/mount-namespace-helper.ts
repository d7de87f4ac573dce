// A mount namespace that no task is in has no /proc/PID/root from which its mount points
// resolve, and Node cannot setns(2) into it (a mount namespace takes only a single-threaded
// caller, and Node has threads). A short-lived single-threaded helper does: the system's
// python3, which loads everything it needs first, then setns(CLONE_NEWNS) (which sets its root
// to the namespace's root), then only waits for its standard input to close. It never execs
// or opens anything inside the namespace, where the namespace's owner decides what a path is.
// Its /proc/PID/root is then that namespace's root, from which openat2 resolves as for a member.
import { spawn, type ChildProcess } from 'node:child_process';
import { couldNotRead, CouldNotRead, namespaceLink, openRootPath } from './procfs.js';
import { rootProgram } from './root-program.js';

/** The answer where there is no helper to run: no python3 owned by root. */
export const NO_HELPER = 'no helper';

/** Only a program that root owns and nobody else can change. */
const PROGRAMS = ['/usr/bin/python3', '/bin/python3'];

// Everything loaded before setns; after it, only read(2) and _exit(2).
const SCRIPT = [
  'import ctypes, os',
  'setns = ctypes.CDLL(None, use_errno=True).setns',
  'if setns(3, 0x00020000) != 0: os._exit(1)',
  'os.read(0, 1)',
  'os._exit(0)',
].join('\n');

const WAIT_MS = 5_000;

export interface EnteredMountNamespace {
  /** An O_PATH descriptor of the namespace's root: the caller's to close. */
  readonly root: number;
  /** Ends the helper (its standard input closes). */
  leave(): void;
}

/** Enters mount namespace `ino`, open as `nsFd`, in a helper; its root, or why not. */
export function enterMountNamespace(nsFd: number, ino: number): EnteredMountNamespace | CouldNotRead | typeof NO_HELPER {
  const program = rootProgram(PROGRAMS);
  if (program === null) return NO_HELPER;
  let child: ChildProcess;
  try {
    child = spawn(program, ['-I', '-S', '-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore', nsFd], env: {}, cwd: '/' });
  } catch {
    return NO_HELPER;
  }
  const leave = (): void => {
    child.stdin?.destroy();
    child.unref();
  };
  const pid = child.pid;
  if (pid === undefined) return (leave(), NO_HELPER);
  // The helper is our child, not yet reaped: its PID cannot pass to another process meanwhile.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const start = Date.now(); Date.now() - start < WAIT_MS; Atomics.wait(pause, 0, 0, 2)) {
    const link = namespaceLink(pid, 'mnt');
    if (couldNotRead(link)) break;
    if (link === null || link.ino !== ino) continue;
    const root = openRootPath(pid);
    if (couldNotRead(root)) break;
    return { root, leave };
  }
  leave();
  return new CouldNotRead('error', 'the helper did not enter the mount namespace');
}
