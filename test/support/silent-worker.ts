// A reading worker that takes a chunk and is never heard of again (as if it had crashed):
// reading-threads.ts must read that chunk itself once the worker has been silent long enough.
import { workerData } from 'node:worker_threads';
import { NEXT, type WorkerData } from '../../src/kernel/reading-threads.js';

Atomics.add(new Int32Array((workerData as WorkerData).control), NEXT, 1);
