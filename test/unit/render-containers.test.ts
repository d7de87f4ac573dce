// Containers and the audit marks in the views, and --container, on hand-built models.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namespacesOfContainers } from '../../src/filter.js';
import type { Container, NamespaceTree, ProcessText } from '../../src/model.js';
import { renderDot } from '../../src/render/dot.js';
import { renderJson, type JsonDocument } from '../../src/render/json.js';
import { renderTree } from '../../src/render/tree.js';
import { ns, tree } from '../support/models.js';

const ID = '3f2a9c41d0b7e6a5f4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918076e5d';
const web: Container = { engine: 'podman', id: ID, name: 'web' };
const bb1: Container = { engine: 'lxc', id: null, name: 'bb1' };
const full = [{ inside: 0, outside: 0, count: 4294967295 }];

function text(container: Container | null, runtime = false, cmdline: string[] = ['x']): ProcessText {
  return { cgroup: '/', cmdline, container, runtime };
}

/** The host with conmon for web, web's namespace mapping host root, and bb1's with a hostile name. */
function sample(): NamespaceTree {
  const hostileName: Container = { engine: 'lxc', id: null, name: 'x\x1b]0;owned\x07' };
  const webNs = ns(4026532200, [20, 21]);
  webNs.details = { ownerUid: 0, uidMap: [{ inside: 0, outside: 0, count: 1 }], gidMap: [{ inside: 0, outside: 100000, count: 65536 }], owned: null, mapsHostRoot: true, mapsHostRootGroup: false };
  const lxcNs = ns(4026532300, [30, 31, 32]);
  lxcNs.details = { ownerUid: 0, uidMap: null, gidMap: null, owned: null, mapsHostRoot: false, mapsHostRootGroup: false };
  const root = ns(4026531837, [1, 10], [webNs, lxcNs]);
  root.details = { ownerUid: 0, uidMap: full, gidMap: full, owned: null, mapsHostRoot: false, mapsHostRootGroup: false };
  const processes = new Map<number, ProcessText>([
    [1, text({ engine: 'unit', id: null, name: 'init.scope' })],
    [10, text(web, true, ['conmon', '-c', ID, '-n', 'web'])],
    [20, text(web)],
    [21, text(web)],
    [30, text(bb1)],
    [31, text(hostileName)],
    [32, text(null)],
  ]);
  const processNames = new Map([1, 10, 20, 21, 30, 31, 32].map((pid) => [pid, pid === 10 ? 'conmon' : `p${pid}`] as const));
  return { ...tree(root), processNames, processes };
}

const names = new Map([[0, 'root']]);

describe('containers in the tree view', () => {
  it('labels each namespace with its containers, marks host root, and tells runtime processes apart', () => {
    assert.equal(
      renderTree(sample(), names, { width: 100, color: false, ascii: false }),
      '4026531837  root  2 processes  uid 0→0 ×4294967295  unit init.scope\n' +
        '│  1 p1  10 conmon (runtime)\n' +
        '├─ 4026532200  root  2 processes  uid 0→0 ×1  maps host root  podman web 3f2a9c…\n' +
        '│     20 p20  21 p21\n' +
        '└─ 4026532300  root  3 processes  uid ?  lxc bb1, lxc x\\x1b]0;owned\\x07\n' +
        '      30 p30 (lxc bb1)  31 p31 (lxc x\\x1b]0;owned\\x07)  32 p32\n',
    );
  });

  it('colours the host-root mark red and draws the ellipsis in ASCII', () => {
    const coloured = renderTree(sample(), names, { width: 100, color: true, ascii: true });
    assert.ok(coloured.includes('\x1b[31mmaps host root\x1b[0m  \x1b[36mpodman web 3f2a9c...\x1b[0m'));
  });
});

describe('containers in JSON and dot', () => {
  it('gives each process its cgroup, command line, container and role, and each namespace its containers', () => {
    const doc = JSON.parse(renderJson(sample(), names)) as JsonDocument;
    const [webNs, lxcNs] = doc.roots[0]!.children;
    assert.deepEqual(doc.roots[0]!.containers, [{ engine: 'unit', id: null, name: 'init.scope' }]);
    assert.deepEqual(doc.roots[0]!.processes[1], { pid: 10, comm: 'conmon', cgroup: '/', cmdline: ['conmon', '-c', ID, '-n', 'web'], container: web, runtime: true });
    assert.deepEqual([webNs!.mapsHostRoot, webNs!.mapsHostRootGroup, webNs!.containers], [true, false, [web]]);
    assert.equal(lxcNs!.containers.length, 2);
    assert.ok(renderJson(sample(), names).includes('"name": "x\\u001b]0;owned\\u0007"'));
  });

  it('puts the labels and the mark in dot, outlined red', () => {
    const dot = renderDot(sample(), names);
    assert.ok(dot.includes('"user:4026532200" [shape=box, label="4026532200\\nroot\\n2 processes\\nmaps host root\\npodman web 3f2a9c…", color=red]'));
  });
});

describe('--container', () => {
  it('keeps the namespaces of the container, by name or ID prefix, with their ancestors', () => {
    for (const wanted of ['web', '3f2a']) {
      const { tree: kept, missing } = namespacesOfContainers(sample(), [wanted]);
      assert.deepEqual(missing, []);
      assert.deepEqual(kept.roots.map((r) => [r.id.ino, r.children.map((c) => c.id.ino)]), [[4026531837, [4026532200]]]);
    }
    assert.deepEqual(namespacesOfContainers(sample(), ['bb1']).tree.roots[0]!.children.map((c) => c.id.ino), [4026532300]);
  });

  it('names the containers that are not there', () => {
    assert.deepEqual(namespacesOfContainers(sample(), ['web', 'nope']).missing, ['nope']);
  });
});
