// The kernel as discovery sees it: procfs through Node's fs, and the calls that need the FFI
// library, which is loaded only when a namespace must be opened or climbed. Tests put a fake
// procfs or a failing library here to make rare kernel answers happen on demand. What compat
// does not use is loaded on first use: each module loaded costs every run's start-up.
import { lazy } from '../lazy.js';
import type { UserNameLookup } from './accounts.js';
import type { CommandLines } from './command-lines.js';
import type { NamespaceIoctls } from './ioctl-ns.js';
import type { Backend, Libc } from './libc.js';
import type { MountNamespaces } from './mounts.js';
import type { NamespaceFiles } from './namespace-files.js';
import type { ProcessFiles, ProcessReading, Wants } from './process-readings.js';
import type * as processTextModule from './process-text.js';
import type { Sharing } from './reading-threads.js';
import * as procfs from './procfs.js';
import type { SocketNamespaces } from './sockets.js';
import type { Tasks } from './tasks.js';

// The FFI libraries by name, for the option table: naming them here spares a bare run loading
// libc.ts (or a module of its own, which costs start-up too). A record of libc's type has
// every one of its names, and no other.
const NAMED: Record<Backend, true> = { koffi: true, 'ffi-napi': true };
export const BACKENDS = Object.keys(NAMED) as Backend[];

export type Procfs = typeof procfs;
export type ProcessTextFiles = typeof processTextModule;

/** Every process's reading, in the order of `pids`, and what is left of the descriptor budget. */
export type ReadProcesses = (
  pids: readonly string[],
  wants: Wants,
  descriptorBudget: number,
  sharing?: Partial<Sharing>,
) => { readings: ProcessReading[]; descriptorsLeft: number; byWorker: number };

export interface Kernel {
  readonly procfs: Procfs;
  /** One pass over each process, for the views other than compat; in two threads where it pays. */
  readonly readProcesses: ReadProcesses;
  /** Starts reading the command lines of `pids`, at most `limit` bytes each. */
  readonly commandLines: (pids: readonly number[], limit: number) => CommandLines;
  /** Cgroups, command lines, parents and engines' state files. */
  readonly processText: () => ProcessTextFiles;
  /** Loads the FFI library on first use. */
  readonly ioctls: () => NamespaceIoctls;
  readonly files: () => NamespaceFiles;
  /** The names of `uids` in the system's user database (NSS, as ps shows them), asked for at most `waitMs`. */
  readonly userNames: (uids: readonly number[], waitMs: number) => UserNameLookup;
  readonly sockets: () => SocketNamespaces;
  readonly mounts: () => MountNamespaces;
  readonly tasks: () => Tasks;
}

const modules = {
  libc: lazy(() => require('./libc.js') as typeof import('./libc.js')),
  ioctls: lazy(() => require('./ioctl-ns.js') as typeof import('./ioctl-ns.js')),
  files: lazy(() => require('./namespace-files.js') as typeof import('./namespace-files.js')),
  accounts: lazy(() => require('./accounts.js') as typeof import('./accounts.js')),
  sockets: lazy(() => require('./sockets.js') as typeof import('./sockets.js')),
  mounts: lazy(() => require('./mounts.js') as typeof import('./mounts.js')),
  tasks: lazy(() => require('./tasks.js') as typeof import('./tasks.js')),
  processText: lazy(() => require('./process-text.js') as ProcessTextFiles),
  readings: lazy(() => require('./process-readings.js') as typeof import('./process-readings.js')),
  commandLines: lazy(() => require('./command-lines.js') as typeof import('./command-lines.js')),
  commandLineHelper: lazy(() => require('./command-line-helper.js') as typeof import('./command-line-helper.js')),
  readingThreads: lazy(() => require('./reading-threads.js') as typeof import('./reading-threads.js')),
};

/** A pass in this thread alone, through `files`: for a procfs made to order (tests). */
export function readInOrder(files: () => ProcessFiles): ReadProcesses {
  return (pids, wants, descriptorBudget) => {
    const { readProcess, DescriptorBudget } = modules.readings();
    const budget = DescriptorBudget.of(descriptorBudget);
    return { readings: pids.map((pid) => readProcess(files(), pid, wants, budget)), descriptorsLeft: budget.left(), byWorker: 0 };
  };
}

/** How many threads of this run wait in the kernel on another user's process, and the library that can end it anyway. */
let leftWaiting = (): number => 0;
let endingLibrary: (() => Libc) | undefined;

/**
 * Ends the process with `status` now where a thread of the run still waits in the kernel on
 * another user's process (Node's own exit would wait for it for ever: Libc.exit); else returns,
 * and Node ends as usual. Everything written has been written: the output is written synchronously.
 */
export function endRun(status: number): void {
  if (leftWaiting() > 0) (endingLibrary ?? (() => modules.libc().loadLibc('koffi')))().exit(status);
}

/** The running kernel, through `backend`; `adapt` wraps the library (tests only). */
export function systemKernel(backend: Backend, options: { procfs?: Procfs; adapt?: (libc: Libc) => Libc } = {}): Kernel {
  let library: Libc | undefined;
  const libc = (): Libc => (library ??= (options.adapt ?? ((real: Libc) => real))(modules.libc().loadLibc(backend)));
  endingLibrary = libc;
  return {
    procfs: options.procfs ?? procfs,
    processText: modules.processText,
    readProcesses:
      options.procfs === undefined
        ? (...args) => modules.readingThreads().readProcesses(...args)
        : readInOrder(() => modules.readings().processFiles(options.procfs!, modules.processText())),
    commandLines:
      options.procfs === undefined
        ? (pids, limit) => {
            // A helper process where there is one: it starts sooner than a worker thread.
            const byHelper = modules.commandLineHelper().readByHelper(pids, limit);
            if (byHelper !== null) return byHelper;
            const { readCommandLines, readersLeftWaiting } = modules.commandLines();
            leftWaiting = readersLeftWaiting;
            return readCommandLines(pids, limit);
          }
        : // A procfs made to order waits on nobody: read here, in order.
          (pids, limit) => ({ take: () => new Map(pids.map((pid) => [pid, modules.processText().readCmdline(pid, limit)])) }),
    ioctls: lazy(() => modules.ioctls().namespaceIoctls(libc())),
    files: lazy(() => modules.files().namespaceFiles(libc())),
    userNames: (uids, waitMs) => modules.accounts().lookUpUserNames(uids, waitMs),
    sockets: lazy(() => modules.sockets().socketNamespaces(libc())),
    mounts: lazy(() => modules.mounts().mountNamespaces(libc())),
    tasks: lazy(() => modules.tasks().tasks(libc())),
  };
}
