// The worker thread that reading-threads.ts starts: it reads its share of the processes.
import { workerData } from 'node:worker_threads';
import { readAsWorker, type WorkerData } from './reading-threads.js';

readAsWorker(workerData as WorkerData);
