// The tree and JSON views, and the --pid filter, on hand-built models.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namespacesHolding } from '../../src/filter.js';
import { allNamespaces, type NamespaceDetails, type NamespaceTree, type UserNamespace } from '../../src/model.js';
import { renderCompat } from '../../src/render/compat.js';
import { renderDot } from '../../src/render/dot.js';
import { describeHolder } from '../../src/render/words.js';
import { jsonInert } from '../../src/render/inert.js';
import { renderJson, type JsonDocument } from '../../src/render/json.js';
import { renderTree, shortMap } from '../../src/render/tree.js';
import { ns, tree } from '../support/models.js';

const names = new Map([
  [0, 'root'],
  [1000, 'alice'],
]);

function withDetails(node: UserNamespace, details: Partial<NamespaceDetails>): UserNamespace {
  node.details = { ownerUid: null, uidMap: null, gidMap: null, owned: null, ...details };
  return node;
}

/** The tree with every member named "p" and its PID, or as `names` says. */
function named(model: NamespaceTree, names?: ReadonlyMap<number, string>): NamespaceTree {
  const processNames = new Map(names ?? allNamespaces(model).flatMap((node) => node.pids.map((pid) => [pid, `p${pid}`] as const)));
  return { ...model, processNames };
}

function sample() {
  const full = [{ inside: 0, outside: 0, count: 4294967295 }];
  const leaf = withDetails(ns(4026532180, [10, 11, 12]), {
    ownerUid: 1000,
    uidMap: [
      { inside: 0, outside: 1000, count: 1 },
      { inside: 1, outside: 100000, count: 65536 },
    ],
  });
  const middle = withDetails(ns(4026532179, [], [leaf]), { ownerUid: 1000 });
  const other = withDetails(ns(4026532181, [20]), { ownerUid: 4242, uidMap: [] });
  const root = withDetails(ns(4026531837, [1, 2], [middle, other]), { ownerUid: 0, uidMap: full, gidMap: full });
  return named(tree(root));
}

describe('the tree view', () => {
  it('draws namespaces with owner, process count and UID map, and folds processes to the width', () => {
    assert.equal(
      renderTree(sample(), names, { width: 31, color: false, ascii: false }),
      '4026531837  root  2 processes  uid 0→0 ×4294967295\n' +
        '│  1 p1  2 p2\n' +
        '├─ 4026532179  alice  no processes  uid ?\n' +
        '│  └─ 4026532180  alice  3 processes  uid 0→1000 ×1, 1→100000 ×65536\n' +
        '│        10 p10  11 p11  12 p12\n' +
        '└─ 4026532181  4242  1 process  uid none\n' +
        '      20 p20\n',
    );
    // One column less, and the leaf's processes need two lines.
    const narrow = renderTree(sample(), names, { width: 30, color: false, ascii: false });
    assert.match(narrow, /\n│        10 p10  11 p11\n│        12 p12\n/);
  });

  it('draws with ASCII glyphs on request', () => {
    const text = renderTree(sample(), names, { width: 30, color: false, ascii: true });
    assert.match(text, /^\|- 4026532179/m);
    assert.match(text, /^\|  `- 4026532180  alice  3 processes  uid 0->1000 x1, 1->100000 x65536$/m);
    assert.match(text, /^`- 4026532181/m);
    assert.doesNotMatch(text, /[^\x00-\x7f]/);
  });

  it('colours inode, owner, counts, PIDs and glyphs, and measures the width without the colour', () => {
    const coloured = renderTree(sample(), names, { width: 30, color: true, ascii: false });
    assert.ok(coloured.startsWith('\x1b[1m4026531837\x1b[0m  \x1b[32mroot\x1b[0m  \x1b[2m2 processes  uid 0→0 ×4294967295\x1b[0m\n'));
    assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), renderTree(sample(), names, { width: 30, color: false, ascii: false }));
  });

  it('shows absences as "?", and never passes a control character from a process name', () => {
    const model = named(tree(withDetails(ns(4026531837, [7, 8]), {})), new Map([[8, 'evil\x1b]0;x\x07']]));
    assert.equal(renderTree(model, new Map(), { width: 80, color: false, ascii: false }), '4026531837  ?  2 processes  uid ?\n   7 ?  8 evil\\x1b]0;x\\x07\n');
  });

  it('writes UID maps short', () => {
    assert.equal(shortMap(null), '?');
    assert.equal(shortMap([]), 'none');
    assert.equal(shortMap([{ inside: 0, outside: 100000, count: 65536 }]), '0→100000 ×65536');
  });
});

describe('the JSON view', () => {
  it('nests namespaces with stable keys in a stable order', () => {
    const model = sample();
    const doc = JSON.parse(renderJson({ ...model, report: { ...model.report, visited: 9, leftOut: [{ pid: 3, reason: 'permission', code: 'EACCES' }] } }, names));
    assert.deepEqual(Object.keys(doc), ['roots', 'scan']);
    const root = doc.roots[0];
    assert.deepEqual(Object.keys(root), ['dev', 'ino', 'parent', 'level', 'owner', 'uidMap', 'gidMap', 'mapsHostRoot', 'mapsHostRootGroup', 'pids', 'processes', 'containers', 'holders', 'children']);
    assert.deepEqual(root.owner, { uid: 0, user: 'root' });
    assert.equal(root.parent, null);
    const leaf = root.children[0].children[0];
    assert.deepEqual(
      { ...leaf, children: undefined },
      {
        dev: 4,
        ino: 4026532180,
        parent: { dev: 4, ino: 4026532179 },
        level: 2,
        owner: { uid: 1000, user: 'alice' },
        uidMap: [
          { inside: 0, outside: 1000, count: 1 },
          { inside: 1, outside: 100000, count: 65536 },
        ],
        gidMap: null,
        mapsHostRoot: false,
        mapsHostRootGroup: false,
        pids: [10, 11, 12],
        processes: [
          { pid: 10, comm: 'p10' },
          { pid: 11, comm: 'p11' },
          { pid: 12, comm: 'p12' },
        ],
        containers: [],
        holders: [
          { kind: 'process', pid: 10 },
          { kind: 'process', pid: 11 },
          { kind: 'process', pid: 12 },
        ],
        children: undefined,
      },
    );
    assert.deepEqual(root.children[1].owner, { uid: 4242, user: null });
    assert.deepEqual(doc.scan, { seen: 9, shown: 6, leftOut: { permission: [3], vanished: [], error: [] } });
  });
});

describe('the --pid filter', () => {
  it('keeps the namespaces holding the processes, with their ancestors and all their members', () => {
    const { tree: kept, missing } = namespacesHolding(sample(), [11]);
    assert.deepEqual(missing, []);
    assert.equal(
      renderCompat(kept),
      '{4 4026531837}\n            PIDs: 1 2 \n    {4 4026532179}\n\n        {4 4026532180}\n                    PIDs: 10 11 12 \n',
    );
    assert.equal(kept.roots[0]!.children[0]!.children[0]!.parent, kept.roots[0]!.children[0]);
  });

  it('names the PIDs it cannot find', () => {
    assert.deepEqual(namespacesHolding(sample(), [20, 99, 1]).missing, [99]);
  });

  it("keeps the owners' names, which discovery looked up before the filter", () => {
    const userNames = new Map([[0, 'root']]);
    assert.equal(namespacesHolding({ ...sample(), userNames }, [11]).tree.userNames, userNames);
  });
});

describe('holders and owned namespaces in the views', () => {
  const names = new Map([[0, 'root']]);

  it('names every kind of holder', () => {
    const comms = new Map([[9, 'sleep']]);
    assert.equal(describeHolder({ kind: 'fd', pid: 9, fd: 3 }, comms), 'held by fd 3 of PID 9 (sleep)');
    assert.equal(describeHolder({ kind: 'mount', pid: 9, path: '/run/netns/blue' }, comms), 'held by bind mount /run/netns/blue in the mount namespace of PID 9 (sleep)');
    assert.equal(describeHolder({ kind: 'task', pid: 9, tid: 11 }, comms), 'held by thread 11 of PID 9 (sleep)');
    assert.equal(describeHolder({ kind: 'for-children', pid: 12 }, comms), 'held by PID 12, for the children it creates');
    assert.equal(
      describeHolder({ kind: 'process', pid: 9, via: { type: 'net', ino: 4026532300 } }, comms),
      'held through its net 4026532300: PID 9 (sleep)',
    );
  });

  function heldModel() {
    const held = withDetails(
      { ...ns(4026532400, []), viaProcesses: false, holders: [{ kind: 'mount', pid: 1, path: '/run/x"y', via: { type: 'net', ino: 4026532401 } }] },
      {
        ownerUid: 0,
        owned: [{ type: 'net', id: { dev: 4, ino: 4026532401 }, pids: [], holders: [{ kind: 'mount', pid: 1, path: '/run/x"y' }] }],
      },
    );
    const root = withDetails(ns(4026531837, [1], [held]), {
      ownerUid: 0,
      owned: [{ type: 'mnt', id: { dev: 4, ino: 4026531841 }, pids: [1], holders: [] }],
    });
    return { ...named(tree(root), new Map([[1, 'init']])), ownerNotVisible: [{ type: 'ipc' as const, id: { dev: 4, ino: 4026532500 }, pids: [], holders: [{ kind: 'fd' as const, pid: 1, fd: 7 }] }] };
  }

  it('the tree shows holders where there is no member, owned namespaces, and owners not visible', () => {
    assert.equal(
      renderTree(heldModel(), names, { width: 80, color: false, ascii: false }),
      '4026531837  root  1 process  uid ?\n' +
        '│  1 init\n' +
        '│  owns mnt 4026531841  1 process: 1 init\n' +
        '└─ 4026532400  root  no processes  uid ?\n' +
        '      held through its net 4026532401: bind mount /run/x"y in the mount namespace of PID 1 (init)\n' +
        '      owns net 4026532401  held by bind mount /run/x"y in the mount namespace of PID 1 (init)\n' +
        '(owner not visible)\n' +
        '   owns ipc 4026532500  held by fd 7 of PID 1 (init)\n',
    );
  });

  it('compat leaves out what only holders keep alive', () => {
    assert.equal(renderCompat(heldModel()), '{4 4026531837}\n            PIDs: 1 \n');
  });

  it('dot quotes labels, dashes held namespaces and joins owned ones with dotted lines', () => {
    const dot = renderDot(heldModel(), names);
    assert.ok(dot.startsWith('digraph userns {\n'));
    assert.ok(dot.includes('  "user:4026531837" -> "user:4026532400";\n'));
    assert.ok(dot.includes('  "user:4026532400" [shape=box, style=dashed, label="4026532400\\nroot\\n0 processes\\nheld through its net 4026532401: bind mount /run/x\\"y in the mount namespace of PID 1 (init)"];\n'));
    assert.ok(dot.includes('  "user:4026532400" -> "net:4026532401" [style=dotted, arrowhead=none];\n'));
    assert.ok(dot.includes('  "owner not visible" -> "ipc:4026532500" [style=dotted, arrowhead=none];\n'));
  });

  it('JSON writes long lists as JSON.stringify would, in parts, with what other users named made inert', () => {
    // 2,500 members of the root, every one in the root's 2,500-member mount namespace, and one
    // process whose name a terminal would obey: the lists are longer than a part.
    const pids = Array.from({ length: 2500 }, (_, i) => i + 1);
    const root = withDetails(ns(4026531837, pids, [ns(4026532400, [3000])]), {
      ownerUid: 0,
      owned: [
        { type: 'mnt', id: { dev: 4, ino: 4026531841 }, pids, holders: [] },
        { type: 'net', id: { dev: 4, ino: 4026531840 }, pids: [1], holders: [{ kind: 'fd', pid: 2, fd: 3 }] },
      ],
    });
    const text = renderJson(named(tree(root), new Map([...pids, 3000].map((pid) => [pid, pid === 1999 ? 'evil\u202e' : `p${pid}`]))), names);
    assert.equal(text, jsonInert(JSON.stringify(JSON.parse(text), null, 2)) + '\n');
    assert.ok(text.includes('"comm": "evil\\u202e"'));
    const doc = JSON.parse(text) as JsonDocument;
    assert.deepEqual([doc.roots[0]!.pids.length, doc.roots[0]!.processes.length, doc.roots[0]!.owned![0]!.pids.length], [2500, 2500, 2500]);
    assert.equal(doc.roots[0]!.children[0]!.ino, 4026532400);
  });

  it('JSON carries holders, owned namespaces and owners not visible', () => {
    const doc = JSON.parse(renderJson(heldModel(), names)) as JsonDocument;
    assert.deepEqual(doc.roots[0]!.children[0]!.owned, [{ type: 'net', dev: 4, ino: 4026532401, pids: [], holders: [{ kind: 'mount', pid: 1, path: '/run/x"y' }] }]);
    assert.deepEqual(doc.ownerNotVisible, [{ type: 'ipc', dev: 4, ino: 4026532500, pids: [], holders: [{ kind: 'fd', pid: 1, fd: 7 }] }]);
    assert.deepEqual(Object.keys(doc), ['roots', 'ownerNotVisible', 'scan']);
  });
});
