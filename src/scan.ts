// The scanner: turns /proc into the model. Each process's user namespace is identified with one
// readlink(2); each namespace's ancestry is then climbed once with NS_GET_PARENT.
import { ToolFailure } from './failure';
import type { HoldersFound } from './holders';
import { tooManyOpenFiles, type NamespaceIoctls } from './kernel/ioctl-ns';
import {
  closeNamespace,
  identify,
  isUnreadable,
  listPidEntries,
  openUserNamespace,
  readComm,
  readIdMap,
  nsfsDevice,
  userNamespaceInode,
  type OpenNamespace,
} from './kernel/procfs';
import {
  newUserNamespace,
  sameNamespace,
  type Holder,
  type IdMapRange,
  type LeftOutProcess,
  type NamespaceDetails,
  type NamespaceId,
  type NamespaceTree,
  type NamespaceType,
  type OwnedNamespace,
  type UserNamespace,
} from './model';

// include/linux/proc_ns.h: the initial user namespace always has this inode, so it needs no
// ioctl to be known as a root, and a run that meets no other namespace loads no FFI backend.
export const PROC_USER_INIT_INO = 0xeffffffd;

/** Namespaces by (dev, ino). dev is nearly always the one nsfs device, so the outer map is tiny. */
class NamespaceIndex {
  private readonly byDev = new Map<number, Map<number, UserNamespace>>();

  get(dev: number, ino: number): UserNamespace | undefined {
    return this.byDev.get(dev)?.get(ino);
  }

  add(ns: UserNamespace): void {
    let byIno = this.byDev.get(ns.id.dev);
    if (byIno === undefined) this.byDev.set(ns.id.dev, (byIno = new Map()));
    byIno.set(ns.id.ino, ns);
  }
}

/** The FFI backend, asked for only when a parent must be climbed to. */
export type IoctlsLoader = () => NamespaceIoctls;

export interface ScanOptions {
  /** Also gather owners, ID maps and process names (the views other than compat). */
  readonly details?: boolean;
  /** Also find namespaces that only descriptors and bind mounts keep alive, and what holds each. */
  readonly holders?: boolean;
  /** Also list, under each user namespace, the namespaces of these types that it owns. */
  readonly owned?: ReadonlySet<NamespaceType>;
}

export function scanUserNamespaces(loadIoctls: IoctlsLoader, options: ScanOptions = {}): NamespaceTree {
  const scan = new Scan(loadIoctls, options.details === true || options.holders === true || options.owned !== undefined);
  const pids = listPidEntries();
  for (const pid of pids) scan.visit(pid);
  scan.climbAll();
  // Everything the original sees is placed by now; what follows only adds to it.
  const held =
    options.holders === true || options.owned !== undefined
      ? (require('./holders') as typeof import('./holders')).discoverHolders(scan, pids, options.owned)
      : null;
  return scan.result(pids.length, held);
}

/** The scanner as the holder discovery (holders.ts) sees it. */
export interface UserNamespaceIndex {
  known(id: NamespaceId): UserNamespace | undefined;
  /** Places the user namespace open as `opened` in the tree, climbing if it is new; closes it. */
  place(opened: OpenNamespace): UserNamespace;
  readonly ioctls: NamespaceIoctls;
}

class Scan implements UserNamespaceIndex {
  private readonly index = new NamespaceIndex();
  /** Namespaces with members, in the order the scan first met them. */
  private readonly metOrder: UserNamespace[] = [];
  /** Namespaces whose place in the tree is known (attached to a parent, or a root). */
  private readonly placed = new Set<UserNamespace>();
  private readonly roots: UserNamespace[] = [];
  private readonly leftOut: LeftOutProcess[] = [];
  private readonly ownerUids = new Map<UserNamespace, number | null>();
  private loadedIoctls: NamespaceIoctls | undefined;
  private readonly nsfsDev = nsfsDevice();
  /** false once the processes are placed: later namespaces are found only through holders. */
  private viaProcesses = true;

  constructor(
    private readonly loadIoctls: IoctlsLoader,
    private readonly details: boolean,
  ) {}

  visit(pid: string): void {
    const ino = userNamespaceInode(pid);
    if (typeof ino !== 'number') {
      this.leftOut.push({ pid: Number(pid), ...ino });
      return;
    }
    const ns = this.index.get(this.nsfsDev, ino) ?? this.firstMet({ dev: this.nsfsDev, ino });
    ns.pids.push(Number(pid));
  }

  private firstMet(id: NamespaceId): UserNamespace {
    const ns = newUserNamespace(id, this.viaProcesses);
    this.index.add(ns);
    this.metOrder.push(ns);
    return ns;
  }

  /** Places every namespace met, in the order met: that order decides the order of children. */
  climbAll(): void {
    // metOrder may grow while we go: a process that moved is filed under its new namespace.
    for (let i = 0; i < this.metOrder.length; i++) {
      const ns = this.metOrder[i]!;
      if (this.placed.has(ns)) continue;
      // With details, the owner must be asked for through a descriptor, so no shortcut.
      if (ns.id.ino === PROC_USER_INIT_INO && !this.details) {
        this.placeAsRoot(ns);
        continue;
      }
      const fd = this.openThroughMember(ns);
      if (fd !== undefined) this.climbFrom(ns, fd);
    }
  }

  /**
   * A descriptor for ns, opened through one of its members. Members that are gone, unreadable
   * or now elsewhere are taken out of ns; with none left, ns is left out with them.
   */
  private openThroughMember(ns: UserNamespace): number | undefined {
    while (ns.pids.length > 0) {
      const pid = ns.pids[ns.pids.length - 1]!;
      const opened = openUserNamespace(String(pid));
      if (!isUnreadable(opened) && sameNamespace(opened.id, ns.id)) return opened.fd;
      ns.pids.pop();
      if (isUnreadable(opened)) {
        this.leftOut.push({ pid, ...opened });
      } else {
        // setns(2) or unshare(2) since the first look, or a reused PID: file it where it is now.
        closeNamespace(opened.fd);
        let now = this.index.get(opened.id.dev, opened.id.ino);
        // Met before but passed over (every member gone then): it must be visited again.
        if (now !== undefined && !this.placed.has(now)) this.metOrder.push(now);
        now ??= this.firstMet(opened.id);
        now.pids.push(pid);
      }
    }
    return undefined;
  }

  /** Climbs from ns (open as fd) until a placed namespace or a root; closes every descriptor. */
  private climbFrom(ns: UserNamespace, fd: number): void {
    let child = ns;
    try {
      for (;;) {
        if (this.details) this.askOwner(child, fd);
        const parent = this.ioctls.parentOf(fd);
        if (!parent.ok) {
          // EPERM: the parent is outside the caller's namespace scope, so child is a root.
          if (parent.errno === 'EPERM') return this.placeAsRoot(child);
          if (parent.errno === 'ENOTTY') {
            throw new ToolFailure('this kernel has no namespace ioctls (NS_GET_PARENT needs Linux 4.9 or later)');
          }
          // NS_GET_PARENT makes a descriptor, so it can meet a full descriptor table.
          if (parent.errno === 'EMFILE' || parent.errno === 'ENFILE') throw tooManyOpenFiles();
          throw new ToolFailure(`ioctl(NS_GET_PARENT) failed: ${parent.errno}`);
        }
        closeNamespace(fd);
        fd = parent.fd;
        const parentId = identify(fd);
        const parentNs = this.index.get(parentId.dev, parentId.ino) ?? this.memberlessAncestor(parentId);
        child.parent = parentNs;
        parentNs.children.push(child);
        this.placed.add(child);
        if (this.placed.has(parentNs)) return;
        if (parentNs.id.ino === PROC_USER_INIT_INO && !this.details) return this.placeAsRoot(parentNs);
        child = parentNs;
      }
    } finally {
      closeNamespace(fd);
    }
  }

  private askOwner(ns: UserNamespace, fd: number): void {
    const owner = this.ioctls.ownerUidOf(fd);
    this.ownerUids.set(ns, owner.ok ? owner.uid : null);
  }

  private memberlessAncestor(id: NamespaceId): UserNamespace {
    const ns = newUserNamespace(id, this.viaProcesses);
    this.index.add(ns);
    return ns;
  }

  private placeAsRoot(ns: UserNamespace): void {
    ns.parent = null;
    this.placed.add(ns);
    this.roots.push(ns);
  }

  /** Loaded on first use: a run that climbs nowhere loads no FFI library. */
  get ioctls(): NamespaceIoctls {
    return (this.loadedIoctls ??= this.loadIoctls());
  }

  known(id: NamespaceId): UserNamespace | undefined {
    const ns = this.index.get(id.dev, id.ino);
    return ns !== undefined && this.placed.has(ns) ? ns : undefined;
  }

  place(opened: OpenNamespace): UserNamespace {
    this.viaProcesses = false;
    const ns = this.index.get(opened.id.dev, opened.id.ino);
    if (ns !== undefined && this.placed.has(ns)) {
      closeNamespace(opened.fd);
      return ns;
    }
    // Met before but left out when its members were gone: still alive, since it is held.
    const held = ns ?? this.memberlessAncestor(opened.id);
    this.climbFrom(held, opened.fd);
    return held;
  }

  result(visited: number, held: HoldersFound | null): NamespaceTree {
    for (const ns of this.placed) {
      ns.pids.sort((a, b) => a - b);
      if (this.details) {
        ns.details = detailsOf(ns, this.ownerUids.get(ns) ?? null, held?.holders.get(ns) ?? [], held?.owned?.get(ns) ?? null, held !== null && held.owned !== null);
      }
    }
    this.leftOut.sort((a, b) => a.pid - b.pid);
    const tree: NamespaceTree = { roots: this.roots, report: { visited, leftOut: this.leftOut } };
    return held?.ownerNotVisible !== undefined ? { ...tree, ownerNotVisible: held.ownerNotVisible } : tree;
  }
}

/** The ID maps come from the first member whose maps can still be read. */
function detailsOf(
  ns: UserNamespace,
  ownerUid: number | null,
  heldBy: readonly Holder[],
  owned: readonly OwnedNamespace[] | null,
  ownedAsked: boolean,
): NamespaceDetails {
  let uidMap: IdMapRange[] | null = null;
  let gidMap: IdMapRange[] | null = null;
  for (const pid of ns.pids) {
    uidMap = readIdMap(pid, 'uid');
    gidMap = readIdMap(pid, 'gid');
    if (uidMap !== null && gidMap !== null) break;
  }
  const processes = ns.pids.map((pid) => ({ pid, comm: readComm(pid) }));
  const holders: Holder[] = [...ns.pids.map((pid) => ({ kind: 'process' as const, pid })), ...heldBy];
  return { ownerUid, uidMap, gidMap, processes, holders, owned: ownedAsked ? (owned ?? []) : null };
}
