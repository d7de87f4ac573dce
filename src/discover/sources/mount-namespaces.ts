// Bind mounts of namespace files (as `ip netns add` makes) in every mount namespace: those that
// processes are in, those that only a thread is in (unshare(CLONE_NEWNS) in a thread), and
// those that no task is in but a descriptor or a bind mount keeps alive (snapd's
// /run/snapd/ns/*.mnt), followed until nothing new is found. Each is read once, by its ID with
// listmount(2) and statmount(2), which see every mount whatever the reader's root (a chrooted
// member's mountinfo hides what lies outside its root) and need no task in the namespace. A
// kernel without them (before 6.11) falls back to a member's mountinfo, and says what that
// could not search. Each mount is opened, where it must be, from the namespace's root without
// following links (namespace-files.ts); one that another mount covers is named by inode.
import { enterMountNamespace, NO_HELPER, type EnteredMountNamespace } from '../../kernel/mount-namespace-helper';
import { NO_LISTMOUNT } from '../../kernel/mounts';
import { isOpen, NotTheNamespace, type HeldNamespace } from '../../kernel/namespace-files';
import { couldNotRead, mountPointText, type CouldNotRead, type NsfsMount } from '../../kernel/procfs';
import type { Holder } from '../../model';
import { held } from '../held';
import { threadsOf, type Discovery, type HolderSource } from '../state';

/** Helpers (single-threaded processes in a task-less mount namespace) alive at once, at most. */
const HELPERS = 16;

export const mountNamespaces: HolderSource = (d) => {
  const read = new Set<number>();
  let listmount = true;
  d.whenDone(() => readTaskless(d, read, listmount));

  /** The mount namespace `ino` of task pid (or tid): its nsfs mounts, each held. */
  const readThrough = (pid: number, ino: number, tid?: number): void => {
    read.add(ino);
    const place = tid === undefined ? {} : { tid };
    const holderAt = (mount: NsfsMount): Holder => ({
      kind: 'mount',
      pid,
      ...place,
      path: mountPointText(mount.mountPoint),
      ...(mount.count > 1 ? { count: mount.count } : {}),
      mountNamespace: ino,
    });
    const mounts = listmount ? mountsById(d, ino, pid, tid) : NO_LISTMOUNT;
    if (mounts === NO_LISTMOUNT) {
      listmount = false;
      // mountinfo's mount points are relative to the task's own root.
      const lines = d.kernel.procfs.nsfsMounts(pid, tid);
      if (couldNotRead(lines)) return;
      for (const mount of lines) held(d, mount.link, holderAt(mount), () => d.kernel.files().openBindMount(pid, mount, tid));
      return;
    }
    if (couldNotRead(mounts)) return;
    // statmount's mount points are relative to the namespace's root, found from the task's once.
    let root: number | null | undefined;
    const openFromRoot = (mount: NsfsMount): HeldNamespace => {
      if (root === undefined) {
        const found = d.kernel.files().mountNamespaceRoot(pid, tid);
        root = couldNotRead(found) ? null : found;
      }
      return root === null ? new NotTheNamespace('not opened: the mount namespace root could not be reached') : d.kernel.files().openBindMountFrom(root, mount);
    };
    try {
      for (const mount of mounts) held(d, mount.link, holderAt(mount), () => openFromRoot(mount));
    } finally {
      if (typeof root === 'number') d.kernel.procfs.closeDescriptor(root);
    }
  };

  return (visit) => {
    const { pid, own } = visit;
    const mnt = own.get('mnt');
    if (mnt !== undefined && !read.has(mnt)) readThrough(pid, mnt);
    for (const tid of threadsOf(d, visit)) {
      const link = d.kernel.procfs.threadNamespaceLink(pid, String(tid), 'mnt');
      if (link === null || couldNotRead(link) || link.ino === mnt || read.has(link.ino)) continue;
      readThrough(pid, link.ino, tid);
    }
  };
};

/** The nsfs mounts of mount namespace `ino`, which task pid (or tid) is in, by the namespace's ID. */
function mountsById(d: Discovery, ino: number, pid: number, tid?: number): NsfsMount[] | CouldNotRead | typeof NO_LISTMOUNT {
  let id = d.heldMountNamespaces.get(ino)?.id;
  if (id === undefined) {
    const opened = d.kernel.procfs.openOwnNamespace(pid, 'mnt', tid === undefined ? undefined : String(tid));
    if (couldNotRead(opened)) return opened;
    const asked = opened.id.ino === ino ? d.kernel.mounts().idOf(opened.fd) : null;
    d.kernel.procfs.closeDescriptor(opened.fd);
    if (asked === null) return [];
    id = asked === NO_LISTMOUNT ? null : asked;
  }
  return id === null ? NO_LISTMOUNT : d.kernel.mounts().nsfsMountsIn(id);
}

/**
 * Step after every process: the mount namespaces that holders keep alive but no task is in,
 * read by ID, their mounts opened from the namespace's root through a helper that enters it.
 * A mount namespace found in one of them joins the list as it is met, until nothing new is.
 */
function readTaskless(d: Discovery, read: Set<number>, listmount: boolean): void {
  const helpers: EnteredMountNamespace[] = [];
  let notSearched = 0;
  let noHelper = 0;
  try {
    for (const [ino, entry] of d.heldMountNamespaces) {
      if (read.has(ino)) continue;
      read.add(ino);
      if (!listmount || entry.id === null) {
        notSearched++;
        continue;
      }
      const mounts = d.kernel.mounts().nsfsMountsIn(entry.id);
      if (mounts === NO_LISTMOUNT) {
        notSearched++;
        continue;
      }
      if (couldNotRead(mounts)) continue;
      let root: number | string | undefined;
      const openFromHelper = (mount: NsfsMount): HeldNamespace => {
        root ??= enter(d, entry.reopen, ino, helpers);
        if (typeof root === 'string') {
          if (root === NO_HELPER_WORDS) noHelper++;
          return new NotTheNamespace(root);
        }
        return d.kernel.files().openBindMountFrom(root, mount);
      };
      for (const mount of mounts) {
        const holder: Holder = {
          kind: 'mount',
          pid: null,
          path: mountPointText(mount.mountPoint),
          ...(mount.count > 1 ? { count: mount.count } : {}),
          mountNamespace: ino,
          mountNamespaceHeldBy: entry.holder,
        };
        held(d, mount.link, holder, () => openFromHelper(mount));
      }
    }
  } finally {
    for (const helper of helpers) {
      d.kernel.procfs.closeDescriptor(helper.root);
      helper.leave();
    }
  }
  if (notSearched > 0) {
    d.cut.push(
      `this kernel cannot list another mount namespace's mounts (listmount(2) by namespace ID, Linux 6.11): ` +
        `${notSearched} mount namespace${notSearched === 1 ? '' : 's'} that no process is in were not searched, ` +
        `and bind mounts outside a chrooted process's root were not seen`,
    );
  } else if (!listmount) {
    d.cut.push(`this kernel cannot list a mount namespace's mounts (listmount(2), Linux 6.11): bind mounts outside a chrooted process's root were not seen`);
  }
  if (noHelper > 0) {
    d.cut.push(`${NO_HELPER_WORDS}: ${noHelper} bind mount${noHelper === 1 ? '' : 's'} in mount namespaces that no process is in are named by inode only`);
  }
}

const NO_HELPER_WORDS = 'no root-owned python3 to enter a mount namespace that no process is in';

/** A helper's root in the mount namespace, or the words for why there is none. */
function enter(d: Discovery, reopen: () => HeldNamespace, ino: number, helpers: EnteredMountNamespace[]): number | string {
  if (helpers.length >= HELPERS) return `more than ${HELPERS} mount namespaces that no process is in`;
  const opened = reopen();
  if (!isOpen(opened)) return 'the mount namespace could not be opened again';
  try {
    const entered = enterMountNamespace(opened.fd, ino);
    if (entered === NO_HELPER) return NO_HELPER_WORDS;
    if (couldNotRead(entered)) return `the helper could not enter the mount namespace (${entered.code})`;
    helpers.push(entered);
    return entered.root;
  } finally {
    d.kernel.procfs.closeDescriptor(opened.fd);
  }
}
