// Step 4: what the views other than compat show of each namespace: its owner (asked while
// climbing), its ID maps and its members' names, the namespaces it owns, and whether its maps
// give anyone the host's root.
import { couldNotRead } from '../kernel/procfs.js';
import { byTypeThenInode, type IdMapRange, type OwnedNamespace, type UserNamespace } from '../model.js';
import type { Discovery } from './state.js';

export function discoverDetails(d: Discovery): Map<number, string> {
  const owned = d.options.owned === undefined ? null : ownedByOwner(d);
  const names = new Map<number, string>();
  for (const ns of d.placed) {
    const maps = idMaps(d, ns);
    ns.details = {
      ownerUid: d.ownerUids.get(ns) ?? null,
      ...maps,
      owned: owned === null ? null : (owned.get(ns) ?? []),
      // A root's map says only how it sees itself: the initial namespace maps 0 to 0 by definition.
      mapsHostRoot: ns.parent !== null && mapsZero(maps.uidMap),
      mapsHostRootGroup: ns.parent !== null && mapsZero(maps.gidMap),
    };
    for (const pid of ns.pids) {
      const stat = d.readings.get(pid)?.stat;
      if (stat !== undefined && !couldNotRead(stat)) names.set(pid, stat.name);
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

/**
 * Whether a range maps some ID to outside ID 0: user_namespaces(7) lets only a process with
 * CAP_SETUID (CAP_SETGID) over the parent write such a map, and what runs as that ID inside then
 * is root (group root) on the host, for files and everything else the namespace can reach.
 */
function mapsZero(map: readonly IdMapRange[] | null): boolean {
  return map !== null && map.some((range) => range.outside === 0 && range.count > 0);
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
