// Words shared by the tree and dot views: owners, process counts, and what holds a namespace.
import type { UserNames } from '../accounts';
import { allNamespaces, type Holder, type NamespaceTree, type UserNamespace } from '../model';

/** The owner's user name, else the UID, else "?" where NS_GET_OWNER_UID could not be asked. */
export function ownerName(ns: UserNamespace, names: UserNames): string {
  const uid = ns.details?.ownerUid ?? null;
  return uid === null ? '?' : (names.get(uid) ?? String(uid));
}

/** "1 process", "3 processes"; "0 processes" unless the view words none otherwise. */
export function processCount(count: number, none = '0 processes'): string {
  return count === 0 ? none : count === 1 ? '1 process' : `${count} processes`;
}

/** PID to process name, from every member the scan named. */
export function processNames(tree: NamespaceTree): Map<number, string> {
  const names = new Map<number, string>();
  for (const ns of allNamespaces(tree)) {
    for (const process of ns.details?.processes ?? []) if (process.comm !== null) names.set(process.pid, process.comm);
  }
  return names;
}

/** "fd 3 of PID 4 (sleep)", "bind mount /run/netns/blue in the mount namespace of PID 1 (sh)". */
export function describeHolder(holder: Holder, names: ReadonlyMap<number, string>): string {
  const name = names.get(holder.pid);
  const who = `PID ${holder.pid}${name === undefined ? '' : ` (${name})`}`;
  let what: string;
  switch (holder.kind) {
    case 'fd':
      what = `fd ${holder.fd} of ${who}`;
      break;
    case 'mount':
      what = `bind mount ${holder.path} in the mount namespace of ${who}`;
      break;
    case 'task':
      what = `thread ${holder.tid} of ${who}`;
      break;
    case 'for-children':
      what = `${who}, for the children it creates`;
      break;
    case 'process':
      what = who;
      break;
  }
  return holder.via === undefined ? `held by ${what}` : `held through its ${holder.via.type} ${holder.via.ino}: ${what}`;
}

/** The holders worth showing beside a namespace: all but its member processes. */
export function heldBy(ns: UserNamespace): readonly Holder[] {
  return (ns.details?.holders ?? []).filter((holder) => holder.kind !== 'process' || holder.via !== undefined);
}
