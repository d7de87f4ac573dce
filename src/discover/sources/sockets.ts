// Sockets: a socket keeps its network namespace alive (and so that namespace's owning user
// namespace), even in a process that is not in it, as when a socket is handed on with
// SCM_RIGHTS. Each socket the descriptors source met is asked once (by its inode) with
// SIOCGSKNS on a duplicate taken with pidfd_getfd(2), as lsns 2.41 does; no path is opened.
// Most sockets are in their process's own network namespace: that answer costs one ioctl. Each
// asked costs about 20 us (two descriptors made and closed, two fstats, the ioctl), and another
// user can hold hundreds of thousands: a run asks at most SOCKET_BUDGET, in PID order, as it
// reads at most DESCRIPTOR_BUDGET descriptor links, and says whose it did not ask.
import { CHANGED, isOpen, NotTheNamespace } from '../../kernel/namespace-files.js';
import { couldNotRead } from '../../kernel/procfs.js';
import { NO_SOCKET_NAMESPACES, type OpenTask } from '../../kernel/sockets.js';
import { held } from '../held.js';
import { firstFew, type Discovery, type HolderSource, type SocketDescriptor } from '../state.js';
import { descriptorsHolder } from './descriptors.js';

const NO_SIOCGSKNS =
  "this kernel cannot tell a socket's network namespace (SIOCGSKNS, Linux 4.9, on a descriptor taken with pidfd_getfd, 5.6): " +
  'network namespaces that only sockets hold are not shown';

/** About 1 s of asking; far above what real machines hold in other namespaces than their owners'. */
export const SOCKET_BUDGET = 50_000;

export const sockets: HolderSource = (d) => {
  /** Each socket's network namespace by the socket's inode; null where it could not be asked. */
  const asked = new Map<number, number | null>();
  let unavailable = false;
  let budget = SOCKET_BUDGET;
  const unaskedIn: number[] = [];
  d.whenDone(() => {
    if (unavailable) d.cut.push(NO_SIOCGSKNS);
    if (unaskedIn.length > 0) {
      d.cut.push(
        `asked the first ${SOCKET_BUDGET} sockets for their network namespace, as many as a run asks, and stopped: the sockets of PID ` +
          `${firstFew(unaskedIn)} were asked in part or not at all; a network namespace that only they hold is not shown`,
      );
    }
  });
  return (visit) => {
    if (visit.sockets.length === 0 || unavailable) return;
    const own = visit.own.get('net');
    const tasks = new Map<number | undefined, OpenTask | null>();
    /** The task whose table holds the socket, opened once a visit. */
    const taskOf = (tid: number | undefined): OpenTask | null => {
      if (!tasks.has(tid)) {
        const task = d.kernel.sockets().openTask(visit.pid, tid);
        if (task === NO_SOCKET_NAMESPACES) unavailable = true;
        tasks.set(tid, task === NO_SOCKET_NAMESPACES || couldNotRead(task) ? null : task);
      }
      return tasks.get(tid)!;
    };
    // Sockets of one table in one foreign namespace become one holder, as descriptors do.
    const foreign = new Map<string, { net: number; tid?: number; fds: number[] }>();
    try {
      for (const socket of visit.sockets) {
        let net = asked.get(socket.socket);
        if (net === undefined) {
          if (budget === 0) {
            if (unaskedIn[unaskedIn.length - 1] !== visit.pid) unaskedIn.push(visit.pid);
            continue;
          }
          budget--;
          net = ask(d, taskOf(socket.tid), socket);
          if (unavailable) return;
          if (net === undefined) continue;
          asked.set(socket.socket, net);
        }
        if (net === null || net === own) continue;
        const key = `${socket.tid ?? ''} ${net}`;
        const entry = foreign.get(key) ?? { net, ...(socket.tid === undefined ? {} : { tid: socket.tid }), fds: [] };
        entry.fds.push(socket.fd);
        foreign.set(key, entry);
      }
      for (const { net, tid, fds } of foreign.values()) {
        const holder = descriptorsHolder('socket', visit.pid, fds, tid);
        // A namespace met first here was opened by ask() and closed; a second ask opens it again.
        held(d, { type: 'net', ino: net }, holder, () => {
          const again = d.kernel.sockets().networkNamespaceOf(taskOf(tid)!, fds[0]!, socketOf(visit.sockets, fds[0]!, tid));
          return again === NO_SOCKET_NAMESPACES ? new NotTheNamespace(CHANGED) : again;
        });
      }
    } finally {
      for (const task of tasks.values()) if (task !== null) d.kernel.sockets().closeTask(task);
    }
  };
};

/** The socket's network namespace inode; null where it cannot be asked, undefined where the descriptor changed (asked again elsewhere). */
function ask(d: Discovery, task: OpenTask | null, socket: SocketDescriptor): number | null | undefined {
  if (task === null) return null;
  const answer = d.kernel.sockets().networkNamespaceOf(task, socket.fd, socket.socket);
  if (answer === NO_SOCKET_NAMESPACES) return null;
  if (!isOpen(answer)) return undefined;
  d.kernel.procfs.closeDescriptor(answer.fd);
  return answer.id.ino;
}

const socketOf = (list: readonly SocketDescriptor[], fd: number, tid: number | undefined): number =>
  list.find((s) => s.fd === fd && s.tid === tid)!.socket;
