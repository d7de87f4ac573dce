// Discovery on a kernel made to order: a procfs and ioctls in memory, so that the rare answers
// of a real machine (a process that moved, a PID reused, a process gone) happen on every run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discover } from '../../src/discover/discover.js';
import { PROC_USER_INIT_INO } from '../../src/discover/hierarchy.js';
import { ROOT, type NamespaceIoctls } from '../../src/kernel/ioctl-ns.js';
import { NO_LISTMOUNT } from '../../src/kernel/mounts.js';
import { readInOrder, type Kernel, type Procfs } from '../../src/kernel/kernel.js';
import { processFiles } from '../../src/kernel/process-readings.js';
import * as processText from '../../src/kernel/process-text.js';
import * as procfs from '../../src/kernel/procfs.js';
import { CouldNotRead } from '../../src/kernel/procfs.js';
import { renderCompat } from '../../src/render/compat.js';

const DEV = 4;
const INIT = PROC_USER_INIT_INO;

/** What the fake kernel answers about one PID: at the first look, and when opened later. */
interface FakeProcess {
  readonly look: number | 'vanished' | 'denied';
  readonly open?: number | 'vanished';
}

interface FakeMachine {
  readonly processes: Record<number, FakeProcess>;
  /** Each namespace's parent; absent: a root. */
  readonly parents: Record<number, number>;
  /** For the holder sources: each process's mount namespace, and whether its mountinfo reads to the end. */
  readonly mountNamespaces?: Record<number, { ino: number; complete: boolean }>;
  /** For the holder sources: how many descriptors each process holds (none of them a namespace). */
  readonly descriptors?: Record<number, number>;
}

function fakeKernel(machine: FakeMachine): { kernel: Kernel; openFds: () => number; ioctlsLoaded: () => boolean } {
  const open = new Map<number, number>();
  let nextFd = 100;
  let loaded = false;
  const descriptor = (ino: number): procfs.OpenNamespace => {
    const fd = nextFd++;
    open.set(fd, ino);
    return { fd, id: { dev: DEV, ino } };
  };
  const fake: Procfs = {
    ...procfs,
    nsfsDevice: () => DEV,
    listPidEntries: () => Object.keys(machine.processes).sort(),
    userNamespaceInode(pid) {
      const look = machine.processes[Number(pid)]!.look;
      if (look === 'vanished') return new CouldNotRead('vanished', 'ENOENT');
      if (look === 'denied') return new CouldNotRead('permission', 'EACCES');
      return look;
    },
    identify: (fd) => ({ dev: DEV, ino: open.get(fd)! }),
    closeDescriptor(fd) {
      assert.ok(open.delete(fd), `fd ${fd} closed twice`);
    },
    insideUserNamespace: () => false,
    hidesOtherUsers: () => false,
    namespaceLink(pid, file) {
      const mnt = pid === 'self' ? undefined : machine.mountNamespaces?.[pid];
      return file === 'mnt' && mnt !== undefined ? { type: 'mnt', ino: mnt.ino } : null;
    },
    openOwnNamespace(pid, file) {
      if (file === 'mnt') return descriptor(machine.mountNamespaces![Number(pid)]!.ino);
      const process = machine.processes[Number(pid)]!;
      const now = process.open ?? process.look;
      return typeof now === 'number' ? descriptor(now) : new CouldNotRead('vanished', 'ENOENT');
    },
    listThreads: () => [],
    listDescriptors: (pid) => Array.from({ length: machine.descriptors?.[pid] ?? 0 }, (_, fd) => String(fd)),
    descriptorTarget: () => null,
    nsfsMounts: (pid) => ({ mounts: [], complete: machine.mountNamespaces?.[pid]?.complete ?? true }),
  } as Procfs;
  const ioctls: NamespaceIoctls = {
    parentOf(fd) {
      const parent = machine.parents[open.get(fd)!];
      return parent === undefined ? ROOT : descriptor(parent).fd;
    },
    ownerNamespaceOf: () => 'owner not visible',
    ownerUidOf: () => 0,
  };
  const kernel: Kernel = {
    procfs: fake,
    readProcesses: passThrough(fake),
    ioctls: () => ((loaded = true), ioctls),
    files: () => assert.fail('no holder is looked for here'),
    userNames: () => ({ names: new Map(), late: false }),
    processText: () => assert.fail('no container is looked for here'),
    commandLines: () => assert.fail('no container is looked for here'),
    sockets: () => assert.fail('no holder is looked for here'),
    // A kernel before 6.11: mounts come from mountinfo (procfs.nsfsMounts).
    mounts: () => ({ idOf: () => NO_LISTMOUNT, nsfsMountsIn: () => NO_LISTMOUNT }),
    tasks: () => assert.fail('no holder is looked for here'),
  };
  return { kernel, openFds: () => open.size, ioctlsLoaded: () => loaded };
}

/** The pass, in this thread, through a fake procfs: every process single-threaded, named "fake". */
const passThrough = (fake: Procfs): Kernel['readProcesses'] =>
  readInOrder(() => ({ ...processFiles(fake, processText), readStat: () => ({ name: 'fake', parent: 0, threads: 1, started: 1 }) }));

const COMPAT = { details: false, holders: false };

describe('discovery when processes change under it', () => {
  it('files a process that moved between the first look and the open under the namespace it is in now', () => {
    const { kernel, openFds } = fakeKernel({
      // Discovery opens a namespace through its highest PID first: 11 is the one it finds moved.
      processes: { 1: { look: INIT }, 10: { look: 501 }, 11: { look: 501, open: 502 } },
      parents: { 501: INIT, 502: 501 },
    });
    const tree = discover(kernel, COMPAT);
    assert.equal(
      renderCompat(tree),
      '{4 4026531837}\n            PIDs: 1 \n    {4 501}\n                PIDs: 10 \n        {4 502}\n                    PIDs: 11 \n',
    );
    assert.deepEqual(tree.report.leftOut, []);
    assert.equal(openFds(), 0);
  });

  it('keeps a namespace whose only member moved away as the ancestor it still is', () => {
    const { kernel, openFds } = fakeKernel({
      processes: { 1: { look: INIT }, 10: { look: 501, open: 502 } },
      parents: { 501: INIT, 502: 501 },
    });
    assert.equal(renderCompat(discover(kernel, COMPAT)), '{4 4026531837}\n            PIDs: 1 \n    {4 501}\n\n        {4 502}\n                    PIDs: 10 \n');
    assert.equal(openFds(), 0);
  });

  it('files a PID reused by a process of another namespace where that process is', () => {
    const { kernel } = fakeKernel({
      processes: { 1: { look: INIT }, 20: { look: 501, open: INIT } },
      parents: { 501: INIT },
    });
    const tree = discover(kernel, COMPAT);
    assert.equal(renderCompat(tree), '{4 4026531837}\n            PIDs: 1 20 \n');
  });

  it('leaves out, as vanished, a process gone before it could be opened, and its namespace with it', () => {
    const { kernel, openFds } = fakeKernel({
      processes: { 1: { look: INIT }, 30: { look: 501, open: 'vanished' }, 31: { look: 'vanished' }, 32: { look: 'denied' } },
      parents: { 501: INIT },
    });
    const tree = discover(kernel, COMPAT);
    assert.equal(renderCompat(tree), '{4 4026531837}\n            PIDs: 1 \n');
    assert.deepEqual(
      tree.report.leftOut.map(({ pid, reason }) => [pid, reason]),
      [
        [30, 'vanished'],
        [31, 'vanished'],
        [32, 'permission'],
      ],
    );
    assert.equal(openFds(), 0);
  });

  it('asks no ioctl, and so loads no FFI library, where only the initial namespace is met', () => {
    const { kernel, ioctlsLoaded } = fakeKernel({ processes: { 1: { look: INIT }, 2: { look: INIT } }, parents: {} });
    assert.equal(renderCompat(discover(kernel, COMPAT)), '{4 4026531837}\n            PIDs: 1 2 \n');
    assert.equal(ioctlsLoaded(), false);
  });
});

describe('discovery within its budgets', () => {
  it('says which mount namespaces it could not read to the end, and still shows the tree', () => {
    const { kernel, openFds } = fakeKernel({
      processes: { 1: { look: INIT }, 2: { look: INIT }, 3: { look: INIT } },
      parents: {},
      mountNamespaces: { 1: { ino: 900, complete: true }, 2: { ino: 901, complete: false }, 3: { ino: 901, complete: true } },
    });
    const tree = discover(kernel, { details: false, holders: true });
    assert.equal(renderCompat(tree), '{4 4026531837}\n            PIDs: 1 2 3 \n');
    assert.deepEqual(tree.report.cut, [
      "this kernel cannot list a mount namespace's mounts (listmount(2), Linux 6.11): bind mounts outside a chrooted process's root were not seen",
      'read mounts for 2 s, as long as a run reads them, and stopped: the bind mounts of the mount namespaces of PID 2 ' +
        'were read in part or not at all; a namespace that only they hold is not shown',
    ]);
    assert.equal(openFds(), 0);
  });
});

describe('discovery within its descriptor budget', () => {
  it('reads no more than 500,000 descriptors, and says whose it did not read', () => {
    let links = 0;
    const { kernel } = fakeKernel({
      processes: { 1: { look: INIT }, 2: { look: INIT }, 3: { look: INIT }, 4: { look: INIT } },
      parents: {},
      descriptors: { 1: 10, 2: 300_000, 3: 300_000, 4: 5 },
    });
    const procfs = { ...kernel.procfs, descriptorTarget: () => (links++, null) };
    const counting = { ...kernel, procfs, readProcesses: passThrough(procfs) };
    const tree = discover(counting, { details: false, holders: true });
    assert.equal(links, 500_000);
    assert.deepEqual(tree.report.cut, [
      'read the first 500000 descriptors, as many as a run reads, and stopped: the descriptors of PID 3, 4 ' +
        'were read in part or not at all; a namespace that only they hold is not shown',
    ]);
  });
});
