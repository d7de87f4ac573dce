// A process's own namespaces of the other types (/proc/PID/ns/TYPE): each keeps its owning user
// namespace alive, and with --owned each is listed under that owner.
import { LINKS } from '../../kernel/process-readings.js';
import { held } from '../held.js';
import type { HolderSource } from '../state.js';

export const namespaceLinks: HolderSource = (d) => ({ pid, own, reading }) => {
  LINKS.forEach(({ file, type }, i) => {
    const ino = reading.links![i]!;
    // The for_children links are the next source's.
    if (file !== type || ino === 0) return;
    own.set(type, ino);
    held(d, { type, ino }, { kind: 'process', pid }, () => d.kernel.procfs.openOwnNamespace(pid, type));
  });
};
