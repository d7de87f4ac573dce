// Namespaces that no process is in, kept alive by a descriptor or a bind mount: tree, json and
// dot show them under the right parent with what holds them; compat stays the original's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { JsonDocument, JsonNamespace } from '../../src/render/json.js';
import { renderCompat } from '../../src/render/compat.js';
import { expectedTree, membersSeenBy } from '../support/expected.js';
import { fixtureScript, inPidNamespace, LAUNCHER, type FixtureFacts } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

const SETUP = fixtureScript('held-namespaces.sh');

let facts: FixtureFacts;
const fixture = (): FixtureFacts =>
  (facts ??= inPidNamespace({
    chains: [{ name: 'ordinary', depth: 2 }],
    setup: SETUP,
    runs: [
      { label: 'compat', args: [] },
      { label: 'json', args: ['--json'] },
      { label: 'owned', args: ['--json', '--owned', '--type', 'net'] },
      { label: 'tree', args: ['--format', 'tree', '--width', '200'] },
      { label: 'processes-only', args: ['--format', 'tree', '--processes-only'] },
      { label: 'dot', args: ['--format', 'dot'] },
    ],
  }));

const fact = (name: string): string => fixture().extra.get(name)!;
const ino = (name: string): number => Number(fact(name));

function childrenOfRoot(label: string): Map<number, JsonNamespace> {
  const run = fixture().runs.get(label)!;
  assert.deepEqual([run.status, run.stderr], [0, ''], label);
  const doc = JSON.parse(run.stdout) as JsonDocument;
  assert.equal(doc.roots.length, 1);
  return new Map(doc.roots[0]!.children.map((ns) => [ns.ino, ns]));
}

describe('namespaces held without a member process', { skip: NEEDS_ROOT }, () => {
  it('JSON shows each under its parent, with what holds it', () => {
    const children = childrenOfRoot('json');
    const byFd = children.get(ino('fdUserns'))!;
    assert.deepEqual([byFd.pids, byFd.holders], [[], [{ kind: 'fd', pid: Number(fact('fdHolder')), fd: 3 }]]);
    const byMount = children.get(ino('mountUserns'))!;
    assert.deepEqual(byMount.holders, [{ kind: 'mount', pid: Number(fact('mountHolder')), path: fact('mountPath'), mountNamespace: ino('mountHolderMnt') }]);
    const byNet = children.get(ino('netUserns'))!;
    assert.deepEqual(byNet.holders, [{ kind: 'mount', pid: 1, path: fact('netPath'), mountNamespace: ino('rootMnt'), via: { type: 'net', ino: ino('netns') } }]);
    for (const ns of [byFd, byMount, byNet]) assert.deepEqual([ns.level, ns.children, ns.owner?.user], [1, [], 'root']);
    // The ordinary chain is there too, its members listed as process holders.
    const ordinary = facts.chains.get('ordinary')!;
    const top = children.get(ordinary.path[0]!.ino)!;
    assert.deepEqual(top.children[0]!.holders, ordinary.pids.map((pid) => ({ kind: 'process', pid })));
  });

  it('--owned lists the bind-mounted network namespace under its member-less owner', () => {
    const children = childrenOfRoot('owned');
    assert.deepEqual(children.get(ino('netUserns'))!.owned, [
      { type: 'net', dev: children.get(ino('netUserns'))!.dev, ino: ino('netns'), pids: [], holders: [{ kind: 'mount', pid: 1, path: fact('netPath'), mountNamespace: ino('rootMnt') }] },
    ]);
    // --type net: no other type is listed anywhere.
    const doc = JSON.parse(fixture().runs.get('owned')!.stdout) as JsonDocument;
    const types = new Set<string>();
    const walk = (list: JsonNamespace[]): void => list.forEach((ns) => (ns.owned?.forEach((o) => types.add(o.type)), walk(ns.children)));
    walk(doc.roots);
    assert.deepEqual([...types], ['net']);
    assert.ok(doc.roots[0]!.owned!.some((o) => o.pids.includes(1)), 'the root owns the network namespace of PID 1');
  });

  it('the tree says what holds each, and --processes-only shows none of them', () => {
    const tree = fixture().runs.get('tree')!.stdout;
    assert.match(tree, new RegExp(`─ ${ino('fdUserns')}  root  no processes  uid \\?\\n.* held by fd 3 of PID ${fact('fdHolder')} \\(sleep\\)\\n`));
    assert.match(
      tree,
      new RegExp(`─ ${ino('mountUserns')}  root  no processes  uid \\?\\n.* held by bind mount ${fact('mountPath')} in the mount namespace of PID ${fact('mountHolder')} \\(sleep\\)\\n`),
    );
    assert.match(
      tree,
      new RegExp(`─ ${ino('netUserns')}  root  no processes  uid \\?\\n.* held through its net ${fact('netns')}: bind mount ${fact('netPath')} in the mount namespace of PID 1 \\(sh\\)\\n`),
    );
    const plain = fixture().runs.get('processes-only')!.stdout;
    for (const name of ['fdUserns', 'mountUserns', 'netUserns']) assert.ok(!plain.includes(fact(name)), name);
  });

  it('compat stays exactly the original: none of them appears', () => {
    const run = fixture().runs.get('compat')!;
    assert.equal(run.stdout, renderCompat(expectedTree(membersSeenBy(fixture(), 'compat'))));
  });

  it('dot draws them dashed under the root, and Graphviz accepts the graph where it is installed', () => {
    const dot = fixture().runs.get('dot')!.stdout;
    assert.match(dot, /^digraph userns \{\n[\s\S]*\}\n$/);
    const root = fixture().root.ino;
    for (const name of ['fdUserns', 'mountUserns', 'netUserns']) {
      assert.ok(dot.includes(`  "user:${root}" -> "user:${ino(name)}";\n`), `edge to ${name}`);
      assert.match(dot, new RegExp(`  "user:${ino(name)}" \\[shape=box, style=dashed, label="${ino(name)}\\\\nroot\\\\n0 processes\\\\nheld `));
    }
    const ordinary = fixture().chains.get('ordinary')!.path;
    assert.ok(dot.includes(`  "user:${ordinary[0]!.ino}" -> "user:${ordinary[1]!.ino}";\n`));
    assert.match(dot, new RegExp(`  "user:${ordinary[1]!.ino}" \\[shape=box, label=`));
    const graphviz = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    if (graphviz.error === undefined) {
      assert.equal(graphviz.status, 0, graphviz.stderr);
      assert.match(graphviz.stdout, /<svg[\s\S]*<\/svg>/);
    }
  });

  it('inside a user namespace, lists what the outer namespace owns under "owner not visible"', () => {
    const f = inPidNamespace({
      runs: [{ label: 'inside', command: ['unshare', '-U', '-r', process.execPath, LAUNCHER, '--json', '--owned', '--type', 'net,uts', '--quiet'] }],
    });
    const run = f.runs.get('inside')!;
    assert.deepEqual([run.status, run.stderr], [0, '']);
    const doc = JSON.parse(run.stdout) as JsonDocument;
    // unshare -U made only a user namespace: the network and UTS namespaces are still the
    // outer ones, owned by a user namespace the tool cannot see from inside.
    assert.deepEqual(doc.roots[0]!.owned, []);
    assert.deepEqual(doc.ownerNotVisible!.map((o) => [o.type, o.pids.includes(run.pid)]), [['net', true], ['uts', true]]);
  });
});
