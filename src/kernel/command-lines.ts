// Command lines, read where a read that never returns can be abandoned. Reading
// /proc/PID/cmdline takes the process's mmap_lock (access_remote_vm), and its owner can hold that
// lock for as long as it likes: one of its threads reads its own /proc/self/mem at a page of a
// FUSE file whose server never answers, and another queues for the lock as a writer, behind
// which every reader queues. So this thread never reads a command line: worker threads do, into
// memory shared with it, and this thread takes what they read until a deadline. A worker that
// waits longer than PATIENCE_MS on one process is left waiting, and another goes on with the
// rest; the owner of that process (its real UID) has the rest of its processes read last, so that
// one user's stalled processes cost that user's own command lines, not everyone's.
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NotRead } from '../model.js';
import { decodeCommandLine, readRealUid } from './process-text.js';
import { couldNotRead, type CouldNotRead, whyUnreadable } from './procfs.js';

/** A worker that has read nothing new for this long is taken to wait on that process. */
export const PATIENCE_MS = 100;
/** Threads at most: each one left waiting costs a thread (and about 10 MB) until the run ends. */
export const MAX_READERS = 8;
/** Owners whose processes are read last, at most. */
const MAX_DEFERRED = 64;

export type CommandLine = readonly string[] | CouldNotRead | NotRead;

/** Command lines being read where a read that never returns can be left waiting: taken by a deadline. */
export interface CommandLines {
  /** Each PID's command line as read by `deadline` (a performance.now() time). */
  take(deadline: number): ReadonlyMap<number, CommandLine>;
}

// The state of each process's slot.
export const PENDING = 0;
export const READING = 1;
export const READ = 2;
export const FAILED = 3;
/** Its owner's processes come last: to be read once every other process's is. */
export const DEFERRED = 4;

// Cells of the control array.
/** The next slot to take. */
export const NEXT = 0;
/** Where the next command line goes in the arena. */
export const CURSOR = 1;
/** Slots read or failed: the main thread waits on it. */
export const SETTLED = 2;
/** How many owners are deferred, then the UIDs themselves. */
export const DEFERRED_COUNT = 3;
export const DEFERRED_UIDS = 4;
/** Then, for each reader, the slot it is on (-1: none yet), how many it has read, and 1 once it has ended. */
export const READERS = DEFERRED_UIDS + MAX_DEFERRED;
export const readerCell = (reader: number): number => READERS + 3 * reader;

/** What the main thread and the readers share: the PIDs and the slots' states, lengths and bytes. */
export interface SharedCommandLines {
  readonly pids: Int32Array;
  readonly limit: number;
  readonly control: Int32Array;
  /** Each slot's state (PENDING...), its offset in the arena and length (or -errno where FAILED). */
  readonly states: Int32Array;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  /** 1 where the command line went on past the limit. */
  readonly more: Uint8Array;
  readonly arena: Uint8Array;
}

export interface ReaderData {
  readonly shared: SharedCommandLines;
  readonly reader: number;
}

const shared = <T extends Int32Array | Uint8Array>(Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T =>
  new Kind(new SharedArrayBuffer(length * Kind.BYTES_PER_ELEMENT));

/** Threads left waiting in the kernel: the process must end without waiting for them (kernel.ts, endRun). */
let abandoned = 0;
export const readersLeftWaiting = (): number => abandoned;

const SCRIPT = path.join(__dirname, 'command-line-worker.js');

/**
 * Starts reading the command lines of `pids`, at most `limit` bytes each, in a worker thread;
 * `take` waits for them until a deadline.
 */
export function readCommandLines(pids: readonly number[], limit: number): CommandLineReading {
  return new CommandLineReading(pids, limit);
}

interface Reader {
  readonly index: number;
  /** The slot it was on at the last look, how many it had read, and since when both stood. */
  slot: number;
  read: number;
  since: number;
  /** Left waiting in the kernel, or ended (a thread that failed). */
  waiting: boolean;
  gone: boolean;
}

const reading = (reader: Reader): boolean => !reader.waiting && !reader.gone;

export class CommandLineReading implements CommandLines {
  private readonly shared: SharedCommandLines;
  private readonly readers: Reader[] = [];
  private readonly stalled = new Set<number>();

  constructor(
    private readonly pidList: readonly number[],
    limit: number,
  ) {
    const n = pidList.length;
    this.shared = {
      pids: Int32Array.from(pidList),
      limit,
      control: shared(Int32Array, READERS + 3 * MAX_READERS),
      states: shared(Int32Array, n),
      offsets: shared(Int32Array, n),
      lengths: shared(Int32Array, n),
      more: shared(Uint8Array, n),
      // Room for every command line whole: memory is not touched until written, and the readers
      // write the command lines one after another.
      arena: shared(Uint8Array, Math.max(1, n * limit)),
    };
    if (n > 0) this.startReader();
  }

  /** Another reader, unless MAX_READERS have been started or no thread is to be had. */
  private startReader(): boolean {
    const index = this.readers.length;
    if (index >= MAX_READERS) return false;
    Atomics.store(this.shared.control, readerCell(index), -1);
    const reader: Reader = { index, slot: -1, read: 0, since: performance.now(), waiting: false, gone: false };
    try {
      // An empty environment: nothing of the caller's steers it.
      const worker = new Worker(SCRIPT, { workerData: { shared: this.shared, reader: index } satisfies ReaderData, env: {}, stdout: false, stderr: false });
      worker.unref();
      // It says it has ended in the shared memory: this thread does not turn its event loop meanwhile.
      worker.on('error', () => {});
    } catch {
      return false;
    }
    this.readers.push(reader);
    return true;
  }

  /**
   * Every command line, by PID, as read by `deadline` (a performance.now() time): what was not
   * read is NotRead. A reader that waits on one process past PATIENCE_MS is left waiting, the
   * process's owner deferred, and another reader goes on.
   */
  take(deadline: number): Map<number, CommandLine> {
    const { control, states } = this.shared;
    const n = this.pidList.length;
    for (;;) {
      const settled = Atomics.load(control, SETTLED);
      const now = performance.now();
      if (settled + this.stalled.size >= n || now >= deadline) break;
      Atomics.wait(control, SETTLED, settled, Math.min(deadline - now, PATIENCE_MS / 4));
      this.watch(performance.now());
      // Nobody left to read, and no thread to be had: what is left is not read.
      if (!this.readers.some(reading) && !this.startReader()) break;
    }
    const lines = new Map<number, CommandLine>();
    for (let slot = 0; slot < n; slot++) lines.set(this.pidList[slot]!, this.answer(slot, Atomics.load(states, slot)));
    return lines;
  }

  /** Finds the readers that wait on one process: each is left waiting, its process's owner deferred, and another reader started. */
  private watch(now: number): void {
    const { control, states, pids } = this.shared;
    for (const reader of this.readers.filter(reading)) {
      if (Atomics.load(control, readerCell(reader.index) + 2) === 1) {
        reader.gone = true;
        // Where it ended on its own amid a read (a thread that failed), another reader reads that slot again, with the deferred.
        const slot = Atomics.load(control, readerCell(reader.index));
        if (slot >= 0) Atomics.compareExchange(states, slot, READING, DEFERRED);
        continue;
      }
      const slot = Atomics.load(control, readerCell(reader.index));
      const read = Atomics.load(control, readerCell(reader.index) + 1);
      if (slot !== reader.slot || read !== reader.read) {
        Object.assign(reader, { slot, read, since: now });
        continue;
      }
      if (slot < 0 || Atomics.load(states, slot) !== READING || now - reader.since < PATIENCE_MS) continue;
      reader.waiting = true;
      abandoned++;
      this.stalled.add(slot);
      this.defer(pids[slot]!);
      this.startReader();
    }
  }

  /** Has the rest of `pid`'s owner's processes read last (/proc/PID/status does not take the mmap_lock). */
  private defer(pid: number): void {
    const uid = readRealUid(pid);
    const { control } = this.shared;
    const count = Atomics.load(control, DEFERRED_COUNT);
    if (couldNotRead(uid) || count >= MAX_DEFERRED) return;
    for (let i = 0; i < count; i++) if (Atomics.load(control, DEFERRED_UIDS + i) === uid) return;
    Atomics.store(control, DEFERRED_UIDS + count, uid);
    Atomics.store(control, DEFERRED_COUNT, count + 1);
  }

  private answer(slot: number, state: number): CommandLine {
    const { offsets, lengths, more, arena } = this.shared;
    if (state === READ) return decodeCommandLine(Buffer.from(arena.buffer, arena.byteOffset + offsets[slot]!, lengths[slot]!), more[slot] === 1);
    if (state === FAILED) return failure(-lengths[slot]!, this.pidList[slot]!);
    return this.stalled.has(slot) ? 'stalled' : 'deadline';
  }
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, number]) => [number, name]));

/** A reader's failure, by errno, as whyUnreadable tells it. */
export const failure = (errno: number, pid: number): CouldNotRead => whyUnreadable({ code: ERRNO_NAMES.get(errno) ?? 'EIO' }, pid);

export const isNotRead = (line: CommandLine | undefined): line is NotRead => line === 'stalled' || line === 'deadline';
