// Bind mounts of namespace files (as `ip netns add` makes) in every mount namespace: those that
// processes are in, those that only a thread is in (unshare(CLONE_NEWNS) in a thread), and
// those that no task is in but a descriptor or a bind mount keeps alive (snapd's
// /run/snapd/ns/*.mnt), followed until nothing new is found. Each is read once, by its ID with
// listmount(2) and statmount(2), which see every mount whatever the reader's root (a chrooted
// member's mountinfo hides what lies outside its root) and need no task in the namespace. A
// kernel without them (before 6.11) falls back to a member's mountinfo, and says what that
// could not search. Each mount is opened, where it must be, from the namespace's root without
// following links (namespace-files.ts); one that another mount covers is named by inode.
import { enterMountNamespace, NO_HELPER, type EnteredMountNamespace } from '../../kernel/mount-namespace-helper.js';
import { NO_LISTMOUNT } from '../../kernel/mounts.js';
import { isOpen, NotTheNamespace, type HeldNamespace } from '../../kernel/namespace-files.js';
import { couldNotRead, mountPointText, type CouldNotRead, type NsfsMount, type NsfsMounts } from '../../kernel/procfs.js';
import type { Holder } from '../../model.js';
import { held } from '../held.js';
import { firstFew, threadsOf, type Discovery, type HolderSource } from '../state.js';

/** Helpers (single-threaded processes in a task-less mount namespace) alive at once, at most. */
const HELPERS = 16;

/**
 * How long a run asks for mounts in all, at most. The kernel writes a mount's mount point by
 * walking up from it, through every mount stacked beneath, and another user can stack
 * thousands (measured with mountinfo: 2,000 stacked mounts 16 ms, 5,000 200 ms, 40,000 about
 * 40 s); statmount is spared most of that (mounts stacked on nsfs mounts are not asked for
 * their mount point), mountinfo is not.
 */
export const MOUNT_READING_SECONDS = 2;

export const mountNamespaces: HolderSource = (d) => {
  const read = new Set<number>();
  let listmount = true;
  const deadline = performance.now() + MOUNT_READING_SECONDS * 1000;
  /** The PIDs (or, for those no task is in, the mount namespaces) whose mounts were read in part. */
  const cutShort: string[] = [];
  const whole = (found: NsfsMounts, who: string): NsfsMount[] => {
    if (!found.complete) cutShort.push(who);
    return found.mounts;
  };
  d.whenDone(() => {
    readTaskless(d, read, listmount, deadline, whole);
    if (cutShort.length === 0) return;
    const which = firstFew(cutShort);
    d.cut.push(
      `read mounts for ${MOUNT_READING_SECONDS} s, as long as a run reads them, and stopped: the bind mounts of the mount ` +
        `namespaces of ${which} were read in part or not at all; a namespace that only they hold is not shown`,
    );
  });

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
    const who = `PID ${pid}`;
    const byId = listmount ? mountsById(d, ino, pid, deadline, tid) : NO_LISTMOUNT;
    if (byId === NO_LISTMOUNT) {
      listmount = false;
      // mountinfo's mount points are relative to the task's own root.
      const lines = d.kernel.procfs.nsfsMounts(pid, deadline, tid);
      if (couldNotRead(lines)) return;
      for (const mount of whole(lines, who)) held(d, mount.link, holderAt(mount), () => d.kernel.files().openBindMount(pid, mount, tid));
      return;
    }
    if (couldNotRead(byId)) return;
    const mounts = whole(byId, who);
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
    for (const tid of threadsOf(visit)) {
      const link = d.kernel.procfs.threadNamespaceLink(pid, String(tid), 'mnt');
      if (link === null || couldNotRead(link) || link.ino === mnt || read.has(link.ino)) continue;
      readThrough(pid, link.ino, tid);
    }
  };
};

/** The nsfs mounts of mount namespace `ino`, which task pid (or tid) is in, by the namespace's ID. */
function mountsById(d: Discovery, ino: number, pid: number, deadline: number, tid?: number): NsfsMounts | CouldNotRead | typeof NO_LISTMOUNT {
  let id = d.heldMountNamespaces.get(ino)?.id;
  if (id === undefined) {
    const opened = d.kernel.procfs.openOwnNamespace(pid, 'mnt', tid === undefined ? undefined : String(tid));
    if (couldNotRead(opened)) return opened;
    const asked = opened.id.ino === ino ? d.kernel.mounts().idOf(opened.fd) : null;
    d.kernel.procfs.closeDescriptor(opened.fd);
    if (asked === null) return { mounts: [], complete: true };
    id = asked === NO_LISTMOUNT ? null : asked;
  }
  return id === null ? NO_LISTMOUNT : d.kernel.mounts().nsfsMountsIn(id, deadline);
}

/**
 * Step after every process: the mount namespaces that holders keep alive but no task is in,
 * read by ID, their mounts opened from the namespace's root through a helper that enters it.
 * A mount namespace found in one of them joins the list as it is met, until nothing new is.
 */
function readTaskless(
  d: Discovery,
  read: Set<number>,
  listmount: boolean,
  deadline: number,
  whole: (found: NsfsMounts, who: string) => NsfsMount[],
): void {
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
      const found = d.kernel.mounts().nsfsMountsIn(entry.id, deadline);
      if (found === NO_LISTMOUNT) {
        notSearched++;
        continue;
      }
      if (couldNotRead(found)) continue;
      const mounts = whole(found, `mount namespace ${ino}`);
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
