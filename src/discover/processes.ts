// Step 1: every process's user namespace, by one readlink(2) of /proc/PID/ns/user, in the
// byte-wise order of the PID entries (the order the original's ReadDir gives). The views other
// than compat read the rest of what they need of each process in the same pass (the kernel
// layer's process-readings.ts), which the later steps take from d.readings.
import type { Wants } from '../kernel/process-readings';
import { couldNotRead } from '../kernel/procfs';
import { newUserNamespace, type NamespaceId, type UserNamespace } from '../model';
import { DESCRIPTOR_BUDGET, type Discovery } from './state';

export function discoverProcesses(d: Discovery): void {
  const { procfs } = d.kernel;
  d.pidEntries = procfs.listPidEntries();
  const { details, holders, owned, containers, sharing } = d.options;
  if (details || holders || owned !== undefined) {
    const wants: Wants = { holders: holders || owned !== undefined, stat: details || containers === true, text: containers === true };
    const pass = d.kernel.readProcesses(d.pidEntries, wants, DESCRIPTOR_BUDGET, sharing);
    d.descriptorsLeft = pass.descriptorsLeft;
    for (const reading of pass.readings) {
      const { pid, user } = reading;
      if (couldNotRead(user)) {
        d.leftOut.push({ pid, reason: user.reason, code: user.code });
        continue;
      }
      d.readings.set(pid, reading);
      const ns = d.lookupInode(user) ?? firstMet(d, { dev: d.nsfsDev, ino: user });
      ns.pids.push(pid);
    }
    return;
  }
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
