// Opening a namespace file that another user points at: a descriptor in their process, or a
// bind mount in their mount namespace. Such a path or descriptor may lead to a FIFO, a device,
// a symlink to /etc/shadow or a mount on top of the namespace, so nothing is opened for I/O
// until it is proven to be the namespace file that the link or mountinfo named (the way runc
// and systemd treat paths in other people's namespaces).
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { errnoName } from './ioctl-ns.js';
import type { Libc } from './libc.js';
import {
  closeDescriptor,
  CouldNotRead,
  couldNotRead,
  describeDescriptor,
  mountIdOf,
  nsfsDevice,
  placeOf,
  O_PATH_NOFOLLOW,
  openRootPath,
  reopenForIoctls,
  whyUnreadable,
  type NamespaceLink,
  type NsfsMount,
  type OpenNamespace,
} from './procfs.js';

/** Why a holder's namespace could not be opened safely: words for the views. */
export const COVERED = 'covered by another mount';
export const CHANGED = 'changed while read';

/** The answer where a holder's file is not, or no longer, the namespace it named. */
export class NotTheNamespace {
  constructor(readonly why: string) {}
}

export type HeldNamespace = OpenNamespace | NotTheNamespace | CouldNotRead;

// openat2(2): resolve like a chroot into the process's root, and follow no symlink of any kind.
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_IN_ROOT = 0x10;
const { ENOSYS, ESRCH, ENOENT, ELOOP, EXDEV, EBADF } = osConstants.errno;

export interface NamespaceFiles {
  /**
   * Descriptor `fd` of process `pid` (of its thread `tid`, where the thread has a descriptor
   * table of its own), duplicated with pidfd_getfd(2): no open(2) at all.
   */
  takeDescriptor(pid: number, fd: number, link: NamespaceLink, tid?: number): HeldNamespace;
  /** A bind mount read from the mountinfo of `pid` (or of its thread `tid`), resolved from its root without following links. */
  openBindMount(pid: number, mount: NsfsMount, tid?: number): HeldNamespace;
  /** A bind mount whose mount point is relative to `root`, a descriptor of its mount namespace's root. */
  openBindMountFrom(root: number, mount: NsfsMount): HeldNamespace;
  /**
   * The root of the mount namespace that task `pid` (or `tid`) is in, whatever its own root: from
   * that root (which chroot(2) may have set anywhere) up with ".." until it leads nowhere higher,
   * the top of the namespace's mount tree, where statmount(2) starts its mount points.
   */
  mountNamespaceRoot(pid: number, tid?: number): number | CouldNotRead;
}

export const isOpen = (held: HeldNamespace): held is OpenNamespace => !(held instanceof NotTheNamespace) && !couldNotRead(held);

/** Keeps fd if it is the nsfs file `ino`; closes it otherwise. */
function provenNamespace(fd: number, ino: number, why: string): OpenNamespace | NotTheNamespace | CouldNotRead {
  const seen = describeDescriptor(fd);
  if (!couldNotRead(seen) && seen.regular && seen.id.dev === nsfsDevice() && seen.id.ino === ino) return { fd, id: seen.id };
  closeDescriptor(fd);
  return couldNotRead(seen) ? seen : new NotTheNamespace(why);
}

export function namespaceFiles(libc: Libc): NamespaceFiles {
  return {
    takeDescriptor(pid, fd, link, tid) {
      const pidfd = tid === undefined ? libc.pidfdOpen(pid) : libc.pidfdOpenThread(tid);
      if (pidfd < 0) return failed(-pidfd, pid);
      const taken = libc.pidfdGetfd(pidfd, fd);
      closeDescriptor(pidfd);
      // EBADF: the descriptor was closed since its link was read.
      if (taken < 0) return -taken === EBADF ? new NotTheNamespace(CHANGED) : failed(-taken, pid);
      return provenNamespace(taken, link.ino, CHANGED);
    },
    openBindMount(pid, mount, tid) {
      const root = openRootPath(pid, tid);
      if (couldNotRead(root)) return root;
      try {
        return this.openBindMountFrom(root, mount);
      } finally {
        closeDescriptor(root);
      }
    },
    mountNamespaceRoot(pid, tid) {
      let at = openRootPath(pid, tid);
      if (couldNotRead(at)) return at;
      // ".." stops at the top of the namespace's mount tree (and at our own root, in our own
      // namespace): climb until a step changes nothing. Bounded: a path has at most 2048 levels.
      const up = Buffer.from('../'.repeat(64) + '\0');
      for (let round = 0; round < 40; round++) {
        const next = libc.openat2(at, up, O_PATH_NOFOLLOW | O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (next < 0) {
          closeDescriptor(at);
          return failed(-next, pid);
        }
        const same = placeOf(next) === placeOf(at);
        closeDescriptor(at);
        at = next;
        if (same) return at;
      }
      return at;
    },
    openBindMountFrom(root, mount) {
      const relative = Buffer.concat([mount.mountPoint, Buffer.of(0)]);
      const pathFd = libc.openat2(root, relative, O_PATH_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
      if (pathFd < 0) {
        // ENOENT, ELOOP, EXDEV: the path no longer leads to the mount the way mountinfo says.
        if (-pathFd === ENOENT || -pathFd === ELOOP || -pathFd === EXDEV) return new NotTheNamespace(COVERED);
        // Before Linux 5.6 there is no openat2, and no safe way to resolve the path.
        if (-pathFd === ENOSYS) return new NotTheNamespace('not opened: this kernel has no openat2 (Linux 5.6)');
        return failed(-pathFd, 'self');
      }
      // Another mount on top (a tmpfs over the directory, another file over this one) has its own ID.
      const why = mountIdOf(pathFd) === mount.mountId ? CHANGED : COVERED;
      const proven = provenNamespace(pathFd, mount.link.ino, why);
      if (!isOpen(proven)) return proven;
      const fd = reopenForIoctls(proven.fd);
      closeDescriptor(proven.fd);
      return couldNotRead(fd) ? fd : { fd, id: proven.id };
    },
  };
}

const O_DIRECTORY = fsConstants.O_DIRECTORY;

function failed(errno: number, pid: number | 'self'): CouldNotRead {
  if (errno === ESRCH) return new CouldNotRead('vanished', 'ESRCH');
  return whyUnreadable({ code: errnoName(errno) }, pid);
}
