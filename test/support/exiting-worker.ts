// A reading worker that takes a chunk and ends (as if it had crashed), saying so as the real
// one does: reading-threads.ts must read that chunk itself at once, not after a silence.
import { workerData } from 'node:worker_threads';
import { NEXT, sayWhenGone, type WorkerData } from '../../src/kernel/reading-threads.js';

const control = new Int32Array((workerData as WorkerData).control);
sayWhenGone(control);
Atomics.add(control, NEXT, 1);
process.exit(1);
