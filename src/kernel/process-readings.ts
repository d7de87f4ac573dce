// One pass over each process: the files of /proc/PID that the views read, read together, so
// that the reads of many processes can be shared between threads (reading-threads.ts). What is
// read depends on what the run shows (Wants). A read that fails is recorded, not thrown (but for
// EMFILE and ENFILE, which end the run: whyUnreadable). None of these reads waits on another
// process (none takes its mmap_lock); the command line does, and is read apart (command-lines.ts).
import { OWNABLE_TYPES, type NamespaceType } from '../model.js';
import type * as processText from './process-text.js';
import type { ProcessStat } from './process-text.js';
import type * as procfs from './procfs.js';
import { couldNotRead, CouldNotRead, type NamespaceLink } from './procfs.js';

/** What a run reads of each process besides its user namespace. */
export interface Wants {
  /** Its own namespaces, its for_children links, its descriptor table and its threads. */
  readonly holders: boolean;
  /** Its name (and, where holders are wanted too, its thread count): /proc/PID/stat. */
  readonly stat: boolean;
  /** Its cgroups (its command line is read apart: command-lines.ts). */
  readonly text: boolean;
}

/** The links read besides the user one: each ownable type, then the for_children links. */
export const LINKS: readonly { readonly file: string; readonly type: Exclude<NamespaceType, 'user'> }[] = [
  ...OWNABLE_TYPES.map((type) => ({ file: type, type })),
  { file: 'pid_for_children', type: 'pid' },
  { file: 'time_for_children', type: 'time' },
];

/**
 * A process's descriptor table, as far as the run's descriptor budget let it be read: only the
 * descriptors that lead to a namespace or a socket, gathered as they are read, since a process
 * may hold millions of them and every table is kept until the holder sources have seen it.
 */
export interface DescriptorTable {
  /** Each namespace its descriptors lead to, with their numbers, in the order met. */
  readonly namespaces: { readonly type: NamespaceType; readonly ino: number; readonly fds: number[] }[];
  /** Its sockets: descriptor numbers and the sockets' inodes, side by side. */
  readonly sockets: { readonly fds: number[]; readonly inos: number[] };
  /** How many descriptors it had, and how many of their links were read. */
  readonly listed: number;
  readonly read: number;
}

/** The budget was spent before this table: not even listed, since a listing costs as much. */
export const OVER_BUDGET = 'over budget';

export interface ProcessReading {
  readonly pid: number;
  /** The inode of its user namespace. */
  readonly user: number | CouldNotRead;
  /** The inode of each of LINKS (0: none, unreadable, or a for_children link of another type). */
  readonly links?: number[];
  readonly descriptors?: DescriptorTable | CouldNotRead | typeof OVER_BUDGET;
  readonly stat?: ProcessStat | CouldNotRead;
  /** Its threads other than the main one, listed where stat counts more than one. */
  readonly tids?: number[];
  /** /proc/PID/cgroup as it reads (parsed by the reader of the answer: see cgroupsOf). */
  readonly cgroup?: string | CouldNotRead;
}

/** What a pass reads through: procfs and the text files, or fakes of them. */
export interface ProcessFiles {
  readonly userNamespaceInode: (pid: string) => number | CouldNotRead;
  readonly namespaceLink: (pid: number, file: string) => NamespaceLink | null | CouldNotRead;
  readonly listDescriptors: (pid: number, tid?: number) => string[] | CouldNotRead;
  readonly descriptorTarget: (pid: number, fd: string, tid?: number) => NamespaceLink | { socket: number } | null | CouldNotRead;
  readonly listThreads: (pid: number) => string[] | CouldNotRead;
  readonly readStat: (pid: number) => ProcessStat | CouldNotRead;
  readonly readCgroupText: (pid: number) => string | CouldNotRead;
}

/** The files a pass reads, from a procfs and the text files (real ones, or fakes). */
export const processFiles = (p: typeof procfs, text: typeof processText): ProcessFiles => ({
  userNamespaceInode: p.userNamespaceInode,
  namespaceLink: p.namespaceLink,
  listDescriptors: p.listDescriptors,
  descriptorTarget: p.descriptorTarget,
  listThreads: p.listThreads,
  readStat: text.readStat,
  readCgroupText: text.readCgroupText,
});

/**
 * How many descriptor links a run may still read, taken from by every thread that reads: an
 * Int32Array, shared where threads share it (Atomics work on either kind of buffer).
 */
export class DescriptorBudget {
  constructor(readonly cell: Int32Array) {}

  /** A budget of `count` links, in memory that threads may share where `shared`. */
  static of(count: number, shared = false): DescriptorBudget {
    const cell = new Int32Array(shared ? new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) : new ArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    cell[0] = count;
    return new DescriptorBudget(cell);
  }

  left(): number {
    return Atomics.load(this.cell, 0);
  }

  /** Takes up to `wanted`: the number that may be read. */
  take(wanted: number): number {
    for (;;) {
      const left = Atomics.load(this.cell, 0);
      const taken = Math.min(left, wanted);
      if (taken === 0 || Atomics.compareExchange(this.cell, 0, left, left - taken) === left) return taken;
    }
  }
}

/** Reads one process: a process that vanishes halfway leaves the rest of its reading failed. */
export function readProcess(files: ProcessFiles, name: string, wants: Wants, budget: DescriptorBudget): ProcessReading {
  const pid = Number(name);
  const user = files.userNamespaceInode(name);
  if (couldNotRead(user)) return { pid, user };
  const reading: { -readonly [K in keyof ProcessReading]: ProcessReading[K] } = { pid, user };
  if (wants.holders) {
    reading.links = LINKS.map(({ file, type }) => {
      const link = files.namespaceLink(pid, file);
      return link === null || couldNotRead(link) || link.type !== type ? 0 : link.ino;
    });
    reading.descriptors = readTable(files, pid, budget);
  }
  if (wants.stat || wants.holders) {
    reading.stat = files.readStat(pid);
    // A thread count of one (most processes) spares listing /proc/PID/task.
    if (wants.holders && !couldNotRead(reading.stat) && reading.stat.threads !== 1) {
      const tids = files.listThreads(pid);
      reading.tids = couldNotRead(tids) ? [] : tids.map(Number).filter((tid) => tid !== pid);
    }
  }
  if (wants.text) reading.cgroup = files.readCgroupText(pid);
  return reading;
}

/** A process's descriptor table, or thread tid's own (unshare(CLONE_FILES)), within the budget. */
export function readTable(
  files: Pick<ProcessFiles, 'listDescriptors' | 'descriptorTarget'>,
  pid: number,
  budget: DescriptorBudget,
  tid?: number,
): DescriptorTable | CouldNotRead | typeof OVER_BUDGET {
  // Past the budget not even listed: a long listing costs as much as reading it.
  if (budget.left() === 0) return OVER_BUDGET;
  const fds = files.listDescriptors(pid, tid);
  if (couldNotRead(fds)) return fds;
  const readable = budget.take(fds.length);
  const table: DescriptorTable = { namespaces: [], sockets: { fds: [], inos: [] }, listed: fds.length, read: readable };
  const byInode = new Map<number, number[]>();
  for (let i = 0; i < readable; i++) {
    const target = files.descriptorTarget(pid, fds[i]!, tid);
    if (target === null || couldNotRead(target)) continue;
    const fd = Number(fds[i]);
    if ('socket' in target) {
      table.sockets.fds.push(fd);
      table.sockets.inos.push(target.socket);
      continue;
    }
    const numbers = byInode.get(target.ino);
    if (numbers !== undefined) numbers.push(fd);
    else {
      byInode.set(target.ino, [fd]);
      table.namespaces.push({ type: target.type, ino: target.ino, fds: byInode.get(target.ino)! });
    }
  }
  return table;
}

/**
 * A reading as it came from another thread, made whole in place: the structured clone keeps the
 * fields but not the class of a CouldNotRead, which is given back here.
 */
export function revive(reading: ProcessReading): ProcessReading {
  const back = <T>(value: T): T | CouldNotRead =>
    value !== null && typeof value === 'object' && 'reason' in value && 'code' in value
      ? new CouldNotRead(value.reason as CouldNotRead['reason'], value.code as string)
      : value;
  const revived = reading as { -readonly [K in keyof ProcessReading]: ProcessReading[K] };
  revived.user = back(reading.user);
  if (reading.descriptors !== undefined) revived.descriptors = back(reading.descriptors);
  if (reading.stat !== undefined) revived.stat = back(reading.stat);
  if (reading.cgroup !== undefined) revived.cgroup = back(reading.cgroup);
  return revived;
}
