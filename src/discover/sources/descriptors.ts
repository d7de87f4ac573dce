// Open descriptors of namespace files (/proc/PID/fd/N, links such as "user:[4026532180]").
// Reading a link opens nothing; a new namespace is taken with pidfd_getfd(2), never by path.
// A process may hold any number of descriptors of one namespace: they become one holder with
// the numbers as ranges, and a run reads at most DESCRIPTOR_BUDGET links in all.
import { couldNotRead, type NamespaceLink } from '../../kernel/procfs';
import type { Holder } from '../../model';
import { held } from '../held';
import type { HolderSource } from '../state';

/** About 4 s of readlink(2) on the machines measured; far above what real servers hold. */
export const DESCRIPTOR_BUDGET = 1_000_000;

export const descriptors: HolderSource = (d) => {
  let budget = DESCRIPTOR_BUDGET;
  let skipped = 0;
  const skippedIn: number[] = [];
  d.whenDone(() => {
    if (skipped > 0) {
      d.cut.push(
        `read ${DESCRIPTOR_BUDGET} descriptors and skipped ${skipped} more, in ${skippedIn.length} processes ` +
          `(PID ${skippedIn.slice(0, 5).join(', ')}${skippedIn.length > 5 ? ', ...' : ''}): namespaces that only those hold are not shown`,
      );
    }
  });
  return ({ pid }) => {
    const fds = d.kernel.procfs.listDescriptors(pid);
    if (couldNotRead(fds)) return;
    const readable = Math.min(fds.length, budget);
    budget -= readable;
    if (readable < fds.length) {
      skipped += fds.length - readable;
      skippedIn.push(pid);
    }
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
      held(d, link, holder, () => d.kernel.files().takeDescriptor(pid, first, link));
    }
  };
};

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
