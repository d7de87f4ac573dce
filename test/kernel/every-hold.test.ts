// Every namespace the kernel keeps alive, built for real the six ways that a search of each
// process's own descriptors and one member's mountinfo misses (test/fixtures/every-hold.sh):
// a socket handed on, a thread's own descriptor table, a thread's own mount namespace, mount
// namespaces that no task is in (one inside another), a chrooted member, a covered bind mount.
// And the set of user namespaces and parents checked against an independent walk of the kernel.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Holder } from '../../src/model.js';
import type { JsonDocument } from '../../src/render/json.js';
import { fixtureScript, inPidNamespace, PROJECT, type FixtureFacts, type RunResult } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';
import { byInode } from '../support/documents.js';

const PYTHON = '/usr/bin/python3';
const NEEDS_PYTHON = fs.existsSync(PYTHON) ? false : `needs ${PYTHON}`;

let facts: FixtureFacts;
const fixture = (): FixtureFacts =>
  (facts ??= inPidNamespace({
    chains: [{ name: 'ordinary', depth: 2 }],
    setup: `EVERY_HOLD_PY='${path.join(PROJECT, 'test', 'fixtures', 'every-hold.py')}'\n${fixtureScript('every-hold.sh')}`,
    runs: [
      { label: 'json', args: ['--json'] },
      { label: 'owned', args: ['--json', '--owned', '--type', 'net,mnt'] },
      { label: 'tree', args: ['--format', 'tree', '--color', 'never', '--width', '400'] },
      { label: 'ffi-napi', args: ['--json', '--ffi', 'ffi-napi'] },
      { label: 'walk', command: [PYTHON, path.join(PROJECT, 'test', 'fixtures', 'kernel-walk.py')] },
      { label: 'shared', command: [process.execPath, path.join(__dirname, '..', 'support', 'probe.js'), 'shared-reading'] },
    ],
  }));

const fact = (name: string): string => fixture().extra.get(name)!;
const ino = (name: string): number => Number(fact(name));

function document(label: string): JsonDocument {
  const run: RunResult = fixture().runs.get(label)!;
  assert.deepEqual([run.status, run.stderr], [0, ''], label);
  return JSON.parse(run.stdout) as JsonDocument;
}

/** The namespace, a child of the root with no member, and its holders. */
function heldUnderRoot(doc: JsonDocument, name: string): readonly Holder[] {
  const ns = byInode(doc).get(ino(name));
  assert.ok(ns !== undefined, `${name} ${fact(name)} is in the tree`);
  assert.deepEqual([ns.parent, ns.level, ns.pids, ns.children], [{ dev: doc.roots[0]!.dev, ino: doc.roots[0]!.ino }, 1, [], []], name);
  return ns.holders;
}

const python = (): number => ino('python');

describe('every namespace the kernel keeps alive', { skip: NEEDS_ROOT || NEEDS_PYTHON }, () => {
  it('(1) finds a network namespace that only a socket handed to another process holds, and its owner', () => {
    const doc = document('json');
    assert.deepEqual(heldUnderRoot(doc, 'socketUserns'), [
      { kind: 'socket', pid: python(), fd: ino('socketFd'), via: { type: 'net', ino: ino('socketNetns') } },
    ]);
    const owned = document('owned');
    const net = byInode(owned).get(ino('socketUserns'))!.owned!.find((o) => o.type === 'net')!;
    // The thread that unshared its table has a copy of the socket too: it holds it as well.
    assert.deepEqual([net.ino, net.pids, net.holders], [
      ino('socketNetns'),
      [],
      [
        { kind: 'socket', pid: python(), fd: ino('socketFd') },
        { kind: 'socket', pid: python(), tid: ino('tableTid'), fd: ino('socketFd') },
      ],
    ]);
  });

  it('(2) finds a user namespace held only in a thread\'s own descriptor table', () => {
    assert.deepEqual(heldUnderRoot(document('json'), 'tableUserns'), [{ kind: 'fd', pid: python(), tid: ino('tableTid'), fd: ino('tableFd') }]);
  });

  it('(3) reads the mounts of a thread\'s own mount namespace', () => {
    assert.deepEqual(heldUnderRoot(document('json'), 'threadUserns'), [
      { kind: 'mount', pid: python(), tid: ino('threadTid'), path: fact('threadPath'), mountNamespace: ino('threadMnt') },
    ]);
  });

  it('(4) reads mount namespaces that no task is in, one found inside another, and says what holds each', () => {
    const doc = document('json');
    const a: Holder = { kind: 'fd', pid: ino('mntAHolder'), fd: 3 };
    assert.deepEqual(heldUnderRoot(doc, 'U4'), [
      { kind: 'mount', pid: null, path: fact('pathAUser'), mountNamespace: ino('mntA'), mountNamespaceHeldBy: a },
    ]);
    const b: Holder = { kind: 'mount', pid: null, path: fact('pathAMnt'), mountNamespace: ino('mntA'), mountNamespaceHeldBy: a };
    assert.deepEqual(heldUnderRoot(doc, 'U4b'), [
      { kind: 'mount', pid: null, path: fact('pathBUser'), mountNamespace: ino('mntB'), mountNamespaceHeldBy: b },
    ]);
    // --owned lists both mount namespaces under the root, with what holds them.
    const owned = document('owned').roots[0]!.owned!;
    assert.deepEqual(owned.find((o) => o.ino === ino('mntA'))!.holders, [a]);
    assert.deepEqual(owned.find((o) => o.ino === ino('mntB'))!.holders, [b]);
  });

  it('(5) sees the bind mounts outside the root of a mount namespace\'s only, chrooted, member', () => {
    assert.deepEqual(heldUnderRoot(document('json'), 'U5'), [
      { kind: 'mount', pid: ino('chrooted'), path: fact('pathC'), mountNamespace: ino('mntC') },
    ]);
  });

  it('(6) names a bind mount under a later mount by inode, with its path and mount namespace, not placed', () => {
    const doc = document('json');
    assert.equal(byInode(doc).get(ino('U6')), undefined);
    assert.deepEqual(doc.unplaced, [
      {
        type: 'user',
        dev: doc.roots[0]!.dev,
        ino: ino('U6'),
        holders: [{ kind: 'mount', pid: ino('covered'), path: fact('pathD'), mountNamespace: ino('mntD'), unverified: 'covered by another mount' }],
      },
    ]);
  });

  it('the tree says what holds each in words', () => {
    const tree = fixture().runs.get('tree')!.stdout;
    const py = `PID ${python()} (python3)`;
    const held = (name: string, words: string): void =>
      assert.match(tree, new RegExp(`─ ${ino(name)}  root  no processes  uid \\?\\n\\S*\\s+${words.replace(/[()]/g, '\\$&')}\\n`), name);
    held('socketUserns', `held through its net ${ino('socketNetns')}: socket fd ${fact('socketFd')} of ${py}`);
    held('tableUserns', `held by fd ${fact('tableFd')} of thread ${fact('tableTid')} of ${py}`);
    held('threadUserns', `held by bind mount ${fact('threadPath')} in the mount namespace of thread ${fact('threadTid')} of ${py}`);
    const byFd = `held by fd 3 of PID ${fact('mntAHolder')} (sleep)`;
    held('U4', `held by bind mount ${fact('pathAUser')} in mount namespace ${fact('mntA')}, which no process is in, ${byFd}`);
    held(
      'U4b',
      `held by bind mount ${fact('pathBUser')} in mount namespace ${fact('mntB')}, which no process is in, ` +
        `held by bind mount ${fact('pathAMnt')} in mount namespace ${fact('mntA')}, which no process is in, ${byFd}`,
    );
    held('U5', `held by bind mount ${fact('pathC')} in the mount namespace of PID ${fact('chrooted')} (python3)`);
    assert.ok(
      tree.endsWith(
        `(not placed: could not be opened safely)\n   user ${fact('U6')}\n      held by bind mount ${fact('pathD')} in the mount namespace of PID ${fact('covered')} (sleep) (not opened: covered by another mount)\n`,
      ),
      tree,
    );
  });

  it('gives the same document through ffi-napi', () => {
    // Each run's own process is a member of the root: leave the members out.
    const strip = (doc: JsonDocument): string =>
      JSON.stringify(doc.roots, (key, value: unknown) =>
        key === 'processes' || key === 'pids' ? undefined : key === 'holders' ? (value as Holder[]).filter((h) => h.kind !== 'process') : value,
      );
    assert.equal(strip(document('ffi-napi')), strip(document('json')));
  });

  it('gives the same document where a worker thread reads some of the processes', () => {
    const run = fixture().runs.get('shared')!;
    assert.deepEqual([run.status, run.stderr], [0, '']);
    const { byWorker, alone, shared } = JSON.parse(run.stdout) as { byWorker: number; alone: string; shared: string };
    assert.ok(byWorker > 0, 'the worker read some processes');
    const processes = [...byInode(JSON.parse(alone) as JsonDocument).values()].reduce((sum, ns) => sum + ns.pids.length, 0);
    assert.ok(byWorker < processes, `this thread read some too (the worker read ${byWorker} of ${processes})`);
    assert.equal(shared, alone);
  });

  it('finds exactly the user namespaces, with their parents, that an independent walk of the kernel finds', () => {
    const walk = fixture().runs.get('walk')!;
    assert.equal(walk.status, 0, walk.stderr);
    const expected = (JSON.parse(walk.stdout) as { userns: Record<string, number | null> }).userns;
    const found: Record<string, number | null> = {};
    for (const ns of byInode(document('json')).values()) found[String(ns.ino)] = ns.parent?.ino ?? null;
    assert.deepEqual(found, expected);
    // The walk itself saw every shape but the covered mount, which no path reaches.
    for (const name of ['socketUserns', 'tableUserns', 'threadUserns', 'U4', 'U4b', 'U5']) assert.ok(fact(name) in expected, name);
    assert.ok(!(fact('U6') in expected));
  });
});
