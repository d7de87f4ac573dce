// The model that the scanner builds and every renderer reads. Plain data: nothing here talks
// to the kernel, so a renderer can be tested on a hand-built tree.

/** A namespace is identified by the device and inode of its nsfs file (ioctl_ns(2)). */
export interface NamespaceId {
  readonly dev: number;
  readonly ino: number;
}

export interface UserNamespace {
  readonly id: NamespaceId;
  /** null at a root: NS_GET_PARENT answered EPERM. */
  parent: UserNamespace | null;
  /** In the order the scan first met each child or one of its descendants. */
  readonly children: UserNamespace[];
  /** Member processes, sorted numerically once the scan is complete. */
  readonly pids: number[];
  /** What the views other than compat show; null when the scan was not asked for it. */
  details: NamespaceDetails | null;
}

/** One line of /proc/PID/uid_map or gid_map. */
export interface IdMapRange {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

export interface MemberProcess {
  readonly pid: number;
  /** /proc/PID/comm; null where it could not be read. */
  readonly comm: string | null;
}

export interface NamespaceDetails {
  /** NS_GET_OWNER_UID: the creator's UID; null where it could not be asked. */
  readonly ownerUid: number | null;
  /** From a member's uid_map and gid_map; null where no member's could be read. */
  readonly uidMap: readonly IdMapRange[] | null;
  readonly gidMap: readonly IdMapRange[] | null;
  /** The members, in PID order. */
  readonly processes: readonly MemberProcess[];
}

/** Why a process is missing from the tree. */
export type LeftOutReason = 'permission' | 'vanished' | 'error';

export interface LeftOutProcess {
  readonly pid: number;
  readonly reason: LeftOutReason;
  /** The errno name, for reason 'error' (and for the record otherwise). */
  readonly code: string;
}

export interface ScanReport {
  /** How many /proc/PID entries the scan visited. */
  readonly visited: number;
  /** Processes that are not in the tree, in PID order. */
  readonly leftOut: LeftOutProcess[];
}

export interface NamespaceTree {
  /** In the order in which the scan first met each root's tree. */
  readonly roots: UserNamespace[];
  readonly report: ScanReport;
}

export function newUserNamespace(id: NamespaceId): UserNamespace {
  return { id, parent: null, children: [], pids: [], details: null };
}

export function sameNamespace(a: NamespaceId, b: NamespaceId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
