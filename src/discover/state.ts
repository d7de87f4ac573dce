// The one state that the discovery steps share, as lxkns's discovery does: what has been found
// so far, and what each step needs to know of the run.
import type { CommandLines } from '../kernel/command-lines.js';
import type { Kernel } from '../kernel/kernel.js';
import type { HeldNamespace } from '../kernel/namespace-files.js';
import type { ProcessReading } from '../kernel/process-readings.js';
import type { Sharing } from '../kernel/reading-threads.js';
import type { NamespaceLink } from '../kernel/procfs.js';
import type { Holder, LeftOutProcess, NamespaceId, NamespaceType, OwnedNamespace, UnplacedNamespace, UserNamespace } from '../model.js';

export interface DiscoveryOptions {
  /** Gather owners, ID maps and process names (the views other than compat). */
  readonly details: boolean;
  /** Find the namespaces that only holders keep alive, and what holds each. */
  readonly holders: boolean;
  /** Read each member's cgroup and command line, and tell which container it is in. */
  readonly containers?: boolean;
  /** How the reading of processes is shared between threads (tests force either way). */
  readonly sharing?: Partial<Sharing>;
  /** List, under each user namespace, the namespaces of these types that it owns. */
  readonly owned?: ReadonlySet<NamespaceType>;
}

/** A namespace of another type that a holder led to, with the user namespace that owns it. */
export interface OwnedEntry {
  readonly namespace: OwnedNamespace;
  /** null: NS_GET_USERNS said the owner is not visible. */
  readonly owner: UserNamespace | null;
  /** Whether its owner already records a hold through it. */
  heldOwner: boolean;
}

/** A mount namespace that a holder keeps alive: where no task is in it, its mounts are read by its ID. */
export interface HeldMountNamespace {
  /** NS_MNT_GET_INFO's ID, for listmount(2); null before Linux 6.11. */
  readonly id: bigint | null;
  /** The first holder met. */
  readonly holder: Holder;
  /** Opens it again the way it was first opened. */
  readonly reopen: () => HeldNamespace;
}

/**
 * Which namespaces are found, and how: 'processes' while member processes are placed (what the
 * original shows), 'holders' once discovery looks past them. The orchestrator moves it on.
 */
export type Phase = 'processes' | 'holders';

/**
 * About 2 s of readdir(2) and readlink(2) on the machines measured; far above what real
 * servers hold (100,000 connections in one process is a large one).
 */
export const DESCRIPTOR_BUDGET = 500_000;

/**
 * How long a run may wait on what other users can make it wait for (command lines, user names),
 * from its start; whatever was not read by then is said, and the run goes on without it.
 */
export const DEADLINE_MS = 2_000;

export class Discovery {
  /** When the run started (performance.now()): its deadline is DEADLINE_MS later. */
  readonly started = performance.now();
  phase: Phase = 'processes';
  /** The /proc/PID entries, in byte-wise order. */
  pidEntries: readonly string[] = [];
  /** For the views other than compat: what one pass read of each process, by PID, in PID-entry order. */
  readonly readings = new Map<number, ProcessReading>();
  /** The members' command lines, being read since the pass began (where containers are wanted). */
  commandLines: CommandLines | undefined;
  /** Descriptor links that the pass left to read (of DESCRIPTOR_BUDGET in all). */
  descriptorsLeft = DESCRIPTOR_BUDGET;
  /** User namespaces by inode (on nsfsDev) or by dev and inode (anywhere else). */
  private readonly index = new Map<string | number, UserNamespace>();
  /** Namespaces with members, in the order first met: that order decides the order of children. */
  readonly metOrder: UserNamespace[] = [];
  /** Namespaces whose place in the tree is known (attached to a parent, or a root). */
  readonly placed = new Set<UserNamespace>();
  readonly roots: UserNamespace[] = [];
  readonly leftOut: LeftOutProcess[] = [];
  /** NS_GET_OWNER_UID, asked while climbing, where details are wanted. */
  readonly ownerUids = new Map<UserNamespace, number | null>();
  /**
   * Namespaces of the other types, by inode: one allocator numbers every namespace, whatever its
   * type (proc_alloc_inum), so the number alone tells them apart; by "type:ino" the rare one met
   * after another type's, whose inode it reuses.
   */
  readonly owned = new Map<number | string, OwnedEntry>();
  /** Namespaces that holders named but that could not be opened safely, by "type:ino". */
  readonly unplaced = new Map<string, UnplacedNamespace>();
  /** Mount namespaces that holders (member processes among them) keep alive, by inode. */
  readonly heldMountNamespaces = new Map<number, HeldMountNamespace>();
  /** What a budget or the kernel cut short, one sentence each. */
  readonly cut: string[] = [];
  readonly nsfsDev: number;
  private readonly finishing: (() => void)[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly options: DiscoveryOptions,
  ) {
    this.nsfsDev = kernel.procfs.nsfsDevice();
  }

  private key(id: NamespaceId): string | number {
    return id.dev === this.nsfsDev ? id.ino : `${id.dev}:${id.ino}`;
  }

  lookup(id: NamespaceId): UserNamespace | undefined {
    return this.index.get(this.key(id));
  }

  /** lookup() of a namespace on the nsfs device, with no object made: the per-process path. */
  lookupInode(ino: number): UserNamespace | undefined {
    return this.index.get(ino);
  }

  add(ns: UserNamespace): void {
    this.index.set(this.key(ns.id), ns);
  }

  /** A user namespace already placed in the tree. */
  known(id: NamespaceId): UserNamespace | undefined {
    const ns = this.lookup(id);
    return ns !== undefined && this.placed.has(ns) ? ns : undefined;
  }

  /** Runs `step` once the holder sources have seen every process. */
  whenDone(step: () => void): void {
    this.finishing.push(step);
  }

  finish(): void {
    for (const step of this.finishing.splice(0)) step();
  }

  /** The namespace of another type that `link` names, if met before: a lookup on every link read. */
  ownedOf(link: NamespaceLink): OwnedEntry | undefined {
    return this.owned.get(this.ownedKey(link));
  }

  fileOwned(link: NamespaceLink, entry: OwnedEntry): void {
    this.owned.set(this.ownedKey(link), entry);
  }

  /** The inode, unless a namespace of another type met before holds it. */
  private ownedKey(link: NamespaceLink): number | string {
    const other = this.owned.get(link.ino);
    return other === undefined || other.namespace.type === link.type ? link.ino : `${link.type}:${link.ino}`;
  }

  /** A namespace named by `link` that `holder` keeps alive, but that could not be opened safely. */
  unplace(link: NamespaceLink, holder: Holder): void {
    const key = `${link.type}:${link.ino}`;
    const entry = this.unplaced.get(key);
    if (entry === undefined) this.unplaced.set(key, { type: link.type, id: { dev: this.nsfsDev, ino: link.ino }, holders: [holder] });
    else entry.holders.push(holder);
  }
}

/** The first few of a list, for a line that says what a budget cut: "12, 40, 41, 97, 98, ...". */
export function firstFew(list: readonly (number | string)[]): string {
  return `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', ...' : ''}`;
}

/** One process, as the holder sources visit it. */
export interface ProcessVisit {
  readonly pid: number;
  /** What the pass read of it. */
  readonly reading: ProcessReading;
  /** Its own namespace of each type other than user, by inode: the namespace links source fills it in first. */
  readonly own: Map<NamespaceType, number>;
  /** The sockets in its descriptor tables: the descriptors source fills them in, the sockets source asks them. */
  readonly sockets: SocketDescriptor[];
}

/** Descriptor `fd` of a process's table (or of thread `tid`'s own), a socket with inode `socket`. */
export interface SocketDescriptor {
  readonly fd: number;
  readonly tid?: number;
  readonly socket: number;
}

/** The threads of a visited process other than its main thread (/proc/PID/task), as the pass read them. */
export const threadsOf = (process: ProcessVisit): readonly number[] => process.reading.tids ?? [];

/**
 * A source of what keeps namespaces alive (src/discover/sources/): for one run, a reader called
 * for each process in turn, or null where the run does not need this source.
 */
export type HolderSource = (d: Discovery) => ((process: ProcessVisit) => void) | null;
