// Which evidence of containers is believed: a command line is its process's own to write, and a
// user may name cgroups in the subtree systemd delegates to it, so each counts only as far as
// whoever could make it may speak. Run on the containers step itself, over readings made to order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Claims, identityOf } from '../../src/containers/claims.js';
import { discoverContainers } from '../../src/discover/containers.js';
import { Discovery } from '../../src/discover/state.js';
import type { Kernel, ProcessTextFiles } from '../../src/kernel/kernel.js';
import * as processText from '../../src/kernel/process-text.js';
import { CouldNotRead } from '../../src/kernel/procfs.js';
import { newUserNamespace, type Container, type UserNamespace } from '../../src/model.js';

const DEV = 4;
const ROOT_ID = 'a'.repeat(64);
const ROOTLESS_ID = 'b'.repeat(64);
const DOCKER_ID = 'd'.repeat(64);
const NOBODY = 65534;
const USER = 1000;
const DELEGATED = `/user.slice/user-${USER}.slice/user@${USER}.service`;

interface Process {
  /** Its real UID; absent where /proc/PID/status cannot be read. */
  readonly uid?: number;
  readonly parent?: number;
  readonly cgroup?: string;
  readonly cmdline?: readonly string[];
  /** Its start time now, where another process has taken its PID since the pass read it. */
  readonly restarted?: boolean;
  /** The inode of its PID namespace, where it is not this tool's (1). */
  readonly pidNamespace?: number;
  /** The inode of its root directory, where it is not this tool's (2). */
  readonly root?: number;
}

/** The containers step over these namespaces of processes. */
function containersOf(namespaces: readonly Record<number, Process>[]): Map<number, Container | null> {
  const all = new Map(namespaces.flatMap((processes) => Object.entries(processes).map(([pid, p]) => [Number(pid), p] as const)));
  const text: ProcessTextFiles = {
    ...processText,
    readParentPid: (pid) => all.get(pid)?.parent ?? 0,
    readRootStateFile: () => null,
    readRealUid: (pid) => all.get(pid)?.uid ?? new CouldNotRead('vanished', 'ENOENT'),
    readStat: (pid) => ({ name: 'p', parent: all.get(pid)?.parent ?? 0, threads: 1, started: all.get(pid)?.restarted === true ? 2 : 1 }),
  };
  // This tool is 'self', its root directory descriptor 0; a process's is its PID.
  const namespaceLink = (pid: number | 'self', file: string): { type: string; ino: number } => ({ type: file, ino: pid === 'self' ? 1 : (all.get(pid)?.pidNamespace ?? 1) });
  const procfs = {
    nsfsDevice: () => DEV,
    namespaceLink,
    openRootPath: (pid: number | 'self') => (pid === 'self' ? 0 : pid),
    identify: (fd: number) => ({ dev: 1, ino: fd === 0 ? 2 : (all.get(fd)?.root ?? 2) }),
    closeDescriptor: () => {},
  };
  const kernel = { procfs, processText: () => text } as unknown as Kernel;
  const d = new Discovery(kernel, { details: true, holders: false, containers: true });
  namespaces.forEach((processes, i) => {
    const ns: UserNamespace = newUserNamespace({ dev: DEV, ino: 1000 + i });
    ns.pids.push(...Object.keys(processes).map(Number));
    d.placed.add(ns);
    if (i === 0) d.roots.push(ns);
  });
  for (const [pid, p] of all) {
    d.readings.set(pid, { pid, user: 1, stat: { name: 'p', parent: p.parent ?? 0, threads: 1, started: 1 }, cgroup: `0::${p.cgroup ?? '/'}\n` });
  }
  d.commandLines = { take: () => new Map([...all].map(([pid, p]) => [pid, p.cmdline ?? ['sleep']])) };
  return new Map([...discoverContainers(d)].map(([pid, text]) => [pid, text.container]));
}

const conmon = (id: string, name: string, engine = '/usr/bin/podman'): string[] => ['/usr/bin/conmon', '-c', id, '-n', name, '--exit-command', engine];
const podman = (id: string, name: string | null): Container => ({ engine: 'podman', id, name });

describe("the evidence of containers that is believed", () => {
  it("names root's container after root's conmon, never after another user's that gives its ID another name", () => {
    const containers = containersOf([
      { 9: { uid: 0, cmdline: conmon(ROOT_ID, 'web') }, 20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'evil') } },
      { 10: { uid: 100000, parent: 9, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } },
    ]);
    assert.deepEqual([containers.get(10), containers.get(9)], [podman(ROOT_ID, 'web'), podman(ROOT_ID, 'web')]);
    // The impostor's own claim takes an identity that root's cgroup gave: it stands for nothing.
    assert.equal(containers.get(20), null);
  });

  it("leaves root's container unnamed where only another user's runtime names it", () => {
    const containers = containersOf([{ 20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'evil') } }, { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } }]);
    assert.deepEqual(containers.get(10), podman(ROOT_ID, null));
  });

  it("gives no process of another user's root's container's identity, whichever engine its command line says", () => {
    const containers = containersOf([
      {
        20: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'web') },
        // Without podman among its arguments, conmon is CRI-O's: the same ID all the same.
        30: { uid: NOBODY, cmdline: conmon(ROOT_ID, 'web', '/usr/bin/crio') },
        40: { uid: NOBODY, cmdline: ['containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', DOCKER_ID] },
      },
      { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` }, 11: { uid: 0, cgroup: `/system.slice/docker-${DOCKER_ID}.scope` } },
      { 21: { uid: NOBODY, parent: 20 }, 31: { uid: NOBODY, parent: 30 }, 41: { uid: NOBODY, parent: 40 } },
    ]);
    for (const pid of [20, 21, 30, 31, 40, 41]) assert.equal(containers.get(pid), null, `PID ${pid}`);
    assert.deepEqual(containers.get(11), { engine: 'docker', id: DOCKER_ID, name: null });
  });

  it("does not take a cgroup that a user named in its own delegated subtree for root's container", () => {
    const containers = containersOf([
      { 9: { uid: 0, cmdline: conmon(ROOT_ID, 'web') }, 50: { uid: USER, cgroup: `${DELEGATED}/app.slice/libpod-${ROOT_ID}.scope` } },
      { 10: { uid: 100000, cgroup: `/machine.slice/libpod-${ROOT_ID}.scope` } },
    ]);
    assert.deepEqual(containers.get(10), podman(ROOT_ID, 'web'));
    assert.deepEqual(containers.get(50), { engine: 'unit', id: null, name: `user@${USER}.service` });
  });

  it("does not hear root in a container: a process in a container's cgroup speaks for no container", () => {
    const A = 'c'.repeat(64);
    const B = 'e'.repeat(64);
    const containers = containersOf([
      {
        // Root in pod A (no user namespace), saying it is pod B's conmon.
        150: { uid: 0, cgroup: `/kubepods.slice/crio-${A}.scope`, cmdline: conmon(B, 'k8s_evil', '/usr/bin/crio') },
        900: { uid: 0, cgroup: `/kubepods.slice/crio-conmon-${B}.scope`, cmdline: conmon(B, 'k8s_db_b', '/usr/bin/crio') },
        901: { uid: 0, cgroup: `/kubepods.slice/crio-${B}.scope` },
      },
    ]);
    assert.deepEqual(containers.get(901), { engine: 'cri-o', id: B, name: 'k8s_db_b' });
    assert.deepEqual(containers.get(150), { engine: 'cri-o', id: A, name: null });
  });

  it("believes a user's own runtime about the user's own rootless containers, nested namespaces too, and lets two users each have a web", () => {
    const containers = containersOf([
      { 9: { uid: 0, cmdline: conmon(ROOT_ID, 'web') }, 40: { uid: USER, cmdline: conmon(ROOTLESS_ID, 'web') }, 50: { uid: NOBODY, cmdline: conmon(ROOTLESS_ID, 'evil') } },
      { 10: { uid: 100000, cgroup: `/libpod_parent/libpod-${ROOT_ID}` } },
      { 41: { uid: USER, parent: 40, cgroup: `${DELEGATED}/user.slice/libpod-${ROOTLESS_ID}.scope` } },
      // A namespace that a user of the container made inside it, owned by a sub-UID.
      { 42: { uid: 100999, parent: 41, cgroup: `${DELEGATED}/user.slice/libpod-${ROOTLESS_ID}.scope` } },
    ]);
    for (const pid of [40, 41, 42]) assert.deepEqual(containers.get(pid), podman(ROOTLESS_ID, 'web'), `PID ${pid}`);
    assert.deepEqual(containers.get(10), podman(ROOT_ID, 'web'));
    assert.equal(containers.get(50), null);
  });

  it("believes neither of two users who say one container that no cgroup names is theirs", () => {
    const Q = 'f'.repeat(64);
    const containers = containersOf([
      { 40: { uid: USER, cmdline: conmon(Q, 'web') }, 50: { uid: NOBODY, cmdline: conmon(Q, 'web') } },
      { 41: { uid: USER, parent: 40 }, 51: { uid: NOBODY, parent: 50 } },
    ]);
    for (const pid of [40, 41, 50, 51]) assert.equal(containers.get(pid), null, `PID ${pid}`);
  });

  it("keeps to each user the machines it names itself, as two users may each have a box", () => {
    const containers = containersOf([
      { 30: { uid: USER, cmdline: ['systemd-nspawn', '-M', 'box', '-D', '/home/u/box'] }, 40: { uid: NOBODY, cmdline: ['systemd-nspawn', '-M', 'box', '-D', '/tmp/box'] } },
      { 31: { uid: USER, parent: 30 } },
      { 41: { uid: NOBODY, parent: 40 } },
    ]);
    const box = { engine: 'nspawn', id: null, name: 'box' };
    assert.deepEqual([containers.get(31), containers.get(41)], [box, box]);
  });

  it("does not rename root's LXC container after a monitor another user runs in its own subtree", () => {
    const containers = containersOf([
      {
        100: { uid: 0, cgroup: '/lxc.monitor.web', cmdline: ['[lxc monitor] /var/lib/lxc web'] },
        300: { uid: USER, cgroup: `${DELEGATED}/app.slice/lxc.monitor.web`, cmdline: ['[lxc monitor] /x evil'] },
      },
      { 101: { uid: 100000, cgroup: '/lxc.payload.web' } },
    ]);
    assert.deepEqual(containers.get(101), { engine: 'lxc', id: null, name: 'web' });
  });

  it("hears no one whose start it cannot tell: a runtime whose status is unreadable, or whose PID another process has taken", () => {
    const containers = containersOf([
      { 9: { cmdline: conmon(ROOT_ID, 'web') }, 19: { uid: 0, restarted: true, cmdline: conmon(ROOTLESS_ID, 'db') } },
      { 10: { uid: 100000, parent: 9 }, 20: { uid: 100000, parent: 19 } },
    ]);
    for (const pid of [9, 10, 19, 20]) assert.equal(containers.get(pid), null, `PID ${pid}`);
  });

  it("hears no one in a cgroup inside another container's, whose root may own a subtree: it takes no container's identity", () => {
    const containers = containersOf([
      { 9: { uid: 0, cgroup: `/machine.slice/libpod-conmon-${ROOT_ID}.scope`, cmdline: conmon(ROOT_ID, 'web') } },
      { 10: { uid: 100000, cgroup: `/machine.slice/libpod-${ROOT_ID}.scope` } },
      // Root of an unprivileged LXC container, host UID 100000, names cgroups in its own subtree.
      { 60: { uid: 100000, cgroup: `/lxc.payload.c1/libpod-${ROOT_ID}.scope` }, 61: { uid: 100000, cgroup: `/lxc.payload.c1/user.slice/user-${USER}.slice/user@${USER}.service/libpod-${ROOTLESS_ID}.scope` } },
    ]);
    assert.deepEqual(containers.get(10), podman(ROOT_ID, 'web'));
    // They are in LXC container c1, which root named; not what its root named inside it.
    for (const pid of [60, 61]) assert.deepEqual(containers.get(pid), { engine: 'lxc', id: null, name: 'c1' }, `PID ${pid}`);
  });

  it("hears no runtime under another root directory (root in a container that shares the host's PID namespace), nor one user's cgroup over another's runtime", () => {
    const K = '9'.repeat(64);
    const containers = containersOf([
      {
        40: { uid: USER, cgroup: `${DELEGATED}/session-2.scope`, cmdline: conmon(ROOTLESS_ID, 'db') },
        7: { uid: 0, root: 99, cgroup: `/ci/${K}`, cmdline: conmon(ROOTLESS_ID, 'evil') },
        70: { uid: 2000, cgroup: `/user.slice/user-2000.slice/user@2000.service/app.slice/libpod-${ROOTLESS_ID}.scope` },
      },
      { 41: { uid: USER, parent: 40, cgroup: `${DELEGATED}/session-2.scope` } },
    ]);
    // Rootless podman on cgroup v1: known by its conmon alone. Another user's cgroup named
    // after it takes the label away, and does not take it over; root in a container is not heard.
    for (const pid of [7, 40, 41, 70]) assert.notEqual(containers.get(pid)?.id, ROOTLESS_ID, `PID ${pid}`);
  });

  it("lets no other user's container show as one of root's by an ID that is not 64 hex digits, but lets users run root's snaps", () => {
    const shim = ['containerd-shim-runc-v2', '-namespace', 'default', '-id', 'redis'];
    const containers = containersOf([
      { 8: { uid: 0, cmdline: shim }, 20: { uid: NOBODY, cmdline: shim }, 30: { uid: 0, cgroup: '/system.slice/snap.multipass.multipassd.service' } },
      { 9: { uid: 0, parent: 8, cgroup: '/default/redis' }, 21: { uid: NOBODY, parent: 20 } },
      { 31: { uid: USER, cgroup: `${DELEGATED}/app.slice/snap.multipass.gui-1234.scope` } },
    ]);
    assert.deepEqual(containers.get(9), { engine: 'containerd', id: 'redis', name: null });
    assert.equal(containers.get(21), null);
    assert.deepEqual([containers.get(30), containers.get(31)], [{ engine: 'snap', id: null, name: 'multipass' }, { engine: 'snap', id: null, name: 'multipass' }]);
  });

  it("lets root's runtime hold a container that no cgroup names against a user's cgroup named after it", () => {
    const containers = containersOf([
      { 9: { uid: 0, cgroup: '/system.slice/web.service/runtime', cmdline: conmon(ROOT_ID, 'web') } },
      { 10: { uid: 100000, parent: 9, cgroup: '/system.slice/web.service/other' } },
      { 50: { uid: USER, cgroup: `${DELEGATED}/app.slice/libpod-${ROOT_ID}.scope` } },
    ]);
    assert.deepEqual([containers.get(9), containers.get(10)], [podman(ROOT_ID, 'web'), podman(ROOT_ID, 'web')]);
    assert.deepEqual(containers.get(50), { engine: 'unit', id: null, name: `user@${USER}.service` });
  });

  it("hears no runtime in another PID namespace than this tool's: root in a container that no rule names", () => {
    const containers = containersOf([
      { 7: { uid: 0, pidNamespace: 2, cgroup: '/system.slice/app.service/payload', cmdline: conmon(DOCKER_ID, 'evil') } },
      { 11: { uid: 0, cgroup: `/system.slice/docker-${DOCKER_ID}.scope` } },
    ]);
    assert.deepEqual(containers.get(11), { engine: 'docker', id: DOCKER_ID, name: null });
    assert.notEqual(containers.get(7)?.id, DOCKER_ID);
  });

  it("lets no other user's machine look like root's, and lets no one unheard silence a user", () => {
    const Q = 'f'.repeat(64);
    const containers = containersOf([
      {
        100: { uid: 0, cgroup: '/lxc.monitor.web', cmdline: ['[lxc monitor] /var/lib/lxc web'] },
        200: { uid: NOBODY, cmdline: ['[lxc monitor] /x web'] },
        // Root in a pod of its own PID namespace, saying the user's container is its own.
        300: { uid: 0, pidNamespace: 3, cmdline: conmon(Q, 'evil') },
        40: { uid: USER, cmdline: conmon(Q, 'db') },
      },
      { 101: { uid: 100000, cgroup: '/lxc.payload.web' } },
      { 201: { uid: NOBODY, parent: 200 } },
      { 41: { uid: USER, parent: 40 } },
    ]);
    assert.deepEqual(containers.get(101), { engine: 'lxc', id: null, name: 'web' });
    assert.equal(containers.get(201), null);
    assert.deepEqual(containers.get(41), podman(Q, 'db'));
  });

  it("keeps two users' flatpak instances of one number apart", () => {
    const containers = containersOf([
      { 10: { uid: USER, cgroup: `${DELEGATED}/app.slice/app-flatpak-org.gnome.Calculator-1234567.scope` } },
      { 20: { uid: 2000, cgroup: '/user.slice/user-2000.slice/user@2000.service/app.slice/app-flatpak-x-1234567.scope' } },
    ]);
    assert.deepEqual(containers.get(10), { engine: 'flatpak', id: '1234567', name: 'org.gnome.Calculator' });
    assert.deepEqual(containers.get(20), { engine: 'flatpak', id: '1234567', name: 'x' });
  });

  it("keeps a user's own sandbox, which takes no one else's identity", () => {
    const containers = containersOf([{ 60: { uid: NOBODY, cmdline: ['bwrap', '--unshare-user', 'sh'] } }, { 61: { uid: NOBODY, parent: 60 } }]);
    assert.deepEqual(containers.get(61), { engine: 'bubblewrap', id: '60', name: null });
  });
});

describe('identities and authority', () => {
  it('knows a 64-hex ID by itself, whatever the engine, and a machine with no ID by its engine, name and namer', () => {
    assert.equal(identityOf({ container: podman(ROOT_ID, 'web'), speaker: 0 }), identityOf({ container: { engine: 'cri-o', id: ROOT_ID, name: null }, speaker: NOBODY }));
    assert.notEqual(identityOf({ container: { engine: 'containerd', id: 'redis', name: null }, speaker: 0 }), identityOf({ container: { engine: 'docker', id: 'redis', name: null }, speaker: 0 }));
    assert.notEqual(identityOf({ container: { engine: 'lxc', id: null, name: 'web' }, speaker: 0 }), identityOf({ container: { engine: 'lxc', id: null, name: 'web' }, speaker: USER }));
  });

  it('believes root before users, one user alone by cgroup or command line, and no unknown speaker', () => {
    const claims = new Claims();
    const byCgroup = { container: podman(ROOTLESS_ID, null), speaker: USER, evidence: 'cgroup' } as const;
    const byCommand = { container: podman(ROOTLESS_ID, 'web'), speaker: USER, evidence: 'command' } as const;
    const unknown = { container: podman(ROOTLESS_ID, 'x'), speaker: null, evidence: 'command' } as const;
    [byCgroup, byCommand, unknown].forEach((claim) => claims.add(claim));
    assert.deepEqual([claims.believed(byCgroup), claims.believed(byCommand), claims.believed(unknown)], [true, true, false]);
    assert.equal(claims.nameOf(byCgroup), 'web');
    // A second user takes the label away, and does not take it over.
    const other = { container: podman(ROOTLESS_ID, 'evil'), speaker: NOBODY, evidence: 'cgroup' } as const;
    claims.add(other);
    assert.deepEqual([claims.believed(byCgroup), claims.believed(other), claims.nameOf(byCgroup)], [false, false, null]);
    // Root's word wins wherever it is heard.
    const root = { container: podman(ROOTLESS_ID, 'db'), speaker: 0, evidence: 'command' } as const;
    claims.add(root);
    assert.deepEqual([claims.believed(root), claims.believed(byCgroup), claims.nameOf(byCgroup)], [true, false, 'db']);
  });
});
