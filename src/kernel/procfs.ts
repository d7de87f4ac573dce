// What discovery reads from procfs, through Node's own fs: the PID entries, each process's
// namespace links, descriptors, threads, bind mounts, ID maps and names. Every /proc path is
// built here. A read that fails answers a CouldNotRead, never an exception or an errno.
import fs from 'node:fs';
import { errnoCode, tooManyOpenFiles, ToolFailure } from '../failure.js';
import { NAMESPACE_TYPES, type IdMapRange, type LeftOutReason, type NamespaceId, type NamespaceType } from '../model.js';

export const PROC = '/proc';
const PROC_SUPER_MAGIC = 0x9fa0; // statfs(2)

/** Why something could not be read: the one answer of every failed read in src/kernel/. */
export class CouldNotRead {
  constructor(
    readonly reason: LeftOutReason,
    /** The errno name. */
    readonly code: string,
  ) {}
}

export const couldNotRead = (answer: unknown): answer is CouldNotRead => answer instanceof CouldNotRead;

/**
 * Why a file of process `pid` could not be read. ENOENT/ESRCH: the process is gone. EACCES is
 * ambiguous: the ptrace access check (proc(5)) says it for other users' processes, but
 * fs/proc/namespaces.c also says it when the process exits between lookup and use, so a process
 * whose /proc entry has gone by now counts as gone.
 */
export function whyUnreadable(error: unknown, pid: number | string): CouldNotRead {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
      return new CouldNotRead('vanished', code);
    case 'EACCES':
    case 'EPERM':
      return new CouldNotRead(fs.existsSync(`${PROC}/${pid}`) ? 'permission' : 'vanished', code);
    // Not about this process: no other one would open either.
    case 'EMFILE':
    case 'ENFILE':
      throw tooManyOpenFiles();
    default:
      return new CouldNotRead('error', code);
  }
}

/** Fails unless PROC is a mounted procfs: anything else would give a wrong tree. */
export function checkProcfs(): void {
  let type: number;
  try {
    type = fs.statfsSync(PROC).type;
  } catch (error) {
    throw new ToolFailure(`cannot read ${PROC} (${errnoCode(error)}): procfs must be mounted there`);
  }
  if (type !== PROC_SUPER_MAGIC) {
    throw new ToolFailure(`${PROC} is not a procfs mount (filesystem type 0x${type.toString(16)})`);
  }
}

/**
 * Whether /proc hides other users' processes from us entirely (mount option hidepid=2, or
 * hidepid=invisible, proc(5)); such processes are then not even left out, just unseen.
 */
export function hidesOtherUsers(): boolean {
  let mountinfo: string;
  try {
    mountinfo = fs.readFileSync(`${PROC}/self/mountinfo`, 'latin1');
  } catch {
    return false;
  }
  // The last mount at PROC is the one on top, the one we read.
  let hides = false;
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before?.split(' ')[4] === PROC && after !== undefined) {
      hides = /(^|,)hidepid=(2|invisible)(,|$)/.test(after.split(' ')[2] ?? '');
    }
  }
  return hides;
}

/** Whether this process runs inside a user namespace: only the initial one maps all 2^32 - 1 IDs to themselves. */
export function insideUserNamespace(): boolean {
  const map = readIdMap('self', 'uid');
  return couldNotRead(map) || !(map.length === 1 && map[0]!.inside === 0 && map[0]!.outside === 0 && map[0]!.count === 4294967295);
}

/** The names of the PID entries, in byte-wise order, as the original's ReadDir gives them. */
export function listPidEntries(): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(PROC);
  } catch (error) {
    throw new ToolFailure(`cannot list ${PROC} (${errnoCode(error)})`);
  }
  // In procfs's root only the PID directories' names begin with a digit (the others are words:
  // self, sys, meminfo, ...). Code-unit order equals byte order for these ASCII names.
  return names.filter((name) => name.charCodeAt(0) <= 0x39 && name.charCodeAt(0) >= 0x30).sort();
}

const userNsPath = (pid: string): string => `${PROC}/${pid}/ns/user`;

/**
 * The inode of a process's user namespace: one readlink(2) of /proc/PID/ns/user, whose text is
 * "user:[INODE]" (proc(5)). This is discovery's hot path: readlink makes no Stats object, and
 * measured about 25 % faster than stat(2) a process. The device is the same for every namespace
 * file (they all live on the one nsfs mount), so it is asked for once: nsfsDevice().
 */
export function userNamespaceInode(pid: string): number | CouldNotRead {
  let link: string;
  try {
    link = fs.readlinkSync(userNsPath(pid));
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  // Anything but the documented form: ask stat(2), which needs no parsing.
  if (!link.startsWith('user:[')) return statInode(pid);
  return Number(link.slice(6, -1));
}

function statInode(pid: string): number | CouldNotRead {
  try {
    const st = fs.statSync(userNsPath(pid), { throwIfNoEntry: false });
    return st === undefined ? new CouldNotRead('vanished', 'ENOENT') : st.ino;
  } catch (error) {
    return whyUnreadable(error, pid);
  }
}

let nsfsDev: number | undefined;

/** The st_dev of every namespace file: that of our own. */
export function nsfsDevice(): number {
  if (nsfsDev === undefined) {
    try {
      nsfsDev = fs.statSync(`${PROC}/self/ns/user`).dev;
    } catch (error) {
      throw new ToolFailure(`cannot read ${PROC}/self/ns/user (${errnoCode(error)}): this kernel shows no user namespaces`);
    }
  }
  return nsfsDev;
}

/** A namespace file open for ioctl_ns(2), and who it is. Close it with closeDescriptor. */
export interface OpenNamespace {
  readonly fd: number;
  readonly id: NamespaceId;
}

// Flags for every namespace file we open: never a controlling terminal, never a wait.
const O_NAMESPACE = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
const O_CLOEXEC = 0o2000000;

/**
 * Opens /proc/PID/ns/TYPE (or a thread's, or a for_children link). These are magic links that
 * the kernel resolves only ever to a namespace file (fs/proc/namespaces.c), never to a path a
 * user chose, so opening them is safe. The identity comes from fstat of the descriptor, not from
 * an earlier look: the process may have changed namespace, or its PID been reused, since.
 */
export function openOwnNamespace(pid: number | string, file: string = 'user', tid?: string): OpenNamespace | CouldNotRead {
  let fd: number;
  try {
    fd = fs.openSync(tid === undefined ? `${PROC}/${pid}/ns/${file}` : `${PROC}/${pid}/task/${tid}/ns/${file}`, O_NAMESPACE | O_CLOEXEC);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  try {
    return { fd, id: identify(fd) };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

export interface NamespaceLink {
  readonly type: NamespaceType;
  readonly ino: number;
}

const TYPES = new Set<string>(NAMESPACE_TYPES);

/** A namespace's type and inode from the text of a link to it ("net:[4026532008]"), or null. */
export function parseNamespaceLink(text: string): NamespaceLink | null {
  // Called for every link a pass reads, most of them paths: no alternation of every type.
  const colon = text.indexOf(':[');
  if (colon < 0 || !text.endsWith(']') || !TYPES.has(text.slice(0, colon))) return null;
  const digits = text.slice(colon + 2, -1);
  const ino = Number(digits);
  return digits.length > 0 && digits.length <= 20 && Number.isSafeInteger(ino) && /^\d+$/.test(digits)
    ? { type: text.slice(0, colon) as NamespaceType, ino }
    : null;
}

/** readlink(2), as a namespace link: null where it names something else. */
function namespaceLinkAt(path: string, pid: number | 'self'): NamespaceLink | null | CouldNotRead {
  let text: string;
  try {
    text = fs.readlinkSync(path);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  return parseNamespaceLink(text);
}

/** /proc/PID/ns/FILE: TYPE, or pid_for_children, time_for_children. */
export const namespaceLink = (pid: number | 'self', file: string): NamespaceLink | null | CouldNotRead =>
  namespaceLinkAt(`${PROC}/${pid}/ns/${file}`, pid);

/** /proc/PID/task/TID/ns/TYPE */
export const threadNamespaceLink = (pid: number, tid: string, type: NamespaceType): NamespaceLink | null | CouldNotRead =>
  namespaceLinkAt(`${PROC}/${pid}/task/${tid}/ns/${type}`, pid);

/** A socket, by the inode of its sockfs file ("socket:[INODE]"). */
export interface SocketLink {
  readonly socket: number;
}

/** Where a task's descriptor table lives: a process's, or a thread's own (unshare(CLONE_FILES)). */
const fdDirectory = (pid: number, tid?: number): string => (tid === undefined ? `${PROC}/${pid}/fd` : `${PROC}/${pid}/task/${tid}/fd`);

/**
 * /proc/PID/fd/N, or /proc/PID/task/TID/fd/N: a namespace, a socket, or null for anything else.
 * Reading the link opens nothing.
 */
export function descriptorTarget(pid: number, fd: string, tid?: number): NamespaceLink | SocketLink | null | CouldNotRead {
  let text: string;
  try {
    text = fs.readlinkSync(`${fdDirectory(pid, tid)}/${fd}`);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  if (text.startsWith('socket:[')) return { socket: Number(text.slice(8, -1)) };
  return parseNamespaceLink(text);
}

function listDirectory(path: string, pid: number): string[] | CouldNotRead {
  try {
    return fs.readdirSync(path);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
}

/** The descriptor numbers of a process (/proc/PID/fd), or of a thread's own table. */
export const listDescriptors = (pid: number, tid?: number): string[] | CouldNotRead => listDirectory(fdDirectory(pid, tid), pid);

/** The thread IDs of a process (/proc/PID/task). */
export const listThreads = (pid: number): string[] | CouldNotRead => listDirectory(`${PROC}/${pid}/task`, pid);

/** fstat of a namespace descriptor; the descriptor stays the caller's to close. */
export function identify(fd: number): NamespaceId {
  try {
    const st = fs.fstatSync(fd);
    return { dev: st.dev, ino: st.ino };
  } catch (error) {
    throw new ToolFailure(`fstat of a namespace descriptor failed (${errnoCode(error)})`);
  }
}

export function closeDescriptor(fd: number): void {
  fs.closeSync(fd);
}

export const O_READ = fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK | O_CLOEXEC;
/** The largest file of a process read whole: a command line may be longer, and is cut there. */
const READ_LIMIT = 64 * 1024;

// One buffer for every read: the reads are synchronous, and each result is decoded before the next.
let shared: Buffer | undefined;

/**
 * How a file of /proc/PID ends. `one read`: the kernel writes it whole into one read(2) of any
 * size (the files of one record, single_open's: stat, cgroup; and cmdline, read page after page
 * until the read is full), so a shorter answer is the end, and the read(2) that would answer 0
 * is spared. `to the end`: the others, written a record at a time and at most a page a read
 * (uid_map and gid_map: 340 lines of 33 bytes come in 4,092-byte reads), read until read(2)
 * answers 0.
 */
export type ProcessFileEnd = 'one read' | 'to the end';

/** Up to `limit` bytes of a file, and whether it had more; the answer is valid until the next read. */
export function readBounded(fd: number, limit: number, end: ProcessFileEnd): { bytes: Buffer; more: boolean } {
  shared ??= Buffer.allocUnsafe(READ_LIMIT + 1);
  const buffer = limit + 1 <= shared.length ? shared : Buffer.allocUnsafe(limit + 1);
  let length = 0;
  // Stop one byte past the limit: that byte says there was more.
  for (;;) {
    const asked = limit + 1 - length;
    const n = fs.readSync(fd, buffer, length, asked, null);
    length += n;
    if (n === 0 || length > limit || (end === 'one read' && n < asked)) break;
  }
  return { bytes: buffer.subarray(0, Math.min(length, limit)), more: length > limit };
}

/** Up to `limit` bytes of /proc/PID/FILE, as readBounded gives them. */
export function readProcessFile(pid: number | 'self', file: string, limit: number, end: ProcessFileEnd): { bytes: Buffer; more: boolean } | CouldNotRead {
  let fd: number;
  try {
    fd = fs.openSync(`${PROC}/${pid}/${file}`, O_READ);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  try {
    return readBounded(fd, limit, end);
  } catch (error) {
    return whyUnreadable(error, pid);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A process's uid_map or gid_map (user_namespaces(7)): each line is "inside outside count",
 * outside as seen from the reader's namespace; at most 340 lines (Linux 4.15) of 34 bytes.
 */
export function readIdMap(pid: number | 'self', which: 'uid' | 'gid'): IdMapRange[] | CouldNotRead {
  const read = readProcessFile(pid, `${which}_map`, 16 * 1024, 'to the end');
  if (couldNotRead(read)) return read;
  const text = read.bytes.toString('latin1');
  const ranges: IdMapRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length === 3 && fields.every(Number.isSafeInteger)) {
      ranges.push({ inside: fields[0]!, outside: fields[1]!, count: fields[2]! });
    }
  }
  return ranges;
}

/** A bind mount of a namespace file, from mountinfo (proc(5)). */
export interface NsfsMount {
  /** The mount ID (field 1): which mount opening the mount point must reach. */
  readonly mountId: number;
  /** The namespace, from the root field: nsfs names each mount by its file ("net:[4026532008]"). */
  readonly link: NamespaceLink;
  /** The mount point, exactly as its bytes are, in the mount namespace of the reader. */
  readonly mountPoint: Buffer;
  /** How many mounts of this namespace are stacked at this mount point. */
  readonly count: number;
}

const NSFS_MARK = Buffer.from(' - nsfs ');
// The kernel hands out a page or so a read(2) whatever is asked; more costs nothing.
const MOUNTINFO_CHUNK = 1 << 16;

/** What one mountinfo gave: its nsfs mounts, and whether it was read to the end. */
export interface NsfsMounts {
  readonly mounts: NsfsMount[];
  readonly complete: boolean;
}

/**
 * The bind mounts of namespace files in the mount namespace of pid (or of its thread tid), one entry for each
 * namespace and mount point (stacked mounts counted, the top one kept), read until `deadline`
 * (a performance.now() time) at the latest. The kernel writes each line as it is read, and a
 * mount stacked on many others costs it a walk down the whole stack (measured: 2,000 stacked
 * mounts 16 ms, 5,000 200 ms, 40,000 about 40 s), which another user can arrange; so the
 * reading stops at the deadline, between two read(2) calls, and says so.
 */
export function nsfsMounts(pid: number, deadline: number, tid?: number): NsfsMounts | CouldNotRead {
  let fd: number;
  try {
    fd = fs.openSync(tid === undefined ? `${PROC}/${pid}/mountinfo` : `${PROC}/${pid}/task/${tid}/mountinfo`, fs.constants.O_RDONLY | O_CLOEXEC);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  const found = new Map<string, NsfsMount>();
  let complete = false;
  try {
    let pending = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(MOUNTINFO_CHUNK);
    while (performance.now() < deadline) {
      const n = fs.readSync(fd, chunk, 0, MOUNTINFO_CHUNK, null);
      if (n === 0) {
        complete = true;
        break;
      }
      const text = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const end = text.lastIndexOf(0x0a) + 1;
      nsfsLines(text.subarray(0, end), found);
      pending = Buffer.from(text.subarray(end));
    }
    if (complete) nsfsLines(pending, found);
  } catch (error) {
    return whyUnreadable(error, pid);
  } finally {
    fs.closeSync(fd);
  }
  return { mounts: [...found.values()], complete };
}

/** The nsfs lines among complete mountinfo lines, into `found`. */
function nsfsLines(text: Buffer, found: Map<string, NsfsMount>): void {
  for (let at = text.indexOf(NSFS_MARK); at >= 0; at = text.indexOf(NSFS_MARK, at + 1)) {
    const start = text.lastIndexOf(0x0a, at) + 1;
    // Paths have their spaces escaped (\040), so fields split at spaces.
    const fields = text.toString('latin1', start, at).split(' ');
    const link = parseNamespaceLink(fields[3] ?? '');
    if (link === null || fields[4] === undefined) continue;
    const mountPoint = unescapeMountinfo(fields[4]);
    const key = `${link.ino} ${fields[4]}`;
    const count = (found.get(key)?.count ?? 0) + 1;
    // A later line at the same mount point is mounted on top of the earlier ones.
    found.set(key, { mountId: Number(fields[0]), link, mountPoint, count });
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040); the rest are raw bytes. */
function unescapeMountinfo(field: string): Buffer {
  return Buffer.from(field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))), 'latin1');
}

/**
 * A mount point as text: as it is where its bytes are UTF-8; else with each byte from 0x80 up
 * written \\xHH, rather than decoded into U+FFFD and lost.
 */
export function mountPointText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!text.includes('\ufffd') || Buffer.from(text).equals(bytes)) return text;
  return bytes.toString('latin1').replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/** The mount ID of an open descriptor (/proc/self/fdinfo, "mnt_id:"), or null. */
export function mountIdOf(fd: number): number | null {
  try {
    const match = /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`${PROC}/self/fdinfo/${fd}`, 'latin1'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

const O_PATH = 0o10000000;

/**
 * An O_PATH descriptor of a process's root directory, from which its mount points resolve.
 * O_PATH opens nothing for I/O: no driver's open() runs, whatever the link leads to.
 */
export function openRootPath(pid: number | 'self', tid?: number): number | CouldNotRead {
  try {
    return fs.openSync(tid === undefined ? `${PROC}/${pid}/root` : `${PROC}/${pid}/task/${tid}/root`, O_PATH | fs.constants.O_DIRECTORY | O_CLOEXEC);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
}

/**
 * Reopens an O_PATH descriptor, already proven to be a namespace file, for the ioctls (which
 * an O_PATH descriptor cannot take): /proc/self/fd/N opens the very file the descriptor holds.
 */
export function reopenForIoctls(pathFd: number): number | CouldNotRead {
  try {
    return fs.openSync(`${PROC}/self/fd/${pathFd}`, O_NAMESPACE | O_CLOEXEC);
  } catch (error) {
    return whyUnreadable(error, 'self');
  }
}

/** dev and ino of an open descriptor, if it is a socket. */
export function socketInodeOf(fd: number): number | null | CouldNotRead {
  try {
    const st = fs.fstatSync(fd);
    return st.isSocket() ? st.ino : null;
  } catch (error) {
    return whyUnreadable(error, 'self');
  }
}

/** A directory's place, to tell when climbing with ".." reaches the top: mount ID, dev, ino. */
export function placeOf(fd: number): string | null {
  try {
    const st = fs.fstatSync(fd);
    return `${mountIdOf(fd)} ${st.dev} ${st.ino}`;
  } catch {
    return null;
  }
}

/** dev, ino and whether it is a regular file (nsfs files are), of an open descriptor. */
export function describeDescriptor(fd: number): { id: NamespaceId; regular: boolean } | CouldNotRead {
  try {
    const st = fs.fstatSync(fd);
    return { id: { dev: st.dev, ino: st.ino }, regular: st.isFile() };
  } catch (error) {
    return whyUnreadable(error, 'self');
  }
}

export const O_PATH_NOFOLLOW = O_PATH | fs.constants.O_NOFOLLOW | O_CLOEXEC;
