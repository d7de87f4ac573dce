// pid_for_children and time_for_children (namespaces(7)): the namespaces a process's future
// children will be in, which setns(2) or unshare(2) may have made differ from its own.
import { LINKS } from '../../kernel/process-readings.js';
import { held } from '../held.js';
import type { HolderSource } from '../state.js';

export const forChildren: HolderSource = (d) => ({ pid, own, reading }) => {
  LINKS.forEach(({ file, type }, i) => {
    const ino = reading.links![i]!;
    if (file === type || ino === 0 || ino === own.get(type)) return;
    held(d, { type, ino }, { kind: 'for-children', pid }, () => d.kernel.procfs.openOwnNamespace(pid, file));
  });
};
