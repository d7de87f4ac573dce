// Which container a cgroup path or a command line names, on samples from real machines: the
// engines that do not run on the build machine are held to their real layouts here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerLabel, containerMatches, recogniseCgroupPath, recogniseCommand, unitOf } from '../../src/containers/recognise.js';
import { stateNames } from '../../src/containers/state-files.js';

const ID = '3f2a9c41d0b7e6a5f4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918076e5d';
const POD = '8d9b3f5e-1c2a-4b7d-9e0f-a1b2c3d4e5f6';

/** [cgroup path, engine, id, name, runtime, pod] */
const CGROUPS: readonly (readonly [string, string, string | null, string | null, boolean, string?])[] = [
  // podman as root, systemd's cgroup manager (cgroup v2), and its conmon.
  [`/machine.slice/libpod-${ID}.scope/container`, 'podman', ID, null, false],
  [`/machine.slice/libpod-conmon-${ID}.scope`, 'podman', ID, null, true],
  // podman as root, cgroupfs manager (as on this project's build machine).
  [`/libpod_parent/libpod-${ID}`, 'podman', ID, null, false],
  // rootless podman, in the user's manager.
  [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, 'podman', ID, null, false],
  // Docker, systemd and cgroupfs drivers.
  [`/system.slice/docker-${ID}.scope`, 'docker', ID, null, false],
  [`/docker/${ID}`, 'docker', ID, null, false],
  // Kubernetes: containerd with the systemd driver, CRI-O, and the cgroupfs driver.
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
    'containerd',
    ID,
    null,
    false,
    POD,
  ],
  [`/kubepods.slice/kubepods-pod${POD.replace(/-/g, '_')}.slice/crio-${ID}.scope`, 'cri-o', ID, null, false, POD],
  [`/kubepods.slice/kubepods-pod${POD.replace(/-/g, '_')}.slice/crio-conmon-${ID}.scope`, 'cri-o', ID, null, true, POD],
  [`/kubepods/besteffort/pod${POD}/${ID}`, 'kubernetes', ID, null, false, POD],
  // LXC 4+ (and Incus), its monitor, and LXC before 4.
  ['/lxc.payload.bb1', 'lxc', null, 'bb1', false],
  ['/lxc.payload.bb1/system.slice/ssh.service', 'lxc', null, 'bb1', false],
  ['/lxc.monitor.bb1', 'lxc', null, 'bb1', true],
  ['/lxc/web01', 'lxc', null, 'web01', false],
  // Docker inside an LXC container: the innermost wins.
  // Docker in an LXC container is that LXC container: its root may name its own cgroups.
  [`/lxc.payload.bb1/system.slice/docker-${ID}.scope`, 'lxc', null, 'bb1', false],
  // systemd-nspawn, registered: the payload, nspawn's supervisor, an escaped name.
  ['/machine.slice/machine-nsa.scope/payload/system.slice/systemd-journald.service', 'nspawn', null, 'nsa', false],
  ['/machine.slice/machine-nsa.scope/supervisor', 'nspawn', null, 'nsa', true],
  ['/machine.slice/machine-my\\x2dbox.scope', 'nspawn', null, 'my-box', false],
  ['/machine.slice/machine-qemu\\x2d1\\x2ddebian12.scope/libvirt/emulator', 'libvirt', null, 'debian12', false],
  // Flatpak and snap.
  ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-2812312.scope', 'flatpak', '2812312', 'org.mozilla.firefox', false],
  ['/user.slice/user-1000.slice/user@1000.service/app.slice/snap.firefox.firefox-3a1c8f8e-8a9d-4a0b-9f1c-2d6c2f0a7b11.scope', 'snap', null, 'firefox', false],
  ['/system.slice/snap.lxd.daemon.service', 'snap', null, 'lxd', false],
];

describe('recognising a cgroup path', () => {
  for (const [path, engine, id, name, runtime, pod] of CGROUPS) {
    it(`${path} is ${engine} ${name ?? ''} ${id ?? ''}${runtime ? ' (runtime)' : ''}`, () => {
      const speaker = Number(/user@(\d+)\.service/.exec(path)?.[1] ?? 0);
      assert.deepEqual(recogniseCgroupPath(path), { container: { engine, id, name, ...(pod !== undefined ? { pod } : {}) }, runtime, speaker });
    });
  }

  it("says who may have named the cgroup: the user whose manager's subtree it lies in, else root", () => {
    assert.equal(recogniseCgroupPath(`/machine.slice/libpod-${ID}.scope`)!.speaker, 0);
    assert.equal(recogniseCgroupPath(`/user.slice/user-1000.slice/user@1000.service/app.slice/libpod-${ID}.scope`)!.speaker, 1000);
    // A name the user chose that looks like a manager's changes nothing above it.
    assert.equal(recogniseCgroupPath(`/user.slice/user-1000.slice/user@1000.service/user@0.service/libpod-${ID}.scope`)!.speaker, 1000);
  });

  it('names no container for a path that no engine makes, nor for a look-alike inside a component', () => {
    for (const path of ['/', '/system.slice/ssh.service', '/user.slice/user-1000.slice/session-3.scope', `/xdocker-${ID}.scope`, `/libpod-${ID.slice(1)}`]) {
      assert.equal(recogniseCgroupPath(path), null, path);
    }
  });

  it('takes the outermost unit for systemd services and user sessions', () => {
    assert.deepEqual(unitOf('/system.slice/ssh.service'), { engine: 'unit', id: null, name: 'ssh.service' });
    assert.deepEqual(unitOf('/user.slice/user-1000.slice/session-3.scope'), { engine: 'unit', id: null, name: 'session-3.scope' });
    assert.deepEqual(unitOf('/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service'), { engine: 'unit', id: null, name: 'user@1000.service' });
    assert.deepEqual(unitOf('/init.scope'), { engine: 'unit', id: null, name: 'init.scope' });
    assert.equal(unitOf('/'), null);
    assert.equal(unitOf('/user.slice'), null);
  });
});

const CONMON = [
  '/usr/bin/conmon', '--api-version', '1', '-c', ID, '-u', ID, '-r', '/usr/bin/crun', '-b', `/var/lib/containers/storage/overlay-containers/${ID}/userdata`,
  '-n', 'web', '--exit-dir', '/run/libpod/exits', '--exit-command', '/usr/bin/podman', '--exit-command-arg', '--root',
];
const CRIO_CONMON = [
  '/usr/bin/conmon', '-b', `/run/containers/storage/overlay-containers/${ID}/userdata`, '-c', ID, '--exit-dir', '/var/run/crio/exits',
  '-n', `k8s_nginx_web-0_default_${POD}_0`, '-r', '/usr/bin/runc', '--socket-dir-path', '/var/run/crio', '-u', ID, '-s',
];

/** [command line, engine, id, name, sandbox] with the process's PID 4242. */
const COMMANDS: readonly (readonly [readonly string[], string, string | null, string | null, boolean])[] = [
  [CONMON, 'podman', ID, 'web', true],
  [CRIO_CONMON, 'cri-o', ID, `k8s_nginx_web-0_default_${POD}_0`, true],
  [['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', ID, '-address', '/run/containerd/containerd.sock'], 'docker', ID, null, true],
  [['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', ID, '-address', '/run/containerd/containerd.sock'], 'containerd', ID, null, true],
  [['[lxc monitor] /var/lib/lxc bb1'], 'lxc', null, 'bb1', true],
  [['[lxc monitor]', '/var/lib/lxc', 'bb1'], 'lxc', null, 'bb1', true],
  [['lxc-start', '-F', '-n', 'bb1'], 'lxc', null, 'bb1', true],
  [['systemd-nspawn', '--register=no', '-M', 'nsa', '-D', '/srv/nsa', '/bin/sleep', '1000', '-M', 'not-this'], 'nspawn', null, 'nsa', true],
  [['systemd-nspawn', '--machine=nsa', '-D', '/srv/x'], 'nspawn', null, 'nsa', true],
  [['/usr/bin/systemd-nspawn', '-D', '/var/lib/machines/debian/'], 'nspawn', null, 'debian', true],
  [['systemd-nspawn', '-i', '/images/fedora.raw'], 'nspawn', null, 'fedora', true],
  [['bwrap', '--unshare-user', '--ro-bind', '/', '/', 'sleep', '100'], 'bubblewrap', '4242', null, true],
  [['firejail', '--noroot', '--name=web', 'sleep', '100'], 'firejail', '4242', 'web', true],
  [['firejail', 'sleep', '--name=not-this'], 'firejail', '4242', null, true],
  [['unshare', '--user', '--fork', 'sh'], 'unshare', '4242', null, true],
  // containerd's own IDs need not be hex (ctr run IMAGE redis); its grammar, all the same.
  [['containerd-shim-runc-v2', '-namespace', 'default', '-id', 'redis'], 'containerd', 'redis', null, true],
];

describe('recognising a command line', () => {
  for (const [args, engine, id, name, sandbox] of COMMANDS) {
    it(`${args.slice(0, 3).join(' ')} … is ${engine} ${name ?? ''}`, () => {
      assert.deepEqual(recogniseCommand(args, 4242), { container: { engine, id, name }, runtime: true, sandbox });
    });
  }

  it('takes a monitor or shim whose ID no engine makes for a runtime of no container: a command line is anyone\'s to write', () => {
    for (const args of [
      ['conmon', '-c', 'unshare -U -r sleep 1 & wait', '-n', 'web', '/usr/bin/podman'],
      ['conmon', '-c', ID.toUpperCase(), '/usr/bin/podman'],
      ['containerd-shim-runc-v2', '-namespace', 'moby', '-id', '../etc'],
      ['containerd-shim-runc-v2', '-namespace', 'moby', '-id', 'x'.repeat(77)],
    ]) {
      assert.deepEqual(recogniseCommand(args, 1), { container: null, runtime: true, sandbox: true }, args.join(' '));
    }
  });

  it('knows the helpers of rootless containers as runtime processes of no one container', () => {
    for (const args of [['catatonit', '-P'], ['/usr/bin/slirp4netns', '--disable-host-loopback', '--mtu=65520', '-c', '-e', '3', '-r', '4', '4242', 'tap0'], ['pasta', '--config-net']]) {
      assert.deepEqual(recogniseCommand(args, 1), { container: null, runtime: true, sandbox: false }, args.join(' '));
    }
  });

  it('leaves everything else alone: payloads, catatonit as a container init, a kernel thread', () => {
    for (const args of [['sleep', '1000'], ['catatonit', '--', 'sleep', '1'], [], ['/bin/sh', '-c', 'conmon -n fake']]) {
      assert.equal(recogniseCommand(args, 1), null, args.join(' '));
    }
  });
});

describe('labels and --container matching', () => {
  it('labels as the tree header shows them', () => {
    assert.equal(containerLabel({ engine: 'podman', id: ID, name: 'web' }), 'podman web 3f2a9c…');
    assert.equal(containerLabel({ engine: 'podman', id: ID, name: 'web' }, '...'), 'podman web 3f2a9c...');
    assert.equal(containerLabel({ engine: 'lxc', id: null, name: 'bb1' }), 'lxc bb1');
    assert.equal(containerLabel({ engine: 'unit', id: null, name: 'user@1000.service' }), 'unit user@1000.service');
    assert.equal(containerLabel({ engine: 'bubblewrap', id: '4242', name: null }), 'bubblewrap 4242');
  });

  it('matches a name exactly or the start of an ID', () => {
    const web = { engine: 'podman', id: ID, name: 'web' };
    assert.deepEqual(['web', '3f2a', ID, 'we', 'web2', '', 'f2a'].map((w) => containerMatches(web, w)), [true, true, true, false, false, false, false]);
  });
});

describe('names from the engines’ state files', () => {
  const files = new Map<string, string>([
    [`/var/lib/docker/containers/${ID}/config.v2.json`, JSON.stringify({ ID, Name: '/db' })],
    [
      `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${ID}/config.json`,
      JSON.stringify({ annotations: { 'io.kubernetes.cri.container-name': 'nginx', 'io.kubernetes.cri.sandbox-name': 'web-0', 'io.kubernetes.cri.sandbox-namespace': 'default' } }),
    ],
    ['/var/lib/containers/storage/overlay-containers/containers.json', JSON.stringify([{ id: ID, names: ['web'] }])],
  ]);
  const asked: string[] = [];
  const read = (path: string): string | null => (asked.push(path), files.get(path) ?? null);

  it('reads Docker’s config.v2.json, the CRI annotations and containers/storage, each file once', () => {
    const names = stateNames(read);
    assert.deepEqual(names('docker', ID), { name: 'db' });
    assert.deepEqual(names('containerd', ID), { name: 'nginx', pod: 'default/web-0' });
    assert.deepEqual(names('podman', ID), { name: 'web' });
    assert.equal(names('podman', ID.replace(/^3/, '4')), null);
    assert.equal(names('docker', '../../etc/passwd'), null);
    names('docker', ID);
    assert.equal(asked.length, 3);
  });

  it('answers no name for a file that is not the JSON it should be', () => {
    const names = stateNames(() => '{"Name": 7');
    assert.equal(names('docker', ID), null);
  });
});
