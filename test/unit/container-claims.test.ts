// Which runtimes' command lines are believed: a command line is its process's own to write, so
// one that another user started may neither rename a container nor take one's identity. Run on
// the containers step itself, over readings made to order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverContainers } from '../../src/discover/containers.js';
import { Discovery } from '../../src/discover/state.js';
import type { Kernel, ProcessTextFiles } from '../../src/kernel/kernel.js';
import * as processText from '../../src/kernel/process-text.js';
import { CouldNotRead } from '../../src/kernel/procfs.js';
import { newUserNamespace, type Container, type UserNamespace } from '../../src/model.js';

const DEV = 4;
const ROOT_ID = 'a'.repeat(64);
const ROOTLESS_ID = 'b'.repeat(64);
const NOBODY = 65534;

interface Process {
  readonly uid: number;
  readonly parent?: number;
  readonly cgroup?: string;
  readonly cmdline?: readonly string[];
}

/** The containers step over these namespaces (by owner UID) and their processes. */
function containersOf(namespaces: readonly { owner: number; processes: Record<number, Process> }[]): Map<number, Container | null> {
  const all = new Map(namespaces.flatMap(({ processes }) => Object.entries(processes).map(([pid, p]) => [Number(pid), p] as const)));
  const text: ProcessTextFiles = {
    ...processText,
    readParentPid: (pid) => all.get(pid)?.parent ?? 0,
    readRootStateFile: () => null,
    readRealUid: (pid) => all.get(pid)?.uid ?? new CouldNotRead('vanished', 'ENOENT'),
  };
  const kernel = { procfs: { nsfsDevice: () => DEV }, processText: () => text } as unknown as Kernel;
  const d = new Discovery(kernel, { details: true, holders: false, containers: true });
  namespaces.forEach(({ owner, processes }, i) => {
    const ns: UserNamespace = newUserNamespace({ dev: DEV, ino: 1000 + i });
    ns.pids.push(...Object.keys(processes).map(Number));
    d.placed.add(ns);
    if (i === 0) d.roots.push(ns);
    d.ownerUids.set(ns, owner);
  });
  for (const [pid, p] of all) {
    d.readings.set(pid, { pid, user: 1, stat: { name: 'p', parent: p.parent ?? 0, threads: 1 }, cgroup: `0::${p.cgroup ?? '/'}\n`, cmdline: p.cmdline ?? ['sleep'] });
  }
  return new Map([...discoverContainers(d)].map(([pid, text]) => [pid, text.container]));
}

const conmon = (id: string, name: string): string[] => ['/usr/bin/conmon', '-c', id, '-n', name, '--exit-command', '/usr/bin/podman'];

describe("the runtimes' command lines that are believed", () => {
  it("names root's container after root's conmon, never after another user's that gives its ID another name", () => {
    const containers = containersOf([
      {
        owner: 0,
        processes: {
          9: { uid: 0, cmdline: conmon(ROOT_ID, 'web') },
          20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'evil') },
        },
      },
      { owner: 0, processes: { 10: { uid: 100000, parent: 9, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } } },
    ]);
    const web = { engine: 'podman', id: ROOT_ID, name: 'web' };
    assert.deepEqual(containers.get(10), web);
    assert.deepEqual(containers.get(9), web);
    // The impostor's own claim takes an identity that is root's: it stands for nothing.
    assert.equal(containers.get(20), null);
  });

  it("leaves root's container unnamed where only another user's runtime names it", () => {
    const containers = containersOf([
      { owner: 0, processes: { 20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'evil') } } },
      { owner: 0, processes: { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } } },
    ]);
    assert.deepEqual(containers.get(10), { engine: 'podman', id: ROOT_ID, name: null });
  });

  it("gives no namespace of another user's the identity of root's container, by ID or, for a machine with no ID, by name", () => {
    const containers = containersOf([
      {
        owner: 0,
        processes: {
          20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'web') },
          30: { uid: 0, cmdline: ['systemd-nspawn', '-M', 'box', '-D', '/srv/box'] },
          40: { uid: NOBODY, cmdline: ['systemd-nspawn', '-M', 'box', '-D', '/tmp/box'] },
        },
      },
      { owner: 0, processes: { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } } },
      { owner: NOBODY, processes: { 21: { uid: NOBODY, parent: 20 }, 41: { uid: NOBODY, parent: 40 } } },
    ]);
    assert.equal(containers.get(21), null);
    assert.equal(containers.get(41), null);
    assert.deepEqual(containers.get(30), { engine: 'nspawn', id: null, name: 'box' });
  });

  it("believes a user's own runtime about the user's own containers, rootless, and lets two users each have a web", () => {
    const containers = containersOf([
      {
        owner: 0,
        processes: {
          9: { uid: 0, cmdline: conmon(ROOT_ID, 'web') },
          40: { uid: 1000, cmdline: conmon(ROOTLESS_ID, 'web') },
          50: { uid: NOBODY, cmdline: conmon(ROOTLESS_ID, 'evil') },
        },
      },
      { owner: 0, processes: { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } } },
      { owner: 1000, processes: { 41: { uid: 1000, parent: 40, cgroup: `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ROOTLESS_ID}.scope` } } },
    ]);
    assert.deepEqual(containers.get(41), { engine: 'podman', id: ROOTLESS_ID, name: 'web' });
    assert.deepEqual(containers.get(40), { engine: 'podman', id: ROOTLESS_ID, name: 'web' });
    assert.deepEqual(containers.get(10), { engine: 'podman', id: ROOT_ID, name: 'web' });
    assert.equal(containers.get(50), null);
  });

  it("keeps a user's own sandbox, which takes no one else's identity", () => {
    const containers = containersOf([
      { owner: 0, processes: { 60: { uid: NOBODY, cmdline: ['bwrap', '--unshare-user', 'sh'] } } },
      { owner: NOBODY, processes: { 61: { uid: NOBODY, parent: 60 } } },
    ]);
    assert.deepEqual(containers.get(61), { engine: 'bubblewrap', id: '60', name: null });
  });
});
