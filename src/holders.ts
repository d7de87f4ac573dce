// What keeps namespaces alive besides member processes (namespaces(7), "Namespace lifetime"):
// open descriptors, bind mounts, threads, pid_for_children and time_for_children, and, for a
// user namespace, the namespaces it owns. Run after the process scan; it only adds to the tree.
import { closeNamespace, identify, isUnreadable, listProcDirectory, nsfsDevice, nsfsMounts, openNamespaceFile, PROC, readNamespaceLink, type NamespaceLink } from './kernel/procfs';
import { NAMESPACE_TYPES, type Holder, type NamespaceType, type OwnedNamespace, type UserNamespace } from './model';
import type { UserNamespaceIndex } from './scan';

export interface HoldersFound {
  /** For each user namespace, what holds it besides its members. */
  readonly holders: ReadonlyMap<UserNamespace, Holder[]>;
  /** With --owned: each user namespace's namespaces of the asked types; else null. */
  readonly owned: ReadonlyMap<UserNamespace, OwnedNamespace[]> | null;
  readonly ownerNotVisible?: OwnedNamespace[];
}

const OTHER_TYPES = NAMESPACE_TYPES.filter((type) => type !== 'user');
// A process's namespaces for the children it will create: they may differ from its own.
const FOR_CHILDREN = [
  ['pid_for_children', 'pid'],
  ['time_for_children', 'time'],
] as const;

interface OwnedEntry {
  readonly namespace: { type: NamespaceType; id: OwnedNamespace['id']; pids: number[]; holders: Holder[] };
  /** null: NS_GET_USERNS said EPERM (outside what we can see), or could not be asked. */
  readonly owner: UserNamespace | null;
  /** Whether its owner already records a hold through it. */
  heldOwner: boolean;
}

export function discoverHolders(scan: UserNamespaceIndex, pids: readonly string[], ownedTypes: ReadonlySet<NamespaceType> | undefined): HoldersFound {
  const discovery = new Discovery(scan, ownedTypes !== undefined);
  const mountNamespacesRead = new Set<number>();
  for (const name of pids) {
    const pid = Number(name);
    const own = new Map<NamespaceType, number>();
    for (const type of OTHER_TYPES) {
      const path = `${PROC}/${name}/ns/${type}`;
      const link = readNamespaceLink(path);
      if (link === null) continue;
      own.set(type, link.ino);
      discovery.found(link, path, { kind: 'process', pid });
    }
    for (const [file, type] of FOR_CHILDREN) {
      const path = `${PROC}/${name}/ns/${file}`;
      const link = readNamespaceLink(path);
      if (link !== null && link.type === type && link.ino !== own.get(type)) discovery.found(link, path, { kind: 'for-children', pid });
    }
    for (const fd of listProcDirectory(`${PROC}/${name}/fd`)) {
      const path = `${PROC}/${name}/fd/${fd}`;
      const link = readNamespaceLink(path);
      if (link !== null) discovery.found(link, path, { kind: 'fd', pid, fd: Number(fd) });
    }
    // Bind mounts: once for each mount namespace, read through a process that is in it, since
    // a mount point means something only there (/proc/PID/root).
    const mnt = own.get('mnt');
    if (mnt !== undefined && !mountNamespacesRead.has(mnt)) {
      mountNamespacesRead.add(mnt);
      for (const mount of nsfsMounts(pid)) {
        discovery.found(mount.link, `${PROC}/${name}/root${mount.mountPoint}`, { kind: 'mount', pid, path: mount.mountPoint });
      }
    }
    // Threads share their process's user namespace, but may have unshared others.
    if (ownedTypes !== undefined) {
      for (const tid of listProcDirectory(`${PROC}/${name}/task`)) {
        if (tid === name) continue;
        for (const type of OTHER_TYPES) {
          const path = `${PROC}/${name}/task/${tid}/ns/${type}`;
          const link = readNamespaceLink(path);
          if (link !== null && link.ino !== own.get(type)) discovery.found(link, path, { kind: 'task', pid, tid: Number(tid) });
        }
      }
    }
  }
  return discovery.result(ownedTypes);
}

class Discovery {
  private readonly holders = new Map<UserNamespace, Holder[]>();
  private readonly entries = new Map<string, OwnedEntry>();
  private readonly nsfsDev = nsfsDevice();

  constructor(
    private readonly scan: UserNamespaceIndex,
    private readonly listOwned: boolean,
  ) {}

  /** A namespace reached through `path` (a link or a mount point), held by `holder`. */
  found(link: NamespaceLink, path: string, holder: Holder): void {
    if (link.type === 'user') this.userNamespace(link, path, holder);
    else this.ownedNamespace(link, path, holder);
  }

  private userNamespace(link: NamespaceLink, path: string, holder: Holder): void {
    let ns = this.scan.known({ dev: this.nsfsDev, ino: link.ino });
    if (ns === undefined) {
      const opened = openNamespaceFile(path, String(holder.pid));
      // Gone since the link was read, or not ours to open: nothing to show.
      if (isUnreadable(opened)) return;
      ns = this.scan.place(opened);
    }
    this.hold(ns, holder);
  }

  private ownedNamespace(link: NamespaceLink, path: string, holder: Holder): void {
    const key = `${link.type}:${link.ino}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const opened = openNamespaceFile(path, String(holder.pid));
      if (isUnreadable(opened)) return;
      entry = { namespace: { type: link.type, id: opened.id, pids: [], holders: [] }, owner: this.ownerOf(opened.fd), heldOwner: false };
      closeNamespace(opened.fd);
      this.entries.set(key, entry);
    }
    if (this.listOwned) {
      if (holder.kind === 'process') entry.namespace.pids.push(holder.pid);
      entry.namespace.holders.push(holder);
    }
    // An owned namespace keeps its owner alive: say so where nothing else visibly does.
    if (entry.owner !== null && entry.owner.pids.length === 0 && !entry.heldOwner) {
      entry.heldOwner = true;
      this.hold(entry.owner, { ...holder, via: { type: link.type, ino: link.ino } });
    }
  }

  /** NS_GET_USERNS: the owning user namespace, placed in the tree; null where not visible. */
  private ownerOf(fd: number): UserNamespace | null {
    const owner = this.scan.ioctls.ownerNamespaceOf(fd);
    if (!owner.ok) return null;
    const id = identify(owner.fd);
    const known = this.scan.known(id);
    if (known !== undefined) {
      closeNamespace(owner.fd);
      return known;
    }
    return this.scan.place({ fd: owner.fd, id });
  }

  private hold(ns: UserNamespace, holder: Holder): void {
    if (holder.kind === 'process' && holder.via === undefined) return;
    const list = this.holders.get(ns);
    if (list === undefined) this.holders.set(ns, [holder]);
    else list.push(holder);
  }

  result(ownedTypes: ReadonlySet<NamespaceType> | undefined): HoldersFound {
    if (ownedTypes === undefined) return { holders: this.holders, owned: null };
    const owned = new Map<UserNamespace, OwnedNamespace[]>();
    const ownerNotVisible: OwnedNamespace[] = [];
    const byTypeThenInode = (a: OwnedNamespace, b: OwnedNamespace): number => (a.type === b.type ? a.id.ino - b.id.ino : a.type < b.type ? -1 : 1);
    for (const { namespace, owner } of this.entries.values()) {
      if (!ownedTypes.has(namespace.type)) continue;
      namespace.pids.sort((a, b) => a - b);
      if (owner === null) ownerNotVisible.push(namespace);
      else owned.set(owner, [...(owned.get(owner) ?? []), namespace]);
    }
    for (const list of owned.values()) list.sort(byTypeThenInode);
    return { holders: this.holders, owned, ownerNotVisible: ownerNotVisible.sort(byTypeThenInode) };
  }
}
