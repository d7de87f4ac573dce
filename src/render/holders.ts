// Words for what holds a namespace, shared by the tree and dot views.
import type { Holder, NamespaceTree, UserNamespace } from '../model';

/** PID to process name, from every member the scan named. */
export function processNames(tree: NamespaceTree): Map<number, string> {
  const names = new Map<number, string>();
  const walk = (list: readonly UserNamespace[]): void => {
    for (const ns of list) {
      for (const process of ns.details?.processes ?? []) if (process.comm !== null) names.set(process.pid, process.comm);
      walk(ns.children);
    }
  };
  walk(tree.roots);
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
