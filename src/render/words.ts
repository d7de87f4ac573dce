// Words shared by the tree and dot views and the warnings: owners, process counts, and what
// holds a namespace. Everything another user named passes through inert().
import type { Holder, UnplacedNamespace, UserNamespace, UserNames } from '../model.js';
import { inert } from './inert.js';

/** The owner's user name, else the UID, else "?" where NS_GET_OWNER_UID could not be asked. */
export function ownerName(ns: UserNamespace, names: UserNames): string {
  const uid = ns.details?.ownerUid ?? null;
  return uid === null ? '?' : (names.get(uid) ?? String(uid));
}

/** "1 process", "3 processes"; "0 processes" unless the view words none otherwise. */
export function processCount(count: number, none = '0 processes'): string {
  return count === 0 ? none : count === 1 ? '1 process' : `${count} processes`;
}

/** "PID 4 (sleep)", or "PID 4" where its name is not known. */
export function processLabel(pid: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(pid);
  return `PID ${pid}${name === undefined ? '' : ` (${inert(name)})`}`;
}

/**
 * "fd 3 of PID 4 (sleep)", "socket fd 20 of PID 3 (python3)", "bind mount /run/netns/blue in the
 * mount namespace of PID 1 (sh)", "bind mount /run/x in mount namespace 4026532190, which no
 * process is in, held by fd 6 of PID 9 (sleep)".
 */
export function describeHolder(holder: Holder, names: ReadonlyMap<number, string>): string {
  const what = describeHold(holder, names);
  const held = holder.via === undefined ? `held by ${what}` : `held through its ${holder.via.type} ${holder.via.ino}: ${what}`;
  return holder.unverified === undefined ? held : `${held} (not opened: ${holder.unverified})`;
}

/** What the holder is, without "held by". */
function describeHold(holder: Holder, names: ReadonlyMap<number, string>): string {
  const who = holder.pid === null ? '' : processLabel(holder.pid, names);
  // A descriptor in a thread's own table, or a mount namespace read through a thread.
  const task = holder.tid === undefined || holder.kind === 'task' ? who : `thread ${holder.tid} of ${who}`;
  switch (holder.kind) {
    case 'fd':
      return holder.fds === undefined ? `fd ${holder.fd} of ${task}` : `${holder.count} fds (${holder.fds}) of ${task}`;
    case 'socket':
      return holder.fds === undefined ? `socket fd ${holder.fd} of ${task}` : `${holder.count} socket fds (${holder.fds}) of ${task}`;
    case 'mount': {
      const mount = `bind mount ${inert(holder.path ?? '')}${holder.count === undefined ? '' : ` (${holder.count} stacked)`}`;
      if (holder.pid !== null) return `${mount} in the mount namespace of ${task}`;
      const heldBy = holder.mountNamespaceHeldBy === undefined ? '' : `, held by ${describeHold(holder.mountNamespaceHeldBy, names)}`;
      return `${mount} in mount namespace ${holder.mountNamespace}, which no process is in${heldBy}`;
    }
    case 'task':
      return `thread ${holder.tid} of ${who}`;
    case 'for-children':
      return `${who}, for the children it creates`;
    case 'process':
      return who;
  }
}

/** "user 4026532180" and what names it, for a namespace that could not be placed. */
export function describeUnplaced(ns: UnplacedNamespace, names: ReadonlyMap<number, string>): string[] {
  return [`${ns.type} ${ns.id.ino}`, ...ns.holders.map((holder) => describeHolder(holder, names))];
}

/** The heading of the group of namespaces that could not be placed. */
export const UNPLACED_HEADING = '(not placed: could not be opened safely)';

// ip-netns(8) keeps a persistent network namespace as a bind mount at /run/netns/NAME (/var/run is /run).
const NETNS_MOUNT = /^(?:\/var)?\/run\/netns\/(?<name>[^/]+)$/;

/** The name `ip netns` knows a network namespace by, from a bind mount of it; else null. Foreign text. */
export function persistentNetnsName(owned: { type: string; holders: readonly Holder[] }): string | null {
  if (owned.type !== 'net') return null;
  for (const holder of owned.holders) {
    const name = holder.kind === 'mount' ? NETNS_MOUNT.exec(holder.path ?? '')?.groups?.['name'] : undefined;
    if (name !== undefined) return name;
  }
  return null;
}
