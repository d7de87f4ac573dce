// Whether two threads of a process share one descriptor table: kcmp(2) KCMP_FILES, which
// compares the kernel's files_struct of the two tasks without reading either table.
import { constants as osConstants } from 'node:os';
import type { Libc } from './libc.js';

const KCMP_FILES = 2;
const { ENOSYS, EPERM, EACCES } = osConstants.errno;

/** The answer where kcmp cannot tell: a kernel without it (CONFIG_KCMP). */
export const CANNOT_COMPARE = 'cannot compare';

export interface Tasks {
  /**
   * Whether threads `a` and `b` use one descriptor table; false also where either is gone, and
   * true where they are not ours to inspect (their tables could not be read either).
   */
  shareDescriptorTable(a: number, b: number): boolean | typeof CANNOT_COMPARE;
}

export function tasks(libc: Libc): Tasks {
  return {
    shareDescriptorTable(a, b) {
      const answer = libc.kcmp(a, b, KCMP_FILES);
      if (answer >= 0) return answer === 0;
      if (-answer === ENOSYS) return CANNOT_COMPARE;
      // The ptrace access check (kcmp(2)), as for PID 1 in some sandboxes: not the kernel's lack.
      if (-answer === EPERM || -answer === EACCES) return true;
      // ESRCH: a thread that ended has no table to hold anything.
      return false;
    },
  };
}
