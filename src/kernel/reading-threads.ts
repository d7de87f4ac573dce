// The reads of different processes are independent, and the kernel serves them from two cores
// about 1.4 x faster than from one: where the reading would take long, a worker thread reads
// some of the processes while this one reads the rest. Both take the next chunk of PIDs from a
// shared counter, so neither waits for the other; the worker's readings come back by message,
// and the answer is in PID order whoever read what.
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  DescriptorBudget,
  OVER_BUDGET,
  processFiles,
  readProcess,
  readTable,
  revive,
  type ProcessFiles,
  type ProcessReading,
  type Wants,
} from './process-readings.js';
import * as processText from './process-text.js';
import * as procfs from './procfs.js';
import { couldNotRead } from './procfs.js';

/** The files of the running kernel. */
const SYSTEM_FILES: ProcessFiles = processFiles(procfs, processText);

// A pass makes much short-lived garbage (a path and an answer for each read), for which V8
// grows its young generation to 16 MB semi-spaces: 27 MB more resident at 10,000 processes,
// for no time gained (measured). Read as the heap grows, so it holds from here on, here and in
// the worker.
setFlagsFromString('--semi-space-growth-factor=1');

/** How the reading is shared between threads. */
export interface Sharing {
  /** 1: this thread reads alone; more: a worker may read beside it (by default, where there is more than one core). */
  readonly threads: number;
  /**
   * A worker is started once this thread, 10 ms into the reading, expects to need this long for
   * the rest (0: at once). A worker takes about 25 ms to start and runs cold at first: measured,
   * the reading alone gains nothing from one at 2,000 light processes (120 ms), 5 % at 3,000,
   * 25 % at 10,000; and what a process costs varies (a process with thousands of descriptors
   * costs a thousand light ones), so the time decides, not the count.
   */
  readonly worthMs: number;
  /** PIDs a thread takes at a time: small enough to share the end of the list evenly. */
  readonly chunk: number;
  /**
   * Tests: each thread reads some, whatever the scheduler does. This thread reads one chunk and
   * then waits until the worker has read one (a busy machine may run one thread long enough to
   * read them all).
   */
  readonly eachThreadReads: boolean;
  /** With no sign of life from the worker for this long, this thread reads what it took itself. */
  readonly silenceMs: number;
  /** The worker's script (tests: one that fails). */
  readonly script: string;
}

const SHARING: Sharing = {
  threads: os.availableParallelism(),
  worthMs: 150,
  chunk: 64,
  eachThreadReads: false,
  silenceMs: 10_000,
  script: path.join(__dirname, 'reading-worker.js'),
};

/** The shared counters: the next chunk to take, chunks the worker has posted, its heartbeat, whether it has ended. */
export const NEXT = 0;
export const POSTED = 1;
const BEAT = 2;
const GONE = 3;

export interface WorkerData {
  readonly pids: readonly string[];
  readonly chunk: number;
  readonly wants: Wants;
  readonly control: SharedArrayBuffer;
  readonly budget: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** What the worker posts: the readings of one chunk, or why it could not read them. */
export type ChunkMessage = { readonly chunk: number; readonly readings: ProcessReading[] } | { readonly chunk: number; readonly failed: string };

/** The readings of chunk `chunk` of the PIDs; a worker counts each on its heartbeat in `control`. */
function readChunk(chunk: number, size: number, pids: readonly string[], wants: Wants, budget: DescriptorBudget, control?: Int32Array): ProcessReading[] {
  const read: ProcessReading[] = [];
  for (let i = chunk * size; i < Math.min((chunk + 1) * size, pids.length); i++) {
    read.push(readProcess(SYSTEM_FILES, pids[i]!, wants, budget));
    if (control !== undefined) Atomics.add(control, BEAT, 1);
  }
  return read;
}

/** Every process's reading, in the order of `pids`; what is left of the descriptor budget; how many the worker read. */
export function readProcesses(
  pids: readonly string[],
  wants: Wants,
  descriptorBudget: number,
  sharing: Partial<Sharing> = {},
): { readings: ProcessReading[]; descriptorsLeft: number; byWorker: number } {
  const { threads, worthMs, chunk: size, eachThreadReads, silenceMs, script } = { ...SHARING, ...sharing };
  const control = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const budget = DescriptorBudget.of(descriptorBudget, true);
  const readings: ProcessReading[] = new Array(pids.length);
  const chunks = Math.ceil(pids.length / size);
  const store = (chunk: number, read: readonly ProcessReading[]): void => read.forEach((reading, i) => (readings[chunk * size + i] = reading));
  const readHere = (chunk: number): void => store(chunk, readChunk(chunk, size, pids, wants, budget));
  const data = { pids, chunk: size, wants, control: control.buffer as SharedArrayBuffer, budget: budget.cell.buffer as SharedArrayBuffer };
  // One worker at most, started at once or once the reading shows it worth it.
  let shared = threads > 1 && worthMs === 0 ? startWorker(script, data) : null;
  let sharable = threads > 1 && worthMs > 0;
  const done = new Set<number>();
  if (shared !== null && eachThreadReads) {
    const first = Atomics.add(control, NEXT, 1);
    if (first < chunks) (readHere(first), done.add(first));
    Atomics.wait(control, POSTED, 0, silenceMs);
  }
  const start = performance.now();
  for (let chunk = Atomics.add(control, NEXT, 1); chunk < chunks; chunk = Atomics.add(control, NEXT, 1)) {
    readHere(chunk);
    done.add(chunk);
    if (!sharable) continue;
    const spent = performance.now() - start;
    if (spent >= 10 && (spent / done.size) * (chunks - chunk - 1) >= worthMs) {
      shared = startWorker(script, data);
      sharable = false;
    }
  }
  if (shared === null) return { readings, descriptorsLeft: budget.left(), byWorker: 0 };
  const { worker, port } = shared;
  // The worker took the others: wait for them, or read them here where it falls silent.
  let byWorker = 0;
  let beat = Atomics.load(control, BEAT);
  let heard = performance.now();
  while (done.size < chunks) {
    // Looked at before the port: a chunk posted after it wakes the wait below at once, and all
    // that a worker posted before it ended is in the port.
    const posted = Atomics.load(control, POSTED);
    const gone = Atomics.load(control, GONE) === 1;
    const message = receiveMessageOnPort(port)?.message as ChunkMessage | undefined;
    if (message !== undefined) {
      if (!done.has(message.chunk)) {
        if ('readings' in message) {
          store(message.chunk, message.readings.map(revive));
          byWorker += message.readings.length;
        } else readHere(message.chunk);
        done.add(message.chunk);
      }
      continue;
    }
    if (!gone) Atomics.wait(control, POSTED, posted, 50);
    const now = Atomics.load(control, BEAT);
    if (now !== beat) [beat, heard] = [now, performance.now()];
    else if (gone || performance.now() - heard > silenceMs) {
      for (let chunk = 0; chunk < chunks; chunk++) if (!done.has(chunk)) (readHere(chunk), done.add(chunk));
    }
  }
  port.close();
  void worker.terminate();
  const descriptorsLeft = budget.left() > 0 ? budget.left() : dealInPidOrder(readings, descriptorBudget, SYSTEM_FILES);
  return { readings, descriptorsLeft, byWorker };
}

/**
 * Where the descriptor budget ran out while two threads read, which tables it cut depended on
 * which thread got there first: the budget is dealt again in PID order, as one thread would have
 * dealt it, and only the tables whose share that changes are read again. Returns what is left.
 */
export function dealInPidOrder(readings: ProcessReading[], descriptorBudget: number, files: ProcessFiles): number {
  const budget = DescriptorBudget.of(descriptorBudget);
  readings.forEach((reading, i) => {
    const table = reading.descriptors;
    if (couldNotRead(reading.user) || table === undefined || couldNotRead(table)) return;
    const whole = table !== OVER_BUDGET && table.read === table.listed;
    if (whole && table.listed <= budget.left()) budget.take(table.listed);
    else readings[i] = { ...reading, descriptors: readTable(files, reading.pid, budget) };
  });
  return budget.left();
}

/** A worker reading from the shared counters; null where no thread is to be had. */
function startWorker(script: string, data: Omit<WorkerData, 'port'>): { worker: Worker; port: MessagePort } | null {
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    // An empty environment, like the FFI library's loading: nothing from the caller's steers it.
    worker = new Worker(script, { workerData: { ...data, port: port2 } satisfies WorkerData, transferList: [port2], env: {}, stdout: false, stderr: false });
  } catch {
    // No thread to be had (a limit on tasks, say): this one reads them all.
    port1.close();
    return null;
  }
  worker.unref();
  // A worker that fails says so by message; a crash of its own would only end it.
  worker.on('error', () => {});
  return { worker, port: port1 };
}

/** In a worker: marks it ended when it ends, however it ends, and wakes the main thread. */
export function sayWhenGone(control: Int32Array): void {
  process.on('exit', () => {
    Atomics.store(control, GONE, 1);
    Atomics.notify(control, POSTED);
  });
}

/** The worker's side: takes chunks until none is left, posting each chunk's readings. */
export function readAsWorker({ pids, chunk: CHUNK, wants, control: controlBuffer, budget: budgetBuffer, port }: WorkerData): void {
  const control = new Int32Array(controlBuffer);
  sayWhenGone(control);
  const budget = new DescriptorBudget(new Int32Array(budgetBuffer));
  const chunks = Math.ceil(pids.length / CHUNK);
  for (let chunk = Atomics.add(control, NEXT, 1); chunk < chunks; chunk = Atomics.add(control, NEXT, 1)) {
    let message: ChunkMessage;
    try {
      message = { chunk, readings: readChunk(chunk, CHUNK, pids, wants, budget, control) };
    } catch (error) {
      message = { chunk, failed: String(error) };
    }
    port.postMessage(message);
    Atomics.add(control, POSTED, 1);
    Atomics.notify(control, POSTED);
  }
  port.close();
}
