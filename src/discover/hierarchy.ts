// Step 2: each namespace's place, climbed with NS_GET_PARENT (ioctl_ns(2)) from a descriptor
// opened through one of its members, until a namespace already placed or a root. Later steps
// place what holders lead to the same way (placeOpened).
import type { OpenNamespace } from '../kernel/procfs.js';
import { couldNotRead } from '../kernel/procfs.js';
import type { ROOT } from '../kernel/ioctl-ns.js';
import { newUserNamespace, sameNamespace, type NamespaceId, type UserNamespace } from '../model.js';
import { firstMet } from './processes.js';
import type { Discovery } from './state.js';

// include/linux/proc_ns.h: the initial user namespace always has this inode, so it needs no
// ioctl to be known as a root, and a run that meets no other namespace loads no FFI library.
export const PROC_USER_INIT_INO = 0xeffffffd;

/** Places every namespace met, in the order met. */
export function discoverHierarchy(d: Discovery): void {
  // metOrder may grow while we go: a process that moved is filed under its new namespace.
  for (let i = 0; i < d.metOrder.length; i++) {
    const ns = d.metOrder[i]!;
    if (d.placed.has(ns)) continue;
    // With details, the owner must be asked for through a descriptor, so no shortcut.
    if (ns.id.ino === PROC_USER_INIT_INO && !d.options.details) {
      placeAsRoot(d, ns);
      continue;
    }
    const fd = openThroughMember(d, ns);
    if (fd !== undefined) climbFrom(d, ns, fd);
  }
}

/**
 * A descriptor for ns, opened through one of its members. Members that are gone, unreadable or
 * now elsewhere are taken out of ns; with none left, ns is left out with them.
 */
function openThroughMember(d: Discovery, ns: UserNamespace): number | undefined {
  const { procfs } = d.kernel;
  while (ns.pids.length > 0) {
    const pid = ns.pids[ns.pids.length - 1]!;
    const opened = procfs.openOwnNamespace(pid);
    if (!couldNotRead(opened) && sameNamespace(opened.id, ns.id)) return opened.fd;
    ns.pids.pop();
    if (couldNotRead(opened)) {
      d.leftOut.push({ pid, reason: opened.reason, code: opened.code });
      continue;
    }
    // setns(2) or unshare(2) since the first look, or a reused PID: file it where it is now.
    procfs.closeDescriptor(opened.fd);
    let now = d.lookup(opened.id);
    // Met before but passed over (every member gone then): it must be visited again.
    if (now !== undefined && !d.placed.has(now)) d.metOrder.push(now);
    now ??= firstMet(d, opened.id);
    now.pids.push(pid);
  }
  return undefined;
}

/** Climbs from ns (open as fd) until a placed namespace or a root; closes every descriptor. */
function climbFrom(d: Discovery, ns: UserNamespace, fd: number): void {
  const { procfs } = d.kernel;
  const ioctls = d.kernel.ioctls();
  let child = ns;
  try {
    for (;;) {
      if (d.options.details) d.ownerUids.set(child, ioctls.ownerUidOf(fd));
      const parent = ioctls.parentOf(fd);
      // ROOT ('root'), compared by value: its module is the FFI layer's, which compat may never load.
      if (parent === ('root' satisfies typeof ROOT)) return placeAsRoot(d, child);
      procfs.closeDescriptor(fd);
      fd = parent;
      const parentId = procfs.identify(fd);
      const parentNs = d.lookup(parentId) ?? memberlessAncestor(d, parentId);
      child.parent = parentNs;
      parentNs.children.push(child);
      d.placed.add(child);
      if (d.placed.has(parentNs)) return;
      if (parentNs.id.ino === PROC_USER_INIT_INO && !d.options.details) return placeAsRoot(d, parentNs);
      child = parentNs;
    }
  } finally {
    procfs.closeDescriptor(fd);
  }
}

function memberlessAncestor(d: Discovery, id: NamespaceId): UserNamespace {
  const ns = newUserNamespace(id, d.phase === 'processes');
  d.add(ns);
  return ns;
}

function placeAsRoot(d: Discovery, ns: UserNamespace): void {
  ns.parent = null;
  d.placed.add(ns);
  d.roots.push(ns);
}

/** Places the user namespace open as `opened` (found through a holder) in the tree; closes it. */
export function placeOpened(d: Discovery, opened: OpenNamespace): UserNamespace {
  const ns = d.lookup(opened.id);
  if (ns !== undefined && d.placed.has(ns)) {
    d.kernel.procfs.closeDescriptor(opened.fd);
    return ns;
  }
  // Met before but left out when its members were gone: still alive, since it is held.
  const held = ns ?? memberlessAncestor(d, opened.id);
  climbFrom(d, held, opened.fd);
  return held;
}
