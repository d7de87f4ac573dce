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
  return { id, parent: null, children: [], pids: [] };
}

export function sameNamespace(a: NamespaceId, b: NamespaceId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
