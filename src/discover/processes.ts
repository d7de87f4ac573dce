// Step 1: every process's user namespace, by one readlink(2) of /proc/PID/ns/user, in the
// byte-wise order of the PID entries (the order the original's ReadDir gives). The views other
// than compat read the rest of what they need of each process in the same pass (the kernel
// layer's process-readings.ts), which the later steps take from d.readings.
import type { Wants } from '../kernel/process-readings.js';
import { couldNotRead, type CouldNotRead } from '../kernel/procfs.js';
import { newUserNamespace, type NamespaceId, type UserNamespace } from '../model.js';
import { DESCRIPTOR_BUDGET, type Discovery } from './state.js';

export function discoverProcesses(d: Discovery): void {
  const { procfs } = d.kernel;
  d.pidEntries = procfs.listPidEntries();
  const { details, holders, owned, containers, sharing } = d.options;
  if (!details && !holders && owned === undefined && containers !== true) {
    for (const pid of d.pidEntries) member(d, Number(pid), procfs.userNamespaceInode(pid));
    return;
  }
  const wants: Wants = { holders: holders || owned !== undefined, stat: details || containers === true, text: containers === true };
  // Started first, so that the threads that read them are up by the time the containers step
  // takes them.
  if (wants.text) d.commandLines = d.kernel.commandLines(d.pidEntries.map(Number), d.kernel.processText().commandLineShare(d.pidEntries.length));
  const pass = d.kernel.readProcesses(d.pidEntries, wants, DESCRIPTOR_BUDGET, sharing);
  d.descriptorsLeft = pass.descriptorsLeft;
  for (const reading of pass.readings) if (member(d, reading.pid, reading.user)) d.readings.set(reading.pid, reading);
}

/** Files pid under its user namespace; false where that could not be read, and the process is left out. */
function member(d: Discovery, pid: number, user: number | CouldNotRead): boolean {
  if (couldNotRead(user)) {
    d.leftOut.push({ pid, reason: user.reason, code: user.code });
    return false;
  }
  (d.lookupInode(user) ?? firstMet(d, { dev: d.nsfsDev, ino: user })).pids.push(pid);
  return true;
}

/** A namespace met through a member: it will be climbed from, in the order met. */
export function firstMet(d: Discovery, id: NamespaceId): UserNamespace {
  const ns = newUserNamespace(id, d.phase === 'processes');
  d.add(ns);
  d.metOrder.push(ns);
  return ns;
}
