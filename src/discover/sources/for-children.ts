// pid_for_children and time_for_children (namespaces(7)): the namespaces a process's future
// children will be in, which setns(2) or unshare(2) may have made differ from its own.
import { couldNotRead } from '../../kernel/procfs';
import { held } from '../held';
import type { HolderSource } from '../state';

const FOR_CHILDREN = [
  ['pid_for_children', 'pid'],
  ['time_for_children', 'time'],
] as const;

export const forChildren: HolderSource = (d) => ({ pid, own }) => {
  for (const [file, type] of FOR_CHILDREN) {
    const link = d.kernel.procfs.namespaceLink(pid, file);
    if (link === null || couldNotRead(link) || link.type !== type || link.ino === own.get(type)) continue;
    held(d, link, { kind: 'for-children', pid }, () => d.kernel.procfs.openOwnNamespace(pid, file));
  }
};
