// Containers of real runtimes, each started and ended by its test (in a private PID namespace
// where the runtime allows it), found by engine and name in JSON and tree; and the host-root
// mark on a real map that maps host UID 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Container } from '../../src/model.js';
import type { JsonDocument, JsonNamespace, JsonProcess } from '../../src/render/json.js';
import { asAttacker } from '../support/attacker.js';
import { byInode } from '../support/documents.js';
import { fixtureScript, inPidNamespace, LAUNCHER, type FixtureFacts, type FixtureSpec } from '../support/fixture.js';
import { NEEDS_ROOT, needsPrograms } from '../support/requirements.js';

/** Every namespace of a document, depth first. */
function namespaces(doc: JsonDocument): JsonNamespace[] {
  const all: JsonNamespace[] = [];
  const walk = (list: JsonNamespace[]): void => list.forEach((ns) => (all.push(ns), walk(ns.children)));
  walk(doc.roots);
  return all;
}

const processOf = (doc: JsonDocument, pid: number): JsonProcess | undefined =>
  namespaces(doc).flatMap((ns) => ns.processes).find((p) => p.pid === pid);
const namespaceOf = (doc: JsonDocument, pid: number): JsonNamespace | undefined => namespaces(doc).find((ns) => ns.pids.includes(pid));

const JSON_RUN = { label: 'json', args: ['--json'] };
const TREE_RUN = { label: 'tree', args: ['--format', 'tree', '--width', '400', '--color', 'never'] };

/**
 * The fixture, or a skip where the runtime itself could not start here (its own words, first
 * line): a runtime that cannot run on this machine is not the tool's failure.
 */
function runtimeFixture(t: TestContext, runtime: string, spec: FixtureSpec): FixtureFacts | undefined {
  try {
    return inPidNamespace(spec);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith('fixture failed')) throw error;
    t.skip(`${runtime} could not run here: ${message.split('\n').find((line) => /\S/.test(line.replace(/^fixture failed.*?: /, ''))) ?? message}`);
    return undefined;
  }
}

function document(facts: FixtureFacts): JsonDocument {
  const run = facts.runs.get('json')!;
  assert.deepEqual([run.status, run.stderr], [0, '']);
  return JSON.parse(run.stdout) as JsonDocument;
}

const setup = (...scripts: string[]): string => scripts.map(fixtureScript).join('\n');

describe('containers of real runtimes', { skip: NEEDS_ROOT }, () => {
  it('podman as root: a container named web is "podman web" with its ID, its conmon a runtime process; nobody\'s fake conmons neither rename it nor take its identity', { skip: needsPrograms('podman', 'crun', 'conmon', 'busybox', 'python3') }, (t) => {
    const exists = spawnSync('podman', ['container', 'exists', 'web']);
    if (exists.status === 0) return t.skip('a podman container named web already exists on this machine: not ours to remove');
    const podman = ['podman', '--cgroup-manager', 'cgroupfs'];
    try {
      const facts = runtimeFixture(t, 'podman', {
        setup: [setup('busybox-rootfs.sh', 'container-podman.sh'), asAttacker('attack-fake-conmon.sh', { ownMountNamespace: false })].join('\n'),
        runs: [
          JSON_RUN,
          { label: 'evil', args: ['--container', 'evil'] },
          TREE_RUN,
          { label: 'by-name', args: ['--format', 'tree', '--container', 'web', '--width', '400'] },
          { label: 'by-id', command: ['sh', '-c', `exec node '${LAUNCHER}' --json --container "$(cut -c1-12 "$DIR/web-id")"`] },
          { label: 'unknown', args: ['--container', 'no-such-container'] },
          { label: 'compat-by-name', args: ['--container', 'web'] },
          // Ends the container while the fixture is still there; the PID namespace ends the rest.
          { label: 'rm', command: [...podman, 'rm', '-f', '-t', '0', 'web'] },
        ],
      });
      if (facts === undefined) return;
      const id = facts.extra.get('webId')!;
      assert.match(id, /^[0-9a-f]{64}$/);
      const web: Container = { engine: 'podman', id, name: 'web' };
      const doc = document(facts);
      const all = namespaces(doc).flatMap((ns) => ns.processes);
      const payload = all.filter((p) => p.comm === 'sleep' && p.container?.name === 'web');
      assert.equal(payload.length, 1);
      assert.deepEqual([payload[0]!.container, payload[0]!.runtime, payload[0]!.cmdline], [web, false, ['/bin/sleep', '1000']]);
      // The unified hierarchy's path: on a hybrid layout, with podman's cgroupfs manager, the
      // container's own cgroups are in the v1 hierarchies, which named it.
      assert.equal(typeof payload[0]!.cgroup, 'string');
      const conmon = all.find((p) => p.comm === 'conmon')!;
      assert.deepEqual([conmon.container, conmon.runtime], [web, true]);
      // nobody's processes that say on their command lines that they are web's conmon: web keeps
      // its name, and no other process or namespace is given its identity.
      const impostors = [facts.extra.get('impostor'), facts.extra.get('forger')].map(Number);
      assert.deepEqual(impostors.map((pid) => [processOf(doc, pid)?.runtime, processOf(doc, pid)?.container?.engine === 'podman']), [[true, false], [true, false]]);
      assert.deepEqual(all.filter((p) => p.container?.id === id).map((p) => p.pid).sort((a, b) => a - b), [conmon.pid, payload[0]!.pid].sort((a, b) => a - b));
      const forged = byInode(doc).get(Number(facts.extra.get('forged')))!;
      assert.deepEqual([forged.processes.length, forged.containers.filter((c) => c.engine === 'podman')], [1, []]);
      const evil = facts.runs.get('evil')!;
      assert.deepEqual([evil.status, evil.stderr], [1, "userns-overview: no container named or with an ID starting 'evil'\n"]);
      // Its own user namespace (--uidmap), labelled with it; not the host's, where only conmon is.
      const ns = namespaceOf(doc, payload[0]!.pid)!;
      assert.deepEqual([ns.containers, ns.level, ns.mapsHostRoot], [[web], 1, false]);
      assert.ok(!doc.roots[0]!.containers.some((c) => c.name === 'web'));

      const tree = facts.runs.get('tree')!.stdout;
      assert.match(tree, new RegExp(`^[├└]─ ${ns.ino}  root  1 process  uid 0→100000 ×65536  podman web ${id.slice(0, 6)}…$`, 'm'));
      assert.match(tree, new RegExp(`\\b${conmon.pid} conmon \\(runtime\\)`));
      const byName = facts.runs.get('by-name')!;
      assert.equal(byName.status, 0);
      // The host's namespace and web's: two headers.
      assert.deepEqual(byName.stdout.match(/^(?:[├└]─ )?\d+  root  /gm)?.length, 2, byName.stdout);
      const byId = JSON.parse(facts.runs.get('by-id')!.stdout) as JsonDocument;
      assert.deepEqual(byId.roots[0]!.children.map((c) => c.ino), [ns.ino]);
      // The default view reads cgroups and command lines too where --container asks.
      const compat = facts.runs.get('compat-by-name')!;
      assert.equal(compat.status, 0, compat.stderr);
      assert.match(compat.stdout, new RegExp(`^    \\{\\d+ ${ns.ino}\\}$`, 'm'), compat.stdout);
      const unknown = facts.runs.get('unknown')!;
      assert.deepEqual([unknown.status, unknown.stdout, unknown.stderr], [1, '', "userns-overview: no container named or with an ID starting 'no-such-container'\n"]);
      assert.equal(facts.runs.get('rm')!.status, 0, facts.runs.get('rm')!.stderr);
    } finally {
      spawnSync(podman[0]!, [...podman.slice(1), 'rm', '-f', '--ignore', '-t', '0', 'web']);
    }
  });

  it('LXC: a busybox container is "lxc NAME", its monitor a runtime process', { skip: needsPrograms('lxc-create', 'lxc-start', 'busybox') }, (t) => {
    const name = `uo-${process.pid}`;
    const destroy = (): void => {
      spawnSync('lxc-stop', ['-n', name, '-k']);
      spawnSync('lxc-destroy', ['-n', name]);
    };
    try {
      const facts = runtimeFixture(t, 'LXC', {
        setup: `LXC_NAME='${name}'\n${setup('container-lxc.sh')}`,
        runs: [JSON_RUN, TREE_RUN, { label: 'stop', command: ['lxc-stop', '-n', name, '-k'] }],
      });
      if (facts === undefined) return;
      const doc = document(facts);
      const init = Number(facts.extra.get('lxcInit'));
      const lxc: Container = { engine: 'lxc', id: null, name };
      assert.deepEqual([processOf(doc, init)?.container, processOf(doc, init)?.runtime], [lxc, false]);
      const monitor = namespaces(doc).flatMap((ns) => ns.processes).find((p) => p.cmdline?.[0]?.startsWith('[lxc monitor]'))!;
      assert.deepEqual([monitor.container, monitor.runtime], [lxc, true]);
      assert.deepEqual(namespaceOf(doc, init)!.containers, [lxc]);
      assert.match(facts.runs.get('tree')!.stdout, new RegExp(`  lxc ${name}$`, 'm'));
    } finally {
      destroy();
    }
  });

  it('systemd-nspawn --register=no: the machine is "nspawn nsa", found through nspawn\'s command line', { skip: needsPrograms('systemd-nspawn', 'busybox') }, (t) => {
    const facts = runtimeFixture(t, 'systemd-nspawn', { setup: setup('busybox-rootfs.sh', 'container-nspawn.sh'), runs: [JSON_RUN, TREE_RUN] });
    if (facts === undefined) return;
    const doc = document(facts);
    const nsa: Container = { engine: 'nspawn', id: null, name: 'nsa' };
    const payload = processOf(doc, Number(facts.extra.get('nsPayload')))!;
    assert.deepEqual([payload.comm, payload.container, payload.runtime], ['sleep', nsa, false]);
    const nspawn = processOf(doc, Number(facts.extra.get('nspawn')))!;
    assert.deepEqual([nspawn.container, nspawn.runtime], [nsa, true]);
    assert.match(facts.runs.get('tree')!.stdout, / nspawn nsa/);
  });

  it('bubblewrap: the sandbox\'s user namespace is "bubblewrap PID" of the outer bwrap, its cgroup saying nothing', { skip: needsPrograms('bwrap') }, (t) => {
    const facts = runtimeFixture(t, 'bubblewrap', { setup: setup('container-bwrap.sh'), runs: [JSON_RUN, TREE_RUN] });
    if (facts === undefined) return;
    const doc = document(facts);
    const bwrap = facts.extra.get('bwrap')!;
    const sandbox: Container = { engine: 'bubblewrap', id: bwrap, name: null };
    const payload = processOf(doc, Number(facts.extra.get('bwrapPayload')))!;
    assert.deepEqual([payload.container, payload.runtime], [sandbox, false]);
    const ns = namespaceOf(doc, payload.pid)!;
    assert.deepEqual([ns.level, ns.containers], [1, [sandbox]]);
    assert.match(facts.runs.get('tree')!.stdout, new RegExp(`  bubblewrap ${bwrap}$`, 'm'));
  });

  it('firejail: the sandbox is "firejail NAME" (on the host: firejail refuses to run in a PID namespace)', { skip: needsPrograms('firejail') }, async (t) => {
    const name = `uo-${process.pid}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-firejail-'));
    const jail = spawn('firejail', ['--noprofile', `--name=${name}`, 'sleep', '1000'], { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'err'), 'w')] });
    try {
      // Firejail is ready when the payload runs: its child (the sandbox's PID 1) has a child of its own.
      const payload = await waitFor(() => {
        const child = childrenOf(jail.pid!)[0];
        const grandchild = child === undefined ? undefined : childrenOf(child)[0];
        return grandchild !== undefined && readComm(grandchild) === 'sleep' ? grandchild : undefined;
      }, 15_000);
      if (payload === undefined) return t.skip(`firejail could not run here: ${fs.readFileSync(path.join(dir, 'err'), 'utf8').trim().split('\n').pop()}`);
      const run = spawnSync('node', [LAUNCHER, '--json', '--quiet', '--container', name], { encoding: 'utf8', timeout: 60_000 });
      assert.deepEqual([run.status, run.stderr], [0, '']);
      const doc = JSON.parse(run.stdout) as JsonDocument;
      const sandbox: Container = { engine: 'firejail', id: String(jail.pid), name };
      assert.deepEqual(processOf(doc, payload)?.container, sandbox);
      assert.deepEqual(processOf(doc, jail.pid!)?.container, sandbox);
    } finally {
      // Exactly what this test started: firejail ends its sandbox when it is told to end.
      jail.kill('SIGTERM');
      await new Promise((resolve) => (jail.exitCode !== null ? resolve(null) : jail.once('exit', resolve)));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function readComm(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the host-root marks on real maps', { skip: NEEDS_ROOT }, () => {
  it('flags a user namespace whose map gives host UID 0 and GID 0, and not one that maps a range elsewhere', () => {
    const facts = inPidNamespace({
      chains: [
        { name: 'hostroot', depth: 1, map: '0 0 1' },
        { name: 'shifted', depth: 1, map: '0 0 1' },
      ],
      // The second one's map is rewritten by nobody: a fresh namespace, mapped to 100000 by root.
      setup: 'unshare -U sleep infinity & S=$!; untilNamespaceOf $S; echo "0 100000 65536" > /proc/$S/uid_map; echo "0 100000 65536" > /proc/$S/gid_map; fact shifted $S',
      runs: [JSON_RUN, { label: 'tree', args: ['--format', 'tree', '--color', 'always', '--width', '200'] }],
    });
    const doc = document(facts);
    const hostRoot = namespaceOf(doc, facts.chains.get('hostroot')!.pids[0]!)!;
    assert.deepEqual([hostRoot.uidMap, hostRoot.mapsHostRoot, hostRoot.mapsHostRootGroup], [[{ inside: 0, outside: 0, count: 1 }], true, true]);
    const shifted = namespaceOf(doc, Number(facts.extra.get('shifted')))!;
    assert.deepEqual([shifted.mapsHostRoot, shifted.mapsHostRootGroup], [false, false]);
    assert.deepEqual([doc.roots[0]!.mapsHostRoot, doc.roots[0]!.mapsHostRootGroup], [false, false]);
    const tree = facts.runs.get('tree')!.stdout;
    assert.match(tree, new RegExp(`${hostRoot.ino}\\x1b\\[0m.*\\x1b\\[31mmaps host root\\x1b\\[0m  \\x1b\\[31mmaps host root group\\x1b\\[0m`));
    assert.doesNotMatch(tree.split('\n').find((line) => line.includes(String(shifted.ino)))!, /maps host root/);
  });

  it('reads a map of 340 lines whole, and flags the host root in its last line', () => {
    // The kernel writes a map a line at a time, at most a page a read: 340 lines of 33 bytes
    // take three reads. Written in one write(2) of short lines, as the kernel requires.
    const map = `awk 'BEGIN { for (i = 0; i < 339; i++) printf "%d %d 1\\n", i, 1000 + 2 * i; print "400 0 1" }'`;
    const facts = inPidNamespace({
      setup:
        'unshare -U sleep infinity & L=$!; untilNamespaceOf $L; ' +
        `for f in uid_map gid_map; do ${map} | dd of=/proc/$L/$f bs=8192 iflag=fullblock 2>/dev/null; done; fact long $L`,
      runs: [JSON_RUN],
    });
    const long = namespaceOf(document(facts), Number(facts.extra.get('long')))!;
    for (const map of [long.uidMap!, long.gidMap!]) {
      assert.equal(map.length, 340);
      assert.deepEqual([map[1], map[339]], [{ inside: 1, outside: 1002, count: 1 }, { inside: 400, outside: 0, count: 1 }]);
    }
    assert.deepEqual([long.mapsHostRoot, long.mapsHostRootGroup], [true, true]);
  });
});
