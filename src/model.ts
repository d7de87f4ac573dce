// The model that the scanner builds and every renderer reads. Plain data: nothing here talks
// to the kernel, so a renderer can be tested on a hand-built tree.

/** A namespace is identified by the device and inode of its nsfs file (ioctl_ns(2)). */
export interface NamespaceId {
  readonly dev: number;
  readonly ino: number;
}

/** The namespace types of namespaces(7), by the names of their /proc/PID/ns files. */
export const NAMESPACE_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/**
 * What keeps a namespace alive (namespaces(7)): a member process, an open descriptor, a bind
 * mount, a thread, or a process's pid_for_children/time_for_children. For a user namespace,
 * `via` says the hold is through a namespace it owns, which keeps its owner alive.
 */
export interface Holder {
  readonly kind: 'process' | 'fd' | 'mount' | 'task' | 'for-children';
  readonly pid: number;
  /** kind fd: the descriptor's number in that process. */
  readonly fd?: number;
  /** kind task: the thread. */
  readonly tid?: number;
  /** kind mount: the mount point, in the mount namespace of pid. */
  readonly path?: string;
  readonly via?: { readonly type: NamespaceType; readonly ino: number };
}

/** A namespace of another type, listed under the user namespace that owns it (--owned). */
export interface OwnedNamespace {
  readonly type: NamespaceType;
  readonly id: NamespaceId;
  /** Processes whose /proc/PID/ns/TYPE it is, sorted. */
  readonly pids: number[];
  readonly holders: Holder[];
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
  /**
   * Whether the original would show it: it, or a namespace below it, has a member process.
   * false for namespaces found only through what holds them (descriptors, bind mounts).
   */
  readonly viaProcesses: boolean;
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
  /** What holds it other than its member processes; empty where nothing was looked for. */
  readonly holders: readonly Holder[];
  /** With --owned: the namespaces of other types it owns, by type then inode; else null. */
  readonly owned: readonly OwnedNamespace[] | null;
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
  /** With --owned: namespaces whose owner is outside what the tool can see (NS_GET_USERNS: EPERM). */
  readonly ownerNotVisible?: readonly OwnedNamespace[];
}

export function newUserNamespace(id: NamespaceId, viaProcesses = true): UserNamespace {
  return { id, parent: null, children: [], pids: [], details: null, viaProcesses };
}

/** Every user namespace of the tree, depth first, parents before their children. */
export function allNamespaces(tree: Pick<NamespaceTree, 'roots'>): UserNamespace[] {
  const out: UserNamespace[] = [];
  const walk = (list: readonly UserNamespace[]): void => {
    for (const ns of list) {
      out.push(ns);
      walk(ns.children);
    }
  };
  walk(tree.roots);
  return out;
}

export function sameNamespace(a: NamespaceId, b: NamespaceId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
