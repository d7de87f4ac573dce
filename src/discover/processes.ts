// Step 1: every process's user namespace, by one readlink(2) of /proc/PID/ns/user, in the
// byte-wise order of the PID entries (the order the original's ReadDir gives).
import { couldNotRead } from '../kernel/procfs';
import { newUserNamespace, type NamespaceId, type UserNamespace } from '../model';
import type { Discovery } from './state';

export function discoverProcesses(d: Discovery): void {
  const { procfs } = d.kernel;
  d.pidEntries = procfs.listPidEntries();
  for (const pid of d.pidEntries) {
    const ino = procfs.userNamespaceInode(pid);
    if (couldNotRead(ino)) {
      d.leftOut.push({ pid: Number(pid), reason: ino.reason, code: ino.code });
      continue;
    }
    const ns = d.lookupInode(ino) ?? firstMet(d, { dev: d.nsfsDev, ino });
    ns.pids.push(Number(pid));
  }
}

/** A namespace met through a member: it will be climbed from, in the order met. */
export function firstMet(d: Discovery, id: NamespaceId): UserNamespace {
  const ns = newUserNamespace(id, d.phase === 'processes');
  d.add(ns);
  d.metOrder.push(ns);
  return ns;
}
