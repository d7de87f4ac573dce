// A reader of command lines (command-lines.ts): it takes the next slot, reads that process's
// /proc/PID/cmdline into the shared arena, and goes on until none is left; then it reads the
// slots it and the others deferred. Where a read never returns, this thread waits with it, and
// the main thread goes on without it.
import { constants as osConstants } from 'node:os';
import { workerData } from 'node:worker_threads';
import {
  CURSOR,
  DEFERRED,
  DEFERRED_COUNT,
  DEFERRED_UIDS,
  FAILED,
  NEXT,
  READ,
  readerCell,
  READING,
  SETTLED,
  type ReaderData,
} from './command-lines.js';
import { readRealUid } from './process-text.js';
import { CouldNotRead, couldNotRead, readProcessFile } from './procfs.js';

const { shared, reader } = workerData as ReaderData;
const { pids, limit, control, states, offsets, lengths, more, arena } = shared;
const cell = readerCell(reader);

process.on('exit', () => Atomics.store(control, cell + 2, 1));

/** Whether pid's owner (its real UID) has its processes read last. */
function deferred(pid: number): boolean {
  const count = Atomics.load(control, DEFERRED_COUNT);
  if (count === 0) return false;
  const uid = readRealUid(pid);
  if (couldNotRead(uid)) return false;
  for (let i = 0; i < count; i++) if (Atomics.load(control, DEFERRED_UIDS + i) === uid) return true;
  return false;
}

function readSlot(slot: number): void {
  Atomics.store(control, cell, slot);
  let read: ReturnType<typeof readProcessFile>;
  try {
    read = readProcessFile(pids[slot]!, 'cmdline', limit, 'one read');
  } catch {
    // Out of descriptors (whyUnreadable throws only then): the main thread ends the run, saying so.
    read = new CouldNotRead('error', 'EMFILE');
  }
  if (couldNotRead(read)) {
    lengths[slot] = -(osConstants.errno[read.code as keyof typeof osConstants.errno] ?? osConstants.errno.EIO);
    Atomics.store(states, slot, FAILED);
  } else {
    const at = Atomics.add(control, CURSOR, read.bytes.length);
    arena.set(read.bytes, at);
    offsets[slot] = at;
    lengths[slot] = read.bytes.length;
    more[slot] = read.more ? 1 : 0;
    Atomics.store(states, slot, READ);
  }
  Atomics.add(control, cell + 1, 1);
  Atomics.add(control, SETTLED, 1);
  Atomics.notify(control, SETTLED);
}

for (let slot = Atomics.add(control, NEXT, 1); slot < pids.length; slot = Atomics.add(control, NEXT, 1)) {
  if (deferred(pids[slot]!)) Atomics.store(states, slot, DEFERRED);
  else {
    Atomics.store(states, slot, READING);
    readSlot(slot);
  }
}
for (let slot = 0; slot < pids.length; slot++) {
  if (Atomics.compareExchange(states, slot, DEFERRED, READING) === DEFERRED) readSlot(slot);
}
