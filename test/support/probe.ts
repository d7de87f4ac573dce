// Run inside a fixture to look at the scanner from within: `node probe.js MODE`.
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { readUserNames } from '../../src/kernel/accounts.js';
import { readCommandLines, readersLeftWaiting } from '../../src/kernel/command-lines.js';
import { discover } from '../../src/discover/discover.js';
import { ToolFailure } from '../../src/failure.js';
import { NS_GET_PARENT } from '../../src/kernel/ioctl-ns.js';
import { systemKernel } from '../../src/kernel/kernel.js';
import { loadLibc } from '../../src/kernel/libc.js';
import { allNamespaces, OWNABLE_TYPES } from '../../src/model.js';
import { renderCompat } from '../../src/render/compat.js';
import { renderJson } from '../../src/render/json.js';

const COMPAT = { details: false, holders: false };

const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

function countDescriptors(): void {
  const before = openDescriptors();
  const namespaces: number[] = [];
  for (const backend of ['koffi', 'ffi-napi'] as const) {
    const kernel = systemKernel(backend);
    kernel.ioctls();
    const start = openDescriptors();
    const tree = discover(kernel, COMPAT);
    namespaces.push(allNamespaces(tree).length);
    if (openDescriptors() !== start) throw new Error(`${backend}: ${openDescriptors() - start} descriptors left open`);
  }
  process.stdout.write(JSON.stringify({ before, after: openDescriptors(), namespaces }));
}

/** A library whose NS_GET_PARENT always fails with this errno. */
function failingParent(errno: string): void {
  const code = osConstants.errno[errno as keyof typeof osConstants.errno];
  const kernel = systemKernel('koffi', { adapt: (libc) => ({ ...libc, ioctl: (fd, request) => (request === NS_GET_PARENT ? -code : libc.ioctl(fd, request)) }) });
  kernel.ioctls();
  const before = openDescriptors();
  try {
    discover(kernel, COMPAT);
    process.stdout.write('no failure');
  } catch (error) {
    process.stdout.write(error instanceof ToolFailure ? `${error.message}|${openDescriptors() - before}` : String(error));
  }
}

/** With every descriptor taken: the scan and a backend load each say so in one line. */
function exhausted(): void {
  const taken: number[] = [];
  try {
    for (;;) taken.push(fs.openSync('/dev/null', 'r'));
  } catch {
    // EMFILE: the table is full.
  }
  const outcome = (attempt: () => unknown): string => {
    try {
      attempt();
      return 'no failure';
    } catch (error) {
      return error instanceof ToolFailure ? error.message : `not a ToolFailure: ${String(error)}`;
    }
  };
  const load = outcome(() => loadLibc('ffi-napi'));
  fs.closeSync(taken.pop()!);
  const koffi = systemKernel('koffi');
  koffi.ioctls();
  const scan = outcome(() => discover(koffi, COMPAT));
  taken.forEach((fd) => fs.closeSync(fd));
  process.stdout.write(JSON.stringify({ load, scan }));
}

/** One scan, rendered both ways: what the JSON view agrees with compat on, from the same model. */
function bothViews(): void {
  const tree = discover(systemKernel('koffi'), { details: true, holders: false });
  process.stdout.write(JSON.stringify({ compat: renderCompat(tree), json: renderJson(tree, readUserNames()) }));
}

/**
 * The views' scan read by this thread alone, then shared with a worker from the first process
 * on, one process a chunk, each thread reading some: both, and how many processes the worker
 * read.
 */
async function sharedReading(): Promise<void> {
  const options = { details: true, holders: true, containers: true, owned: new Set(OWNABLE_TYPES) };
  const names = readUserNames();
  const kernel = systemKernel('koffi');
  const alone = renderJson(discover(kernel, { ...options, sharing: { threads: 1 } }), names);
  // The mount namespace helpers of that scan are reaped once the event loop turns.
  await new Promise((resolve) => setTimeout(resolve, 200));
  let byWorker = 0;
  const counting = {
    ...kernel,
    readProcesses: (...args: Parameters<typeof kernel.readProcesses>) => {
      const pass = kernel.readProcesses(...args);
      byWorker = pass.byWorker;
      return pass;
    },
  };
  const shared = renderJson(discover(counting, { ...options, sharing: { threads: 2, worthMs: 0, chunk: 1, eachThreadReads: true } }), names);
  process.stdout.write(JSON.stringify({ byWorker, alone, shared }));
}

/**
 * One views' scan shared with a worker from the first process on, each thread reading some, of
 * every process but this one: where this one stands in PID order changes from run to run.
 */
function sharedOnce(): void {
  const kernel = systemKernel('koffi');
  const others = { ...kernel, procfs: { ...kernel.procfs, listPidEntries: () => kernel.procfs.listPidEntries().filter((pid) => pid !== String(process.pid)) } };
  const tree = discover(others, { details: true, holders: true, containers: true, sharing: { threads: 2, worthMs: 0, chunk: 1, eachThreadReads: true } });
  process.stdout.write(renderJson(tree, readUserNames()));
}

const [mode, arg] = process.argv.slice(2);
/**
 * Every process's command line read by worker threads alone (the way where there is no python3),
 * as JSON by PID; then the end that the tool makes where a thread still waits.
 */
function commandLinesInThreads(): void {
  const pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  const lines = readCommandLines(pids, 4096).take(performance.now() + 2_000);
  process.stdout.write(JSON.stringify({ waiting: readersLeftWaiting(), lines: Object.fromEntries([...lines].map(([pid, line]) => [pid, typeof line === 'string' || Array.isArray(line) ? line : (line as { code: string }).code])) }));
  if (readersLeftWaiting() > 0) loadLibc('koffi').exit(0);
}

if (mode === 'fds') countDescriptors();
else if (mode === 'command-lines-in-threads') commandLinesInThreads();
else if (mode === 'failing-parent') failingParent(arg ?? 'EIO');
else if (mode === 'exhausted') exhausted();
else if (mode === 'both-views') bothViews();
else if (mode === 'shared-reading') void sharedReading();
else if (mode === 'shared-once') sharedOnce();
else throw new Error(`unknown probe mode ${mode}`);
