// Whether two threads of a process share one descriptor table: kcmp(2) KCMP_FILES, which
// compares the kernel's files_struct of the two tasks without reading either table, and orders
// them, so that many tables are told apart by a binary search.
import { constants as osConstants } from 'node:os';
import type { Libc } from './libc.js';

const KCMP_FILES = 2;
const { ENOSYS, EPERM, EACCES } = osConstants.errno;

/** The answer where kcmp cannot tell: a kernel without it (CONFIG_KCMP). */
export const CANNOT_COMPARE = 'cannot compare';

/**
 * Where thread b's descriptor table stands against thread a's, in the order kcmp(2) keeps (of
 * the kernel's obfuscated pointers to the tables): the same table, or before or after it;
 * 'different' where kcmp does not order them (its answer 3, which Linux does not give for
 * tables); 'gone' where either thread has ended.
 */
export type TableOrder = 'same' | 'before' | 'after' | 'different' | 'gone';

export interface Tasks {
  /**
   * kcmp(2) KCMP_FILES of threads a and b; 'same' also where they are not ours to inspect (their
   * tables could not be read either).
   */
  orderDescriptorTables(a: number, b: number): TableOrder | typeof CANNOT_COMPARE;
}

export function tasks(libc: Libc): Tasks {
  return {
    orderDescriptorTables(a, b) {
      const answer = libc.kcmp(a, b, KCMP_FILES);
      // 1: a's below b's, so b comes after it; 2: above.
      if (answer >= 0) return (['same', 'after', 'before'] as const)[answer] ?? 'different';
      if (-answer === ENOSYS) return CANNOT_COMPARE;
      // The ptrace access check (kcmp(2)), as for PID 1 in some sandboxes: not the kernel's lack.
      if (-answer === EPERM || -answer === EACCES) return 'same';
      // ESRCH: a thread that ended.
      return 'gone';
    },
  };
}
