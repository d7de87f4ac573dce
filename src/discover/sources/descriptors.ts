// Open descriptors of namespace files (/proc/PID/fd/N, links such as "user:[4026532180]"), in
// the process's table and in the tables of threads that have their own (unshare(CLONE_FILES):
// /proc/PID/task/TID/fd). Reading a link opens nothing; a new namespace is taken with
// pidfd_getfd(2), never by path. A process may hold any number of descriptors of one
// namespace: they become one holder with the numbers as ranges, and a run reads at most
// DESCRIPTOR_BUDGET links in all: the processes' tables first, in PID order (step 1's pass reads
// them), then the tables of threads that have their own. Sockets met on the way are left for the
// sockets source.
import { DescriptorBudget, OVER_BUDGET, readTable, type DescriptorTable } from '../../kernel/process-readings.js';
import { couldNotRead, type CouldNotRead, type NamespaceLink } from '../../kernel/procfs.js';
import { CANNOT_COMPARE, type TableOrder } from '../../kernel/tasks.js';
import type { Holder } from '../../model.js';
import { held } from '../held.js';
import { CHANGED, NotTheNamespace, type HeldNamespace } from '../../kernel/namespace-files.js';
import { DESCRIPTOR_BUDGET, firstFew, threadsOf, type Discovery, type HolderSource, type ProcessVisit } from '../state.js';


export const descriptors: HolderSource = (d) => {
  // What the pass left of the budget, for the tables of threads that have their own.
  const budget = DescriptorBudget.of(d.descriptorsLeft);
  const skippedIn: number[] = [];
  d.whenDone(() => {
    if (skippedIn.length === 0) return;
    const pids = firstFew(skippedIn);
    d.cut.push(
      `read the first ${DESCRIPTOR_BUDGET} descriptors, as many as a run reads, and stopped: the descriptors of PID ${pids} ` +
        'were read in part or not at all; a namespace that only they hold is not shown',
    );
  });
  /** What one table (the process's, or thread tid's own) holds. */
  const holdTable = (visit: ProcessVisit, table: DescriptorTable | CouldNotRead | typeof OVER_BUDGET | undefined, tid?: number): void => {
    const { pid } = visit;
    if (table === OVER_BUDGET) return void skippedIn.push(pid);
    if (table === undefined || couldNotRead(table)) return;
    if (table.read < table.listed) skippedIn.push(pid);
    const { fds: socketFds, inos } = table.sockets;
    socketFds.forEach((fd, i) => visit.sockets.push({ fd, socket: inos[i]!, ...(tid === undefined ? {} : { tid }) }));
    for (const { type, ino, fds: numbers } of table.namespaces) {
      const link = { type, ino };
      held(d, link, descriptorsHolder('fd', pid, numbers, tid), () => takeAny(d, pid, numbers, link, tid));
    }
  };
  return (visit) => {
    holdTable(visit, visit.reading.descriptors);
    // Threads share their process's table unless one unshared it (kcmp(2) KCMP_FILES tells
    // without reading either); a table that threads share is read once. The tables met are
    // kept in kcmp's order, so that a process of n threads, each with a table of its own, costs
    // n log n comparisons, not n² (4,900 such threads took 5.4 s).
    const tables: number[] = [visit.pid];
    for (const tid of threadsOf(visit)) {
      const place = placeAmong(tables, tid, (a, b) => tableOrder(d, a, b));
      if (place === 'shared' || place === 'gone') continue;
      if (place !== 'unordered') tables.splice(place, 0, tid);
      holdTable(visit, readTable(d.kernel.procfs, visit.pid, budget, tid), tid);
    }
  };
};

/**
 * Where thread tid's table goes among `tables` (one thread a table, in kcmp's order): 'shared'
 * where one of them is its table, else its index; 'gone' where tid has ended; 'unordered' where
 * kcmp could not order it, which then stays out of the list (its table is read; at worst a table
 * is read again for each thread that shares it). A thread of the list that has ended leaves it
 * (its table was read), and the search starts again.
 */
export function placeAmong(tables: number[], tid: number, order: (a: number, b: number) => TableOrder): number | 'shared' | 'gone' | 'unordered' {
  search: for (;;) {
    let low = 0;
    let high = tables.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      switch (order(tables[middle]!, tid)) {
        case 'same':
          return 'shared';
        case 'different':
          return 'unordered';
        case 'gone':
          if (order(tid, tid) === 'gone') return 'gone';
          tables.splice(middle, 1);
          continue search;
        case 'before':
          high = middle;
          break;
        case 'after':
          low = middle + 1;
      }
    }
    return low;
  }
}

const NO_KCMP =
  'this kernel cannot compare descriptor tables (kcmp(2), CONFIG_KCMP): the descriptors of threads with a table of their own were not read';

/** How thread b's table stands to thread a's; where kcmp cannot tell, taken as shared, and said once. */
function tableOrder(d: Discovery, a: number, b: number): TableOrder {
  const answer = d.kernel.tasks().orderDescriptorTables(a, b);
  if (answer !== CANNOT_COMPARE) return answer;
  if (!d.cut.includes(NO_KCMP)) d.cut.push(NO_KCMP);
  return 'same';
}

/** A process can swap one descriptor under us, not all: try a few of its copies in turn. */
const TRIES = 8;

function takeAny(d: Discovery, pid: number, numbers: readonly number[], link: NamespaceLink, tid?: number): HeldNamespace {
  let taken: HeldNamespace = new NotTheNamespace(CHANGED);
  for (const fd of numbers.slice(0, TRIES)) {
    taken = d.kernel.files().takeDescriptor(pid, fd, link, tid);
    if (!(taken instanceof NotTheNamespace)) return taken;
  }
  return taken;
}

/** Descriptors `numbers` of one table (sorted here) as one holder: the lowest, and where there are more, all of them as ranges. */
export function descriptorsHolder(kind: 'fd' | 'socket', pid: number, numbers: number[], tid?: number): Holder {
  numbers.sort((a, b) => a - b);
  const where = tid === undefined ? {} : { tid };
  return numbers.length === 1
    ? { kind, pid, ...where, fd: numbers[0]! }
    : { kind, pid, ...where, fd: numbers[0]!, fds: asRanges(numbers), count: numbers.length };
}

/** Sorted numbers as ranges: [3, 4, 5, 9] is "3-5,9". */
function asRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
