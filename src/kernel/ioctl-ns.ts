// The ioctl_ns(2) requests, answered in kernel terms: errno is turned into meaning here, where
// the call is made (as lsns.c does), so nothing above src/kernel/ compares an errno name.
import { constants as osConstants } from 'node:os';
import { ToolFailure } from '../failure.js';
import { tooManyOpenFiles } from '../failure.js';
import type { Libc } from './libc.js';

// Request numbers from <linux/nsfs.h>: _IO(0xb7, n).
export const NS_GET_USERNS = 0xb701;
export const NS_GET_PARENT = 0xb702;
const NS_GET_OWNER_UID = 0xb704;

const { EPERM, ENOTTY, EMFILE, ENFILE } = osConstants.errno;
const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));
export const errnoName = (errno: number): string => errnoNames.get(errno) ?? `errno ${errno}`;

/** NS_GET_PARENT's answer where there is no parent to have. */
export const ROOT = 'root';
/** NS_GET_USERNS's answer where the owner lies outside what the caller can see. */
export const OWNER_NOT_VISIBLE = 'owner not visible';

/** The requests, on a descriptor of a namespace file. Each new descriptor is the caller's to close. */
export interface NamespaceIoctls {
  /** NS_GET_PARENT: a descriptor of the parent user namespace, or ROOT. */
  parentOf(fd: number): number | typeof ROOT;
  /** NS_GET_USERNS: a descriptor of the user namespace that owns this one, or OWNER_NOT_VISIBLE. */
  ownerNamespaceOf(fd: number): number | typeof OWNER_NOT_VISIBLE;
  /** NS_GET_OWNER_UID, for a user namespace: the UID of its creator; null where it cannot be asked. */
  ownerUidOf(fd: number): number | null;
}

/** A request that made a descriptor can meet a full descriptor table; no other process would do better. */
function unlessOutOfDescriptors(errno: number): void {
  if (errno === EMFILE || errno === ENFILE) throw tooManyOpenFiles();
}

export function namespaceIoctls(libc: Libc): NamespaceIoctls {
  return {
    parentOf(fd) {
      const answer = libc.ioctl(fd, NS_GET_PARENT);
      if (answer >= 0) return answer;
      // EPERM: the parent is outside the caller's namespace scope, so this one is a root.
      if (answer === -EPERM) return ROOT;
      if (answer === -ENOTTY) throw new ToolFailure('this kernel has no namespace ioctls (NS_GET_PARENT needs Linux 4.9 or later)');
      unlessOutOfDescriptors(-answer);
      // Discovery opens only descriptors it has proven to be user namespaces: anything else is ours.
      throw new ToolFailure(`ioctl(NS_GET_PARENT) failed: ${errnoName(-answer)}`);
    },
    ownerNamespaceOf(fd) {
      const answer = libc.ioctl(fd, NS_GET_USERNS);
      if (answer >= 0) return answer;
      unlessOutOfDescriptors(-answer);
      // EPERM: outside the caller's scope; anything else also leaves the owner unknown.
      return OWNER_NOT_VISIBLE;
    },
    ownerUidOf(fd) {
      const answer = libc.ioctlUint32Out(fd, NS_GET_OWNER_UID);
      return answer >= 0 ? answer : null;
    },
  };
}
