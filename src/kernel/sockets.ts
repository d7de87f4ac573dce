// The network namespace of another process's socket: SIOCGSKNS (Linux 4.9) on a duplicate of
// the socket taken with pidfd_getfd(2), as lsns 2.41 does. No path is opened: the duplicate
// is proven to be the socket the link named (a socket, with that inode) before it is asked,
// and the answer proven to be an nsfs file before it is used.
import { constants as osConstants } from 'node:os';
import { errnoName } from './ioctl-ns.js';
import { tooManyOpenFiles } from '../failure.js';
import type { Libc } from './libc.js';
import { NotTheNamespace, CHANGED } from './namespace-files.js';
import { closeDescriptor, CouldNotRead, couldNotRead, describeDescriptor, nsfsDevice, socketInodeOf, whyUnreadable, type OpenNamespace } from './procfs.js';

// <linux/sockios.h>
const SIOCGSKNS = 0x894c;
const { ESRCH, EBADF, ENOTTY, EINVAL, EMFILE, ENFILE, EPERM, EACCES } = osConstants.errno;

/** The answer where this kernel has no SIOCGSKNS, or no pidfd_getfd (Linux 5.6). */
export const NO_SOCKET_NAMESPACES = 'no SIOCGSKNS';

/** A process, or one of its threads, open as a pidfd for as long as its sockets are asked. */
export interface OpenTask {
  readonly pidfd: number;
  readonly pid: number;
}

export interface SocketNamespaces {
  /** A pidfd of process `pid`, or of its thread `tid` (whose own descriptor table is then read). */
  openTask(pid: number, tid?: number): OpenTask | CouldNotRead | typeof NO_SOCKET_NAMESPACES;
  /** The network namespace of descriptor `fd` of `task`, which its link named socket `socketIno`. */
  networkNamespaceOf(task: OpenTask, fd: number, socketIno: number): OpenNamespace | NotTheNamespace | CouldNotRead | typeof NO_SOCKET_NAMESPACES;
  closeTask(task: OpenTask): void;
}

export function socketNamespaces(libc: Libc): SocketNamespaces {
  const failed = (errno: number, pid: number): CouldNotRead => {
    if (errno === EMFILE || errno === ENFILE) throw tooManyOpenFiles();
    if (errno === ESRCH) return new CouldNotRead('vanished', 'ESRCH');
    return whyUnreadable({ code: errnoName(errno) }, pid);
  };
  return {
    openTask(pid, tid) {
      const pidfd = tid === undefined ? libc.pidfdOpen(pid) : libc.pidfdOpenThread(tid);
      // EINVAL for a thread: no PIDFD_THREAD before Linux 6.9; ENOSYS: no pidfd_open before 5.3.
      if (pidfd < 0) return -pidfd === EINVAL || osConstants.errno.ENOSYS === -pidfd ? NO_SOCKET_NAMESPACES : failed(-pidfd, pid);
      return { pidfd, pid };
    },
    networkNamespaceOf(task, fd, socketIno) {
      const taken = libc.pidfdGetfd(task.pidfd, fd);
      if (taken < 0) {
        // EBADF: closed since its link was read.
        if (-taken === EBADF) return new NotTheNamespace(CHANGED);
        if (-taken === osConstants.errno.ENOSYS) return NO_SOCKET_NAMESPACES;
        return failed(-taken, task.pid);
      }
      let answer: number;
      try {
        // Another file in its place since the link was read: not the socket named.
        const ino = socketInodeOf(taken);
        if (couldNotRead(ino)) return ino;
        if (ino !== socketIno) return new NotTheNamespace(CHANGED);
        answer = libc.ioctl(taken, SIOCGSKNS);
      } finally {
        closeDescriptor(taken);
      }
      if (answer < 0) {
        // ENOTTY, EINVAL: no SIOCGSKNS before Linux 4.9.
        if (-answer === ENOTTY || -answer === EINVAL) return NO_SOCKET_NAMESPACES;
        // EPERM: not CAP_NET_ADMIN over the socket's network namespace.
        if (-answer === EPERM || -answer === EACCES) return new CouldNotRead('permission', errnoName(-answer));
        return failed(-answer, task.pid);
      }
      const seen = describeDescriptor(answer);
      if (!couldNotRead(seen) && seen.regular && seen.id.dev === nsfsDevice()) return { fd: answer, id: seen.id };
      closeDescriptor(answer);
      return couldNotRead(seen) ? seen : new NotTheNamespace(CHANGED);
    },
    closeTask(task) {
      closeDescriptor(task.pidfd);
    },
  };
}
