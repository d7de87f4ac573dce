// Threads share their process's user namespace, but may have unshared the others
// (/proc/PID/task/TID/ns/TYPE). Read only for --owned: it costs a directory and links a thread.
import { couldNotRead } from '../../kernel/procfs.js';
import { OWNABLE_TYPES } from '../../model.js';
import { held } from '../held.js';
import { threadsOf, type HolderSource } from '../state.js';

export const threads: HolderSource = (d) => {
  if (d.options.owned === undefined) return null;
  return (visit) => {
    const { pid, own } = visit;
    for (const tid of threadsOf(visit).map(String)) {
      for (const type of OWNABLE_TYPES) {
        const link = d.kernel.procfs.threadNamespaceLink(pid, tid, type);
        if (link === null || couldNotRead(link) || link.ino === own.get(type)) continue;
        held(d, link, { kind: 'task', pid, tid: Number(tid) }, () => d.kernel.procfs.openOwnNamespace(pid, type, tid));
      }
    }
  };
};
