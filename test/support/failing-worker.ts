// A reading worker whose every chunk fails, by message: reading-threads.ts must read them itself.
import { workerData } from 'node:worker_threads';
import { NEXT, POSTED, type WorkerData } from '../../src/kernel/reading-threads.js';

const { pids, chunk: size, control: buffer, port } = workerData as WorkerData;
const control = new Int32Array(buffer);
for (let chunk = Atomics.add(control, NEXT, 1); chunk < Math.ceil(pids.length / size); chunk = Atomics.add(control, NEXT, 1)) {
  port.postMessage({ chunk, failed: 'failing on purpose' });
  Atomics.add(control, POSTED, 1);
  Atomics.notify(control, POSTED);
}
port.close();
