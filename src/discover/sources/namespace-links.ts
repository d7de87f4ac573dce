// A process's own namespaces of the other types (/proc/PID/ns/TYPE): each keeps its owning user
// namespace alive, and with --owned each is listed under that owner.
import { couldNotRead } from '../../kernel/procfs';
import { OWNABLE_TYPES } from '../../model';
import { held } from '../held';
import type { HolderSource } from '../state';

export const namespaceLinks: HolderSource = (d) => ({ pid, own }) => {
  for (const type of OWNABLE_TYPES) {
    const link = d.kernel.procfs.namespaceLink(pid, type);
    if (link === null || couldNotRead(link)) continue;
    own.set(type, link.ino);
    held(d, link, { kind: 'process', pid }, () => d.kernel.procfs.openOwnNamespace(pid, type));
  }
};
