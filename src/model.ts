// The model that discovery builds and every view reads. Plain data: nothing here talks to the
// kernel, so a view can be tested on a hand-built tree.

/** A namespace is identified by the device and inode of its nsfs file (ioctl_ns(2)). */
export interface NamespaceId {
  readonly dev: number;
  readonly ino: number;
}

/** The namespace types of namespaces(7), by the names of their /proc/PID/ns files. */
export const NAMESPACE_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];
/** Every type but user: the namespaces a user namespace can own. */
export const OWNABLE_TYPES = NAMESPACE_TYPES.filter((type): type is Exclude<NamespaceType, 'user'> => type !== 'user');

/**
 * What keeps a namespace alive besides its member processes (namespaces(7)): an open
 * descriptor, a socket (its network namespace), a bind mount, a thread, or a process's
 * pid_for_children/time_for_children. For a user namespace, `via` says the hold is through a
 * namespace it owns, which keeps its owner alive; such a hold may also be a member process of
 * that namespace (kind process).
 */
export interface Holder {
  readonly kind: 'process' | 'fd' | 'socket' | 'mount' | 'task' | 'for-children';
  /** null only for kind mount, in a mount namespace that no task is in. */
  readonly pid: number | null;
  /** kinds fd and socket: the descriptor's number in that process (the lowest, where it has several). */
  readonly fd?: number;
  /** kinds fd and socket, where the process holds more than one: all of them, as ranges ("3-9,12"). */
  readonly fds?: string;
  /** kinds fd and socket: how many descriptors (with fds); kind mount: how many mounts are stacked there. */
  readonly count?: number;
  /**
   * kind task: the thread. Kinds fd and socket: the thread whose own descriptor table
   * (unshare(CLONE_FILES)) holds it; kind mount: the thread whose mount namespace was read.
   */
  readonly tid?: number;
  /** kind mount: the mount point, in the mount namespace of pid. */
  readonly path?: string;
  /** kind mount: the inode of the mount namespace the mount is in. */
  readonly mountNamespace?: number;
  /** kind mount with pid null: what keeps that mount namespace alive (its first holder). */
  readonly mountNamespaceHeldBy?: Holder;
  readonly via?: { readonly type: NamespaceType; readonly ino: number };
  /** Why the namespace could not be opened through this holder, where it could not. */
  readonly unverified?: string;
}

/** A namespace of another type, listed under the user namespace that owns it (--owned). */
export interface OwnedNamespace {
  readonly type: NamespaceType;
  readonly id: NamespaceId;
  /** Processes whose /proc/PID/ns/TYPE it is, sorted. */
  readonly pids: number[];
  /** What holds it besides those processes. */
  readonly holders: Holder[];
}

export interface UserNamespace {
  readonly id: NamespaceId;
  /** null at a root: NS_GET_PARENT answered EPERM. */
  parent: UserNamespace | null;
  /** In the order discovery first met each child or one of its descendants. */
  readonly children: UserNamespace[];
  /** Member processes, sorted numerically once discovery is complete. */
  readonly pids: number[];
  /** What holds it besides its members; empty where nothing was looked for. */
  readonly holders: Holder[];
  /** What the views other than compat show; null when discovery was not asked for it. */
  details: NamespaceDetails | null;
  /**
   * Whether the original would show it: it, or a namespace below it, has a member process.
   * false for namespaces found only through what holds them (descriptors, bind mounts).
   */
  readonly viaProcesses: boolean;
}

/**
 * A namespace known only by the inode a link or a mount named, which could not be opened safely
 * (covered by another mount, changed while read), so its place in the tree is unknown.
 */
export interface UnplacedNamespace {
  readonly type: NamespaceType;
  readonly id: NamespaceId;
  readonly holders: Holder[];
}

/** One line of /proc/PID/uid_map or gid_map. */
export interface IdMapRange {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

export interface NamespaceDetails {
  /** NS_GET_OWNER_UID: the creator's UID; null where it could not be asked. */
  readonly ownerUid: number | null;
  /** From a member's uid_map and gid_map; null where no member's could be read. */
  readonly uidMap: readonly IdMapRange[] | null;
  readonly gidMap: readonly IdMapRange[] | null;
  /** With --owned: the namespaces of other types it owns, by type then inode; else null. */
  readonly owned: readonly OwnedNamespace[] | null;
  /**
   * Below a root only: its UID map (or GID map) maps some ID to UID (GID) 0 of the tool's own
   * namespace, the host's root where the tool runs in the initial one. Absent: not looked at.
   */
  readonly mapsHostRoot?: boolean;
  readonly mapsHostRootGroup?: boolean;
}

/**
 * A container, as the machine names it: from its cgroup path, a runtime's command line or the
 * engine's state files (src/containers/). Only what the machine holds: never a guess.
 */
export interface Container {
  /** podman, docker, containerd, cri-o, kubernetes, lxc, nspawn, libvirt, flatpak, snap, unit, bubblewrap, firejail, unshare. */
  readonly engine: string;
  /** The engine's ID for it (a sandbox's: the sandboxing process's PID); null where nothing says. */
  readonly id: string | null;
  /** Its name; null where nothing on the machine says it. */
  readonly name: string | null;
  /** Kubernetes: the pod, "NAMESPACE/NAME" from the runtime's state, else the pod's UID from the cgroup. */
  readonly pod?: string;
}

/** What a process's own text says of it (tree, json and dot, and --container). */
/**
 * Why something another user can make wait was not read: its read waited past its patience
 * (the process's memory lock is held), or the run's deadline came first.
 */
export type NotRead = 'stalled' | 'deadline';

export interface ProcessText {
  /** The unified hierarchy's path; where there is none, the v1 lines, one a line; null: unreadable. */
  readonly cgroup: string | null;
  /** /proc/PID/cmdline, bounded; [] for a kernel thread; null: unreadable, or not read (notRead says why). */
  readonly cmdline: readonly string[] | null;
  /** What was not read in time, and why. */
  readonly notRead?: { readonly cmdline: NotRead };
  readonly container: Container | null;
  /** One of the runtime's own processes (conmon, a shim, the LXC monitor, slirp4netns), not payload. */
  readonly runtime: boolean;
}

/** Why a process is missing from the tree. */
export type LeftOutReason = 'permission' | 'vanished' | 'error';

export interface LeftOutProcess {
  readonly pid: number;
  readonly reason: LeftOutReason;
  /** The errno name, for reason 'error' (and for the record otherwise). */
  readonly code: string;
}

/** Who looked, as far as it changes what could be seen: what the warnings need. */
export interface Viewer {
  readonly root: boolean;
  /** The tool itself runs inside a user namespace: what lies outside is not its to inspect. */
  readonly insideUserNamespace: boolean;
  /** /proc hides other users' processes (hidepid=invisible). */
  readonly hidesOtherUsers: boolean;
}

export interface ScanReport {
  /** How many /proc/PID entries discovery visited. */
  readonly visited: number;
  /** Processes that are not in the tree, in PID order. */
  readonly leftOut: LeftOutProcess[];
  readonly viewer: Viewer;
  /** What a budget stopped discovery from reading, one sentence each. */
  readonly cut: readonly string[];
}

export interface NamespaceTree {
  /** In the order in which discovery first met each root's tree. */
  readonly roots: UserNamespace[];
  readonly report: ScanReport;
  /** The owners' names by UID, from the user database, where the view shows owners. */
  readonly userNames?: ReadonlyMap<number, string>;
  /** Process names (/proc/PID/comm) where the view asked for them and they could be read. */
  readonly processNames: ReadonlyMap<number, string>;
  /** Cgroups, command lines and containers, where the view asked for them. */
  readonly processes?: ReadonlyMap<number, ProcessText>;
  /** With --owned: namespaces whose owner is outside what the tool can see (NS_GET_USERNS: EPERM). */
  readonly ownerNotVisible?: readonly OwnedNamespace[];
  /** Namespaces that holders name but that could not be opened safely, in the order met. */
  readonly unplaced: readonly UnplacedNamespace[];
}

export function newUserNamespace(id: NamespaceId, viaProcesses = true): UserNamespace {
  return { id, parent: null, children: [], pids: [], holders: [], details: null, viaProcesses };
}

/** User names by UID, for the owners; a name is absent where the user database has none. */
export interface UserNames {
  get(uid: number): string | undefined;
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

/**
 * The distinct containers of a namespace's members, in the order of their first member; the
 * runtime's own processes (conmon in the host's namespace, say) do not make one.
 */
export function containersOf(pids: readonly number[], processes: ReadonlyMap<number, ProcessText> | undefined): Container[] {
  const found: Container[] = [];
  for (const pid of pids) {
    const container = processes?.get(pid);
    if (container?.container == null || container.runtime) continue;
    const { engine, id, name } = container.container;
    if (!found.some((c) => c.engine === engine && c.id === id && c.name === name)) found.push(container.container);
  }
  return found;
}

/** The order of owned namespaces in every list: by type, then inode. */
export const byTypeThenInode = (a: { type: NamespaceType; id: NamespaceId }, b: { type: NamespaceType; id: NamespaceId }): number =>
  a.type === b.type ? a.id.ino - b.id.ino : a.type < b.type ? -1 : 1;

export function sameNamespace(a: NamespaceId, b: NamespaceId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
