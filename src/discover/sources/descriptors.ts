// Open descriptors of namespace files (/proc/PID/fd/N, links such as "user:[4026532180]").
// Reading a link opens nothing; a new namespace is taken with pidfd_getfd(2), never by path.
// A process may hold any number of descriptors of one namespace: they become one holder with
// the numbers as ranges, and a run reads at most DESCRIPTOR_BUDGET links in all.
import { couldNotRead, type NamespaceLink } from '../../kernel/procfs';
import type { Holder } from '../../model';
import { held } from '../held';
import { CHANGED, NotTheNamespace, type HeldNamespace } from '../../kernel/namespace-files';
import type { Discovery, HolderSource } from '../state';

/**
 * About 2 s of readdir(2) and readlink(2) on the machines measured; far above what real
 * servers hold (100,000 connections in one process is a large one).
 */
export const DESCRIPTOR_BUDGET = 500_000;

export const descriptors: HolderSource = (d) => {
  let budget = DESCRIPTOR_BUDGET;
  const skippedIn: number[] = [];
  d.whenDone(() => {
    if (skippedIn.length === 0) return;
    const pids = `${skippedIn.slice(0, 5).join(', ')}${skippedIn.length > 5 ? ', ...' : ''}`;
    d.cut.push(
      `read the first ${DESCRIPTOR_BUDGET} descriptors, as many as a run reads, and stopped: the descriptors of PID ${pids} ` +
        'were read in part or not at all; a namespace that only they hold is not shown',
    );
  });
  return ({ pid }) => {
    // Past the budget not even listed: a long listing costs as much as reading it.
    if (budget === 0) return void skippedIn.push(pid);
    const fds = d.kernel.procfs.listDescriptors(pid);
    if (couldNotRead(fds)) return;
    const readable = Math.min(fds.length, budget);
    budget -= readable;
    if (readable < fds.length) skippedIn.push(pid);
    const byNamespace = new Map<number, { link: NamespaceLink; fds: number[] }>();
    for (let i = 0; i < readable; i++) {
      const link = d.kernel.procfs.descriptorLink(pid, fds[i]!);
      if (link === null || couldNotRead(link)) continue;
      const entry = byNamespace.get(link.ino);
      if (entry === undefined) byNamespace.set(link.ino, { link, fds: [Number(fds[i])] });
      else entry.fds.push(Number(fds[i]));
    }
    for (const { link, fds: numbers } of byNamespace.values()) {
      numbers.sort((a, b) => a - b);
      const first = numbers[0]!;
      const holder: Holder =
        numbers.length === 1 ? { kind: 'fd', pid, fd: first } : { kind: 'fd', pid, fd: first, fds: asRanges(numbers), count: numbers.length };
      held(d, link, holder, () => takeAny(d, pid, numbers, link));
    }
  };
};

/** A process can swap one descriptor under us, not all: try a few of its copies in turn. */
const TRIES = 8;

function takeAny(d: Discovery, pid: number, numbers: readonly number[], link: NamespaceLink): HeldNamespace {
  let taken: HeldNamespace = new NotTheNamespace(CHANGED);
  for (const fd of numbers.slice(0, TRIES)) {
    taken = d.kernel.files().takeDescriptor(pid, fd, link);
    if (!(taken instanceof NotTheNamespace)) return taken;
  }
  return taken;
}

/** Sorted numbers as ranges: [3, 4, 5, 9] is "3-5,9". */
export function asRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
