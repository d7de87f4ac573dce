// Step 4: what the views other than compat show of each namespace: its owner (asked while
// climbing), its ID maps and its members' names, and the namespaces it owns.
import { couldNotRead } from '../kernel/procfs';
import { byTypeThenInode, type IdMapRange, type OwnedNamespace, type UserNamespace } from '../model';
import type { Discovery } from './state';

export function discoverDetails(d: Discovery): Map<number, string> {
  const owned = d.options.owned === undefined ? null : ownedByOwner(d);
  const names = new Map<number, string>();
  for (const ns of d.placed) {
    ns.details = { ownerUid: d.ownerUids.get(ns) ?? null, ...idMaps(d, ns), owned: owned === null ? null : (owned.get(ns) ?? []) };
    for (const pid of ns.pids) {
      const comm = d.kernel.procfs.readComm(pid);
      if (!couldNotRead(comm)) names.set(pid, comm);
    }
  }
  return names;
}

/** The ID maps come from the first member whose maps can still be read. */
function idMaps(d: Discovery, ns: UserNamespace): { uidMap: IdMapRange[] | null; gidMap: IdMapRange[] | null } {
  for (const pid of ns.pids) {
    const uidMap = d.kernel.procfs.readIdMap(pid, 'uid');
    const gidMap = d.kernel.procfs.readIdMap(pid, 'gid');
    if (!couldNotRead(uidMap) && !couldNotRead(gidMap)) return { uidMap, gidMap };
  }
  return { uidMap: null, gidMap: null };
}

/** The owned namespaces of the asked types, under each owner, by type then inode. */
function ownedByOwner(d: Discovery): Map<UserNamespace, OwnedNamespace[]> {
  const owned = new Map<UserNamespace, OwnedNamespace[]>();
  for (const { namespace, owner } of d.owned.values()) {
    if (owner === null || !d.options.owned!.has(namespace.type)) continue;
    namespace.pids.sort((a, b) => a - b);
    owned.set(owner, [...(owned.get(owner) ?? []), namespace]);
  }
  for (const list of owned.values()) list.sort(byTypeThenInode);
  return owned;
}
