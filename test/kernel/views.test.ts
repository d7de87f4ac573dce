// Each format on real namespaces: a mapped range of IDs, a namespace made by an unprivileged
// user, member-less ancestors; the JSON agrees with compat, and the tree is exact.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { newUserNamespace, type NamespaceTree, type UserNamespace } from '../../src/model.js';
import type { JsonDocument, JsonNamespace } from '../../src/render/json.js';
import { nodeName, RECORD_NODE_NAME } from '../support/expected.js';
import { inPidNamespace, LAUNCHER, type FixtureFacts } from '../support/fixture.js';
import { tree } from '../support/models.js';
import { parseCompat } from '../support/parse-compat.js';
import { NEEDS_ROOT, needsPrograms } from '../support/requirements.js';

const NOBODY = 65534;
const spec = {
  chains: [
    { name: 'mapped', depth: 1, members: 3, map: '0 0 1,1 100000 65536' },
    { name: 'nobodys', depth: 2, asUser: NOBODY },
  ],
  setup: RECORD_NODE_NAME,
  runs: [
    { label: 'compat', args: [] },
    { label: 'json', args: ['--json'] },
    { label: 'tree', args: ['--format', 'tree', '--width', '50'] },
    { label: 'coloured', args: ['--format', 'tree', '--width', '50', '--color', 'always'] },
  ],
};


/** The model a JSON document describes, to set beside the compat output of the same fixture. */
function fromJson(roots: JsonNamespace[]): NamespaceTree {
  const build = (node: JsonNamespace, parent: UserNamespace | null): UserNamespace => {
    const ns = newUserNamespace({ dev: node.dev, ino: node.ino });
    ns.parent = parent;
    ns.pids.push(...node.pids);
    ns.children.push(...node.children.map((child) => build(child, ns)));
    return ns;
  };
  return tree(...roots.map((root) => build(root, null)));
}

/** A tree without one run's own PID, so that two runs can be compared. */
function withoutPid(tree: NamespaceTree, pid: number): string {
  const line = (ns: UserNamespace, level: number): string =>
    `${' '.repeat(level)}${ns.id.dev}:${ns.id.ino} [${ns.pids.filter((p) => p !== pid).join(' ')}]\n` +
    ns.children.map((child) => line(child, level + 1)).join('');
  return tree.roots.map((root) => line(root, 0)).join('');
}

let facts: FixtureFacts;
function fixture(): FixtureFacts {
  return (facts ??= inPidNamespace(spec));
}

describe('the views on real namespaces', { skip: NEEDS_ROOT }, () => {
  it('JSON describes the same tree as compat, with owners, maps and names', () => {
    const f = fixture();
    const compat = f.runs.get('compat')!;
    const json = f.runs.get('json')!;
    assert.equal(json.status, 0);
    assert.equal(json.stderr, '');
    const doc = JSON.parse(json.stdout) as JsonDocument;
    assert.equal(withoutPid(fromJson(doc.roots), json.pid), withoutPid(parseCompat(compat.stdout), compat.pid));

    const root = doc.roots[0]!;
    assert.deepEqual(root.owner, { uid: 0, user: 'root' });
    assert.deepEqual(root.uidMap, [{ inside: 0, outside: 0, count: 4294967295 }]);
    const first = root.processes.find((p) => p.pid === 1)!;
    assert.deepEqual([first.comm, first.cmdline?.[0], first.runtime, typeof first.cgroup], ['sh', 'sh', false, 'string']);
    const self = root.processes.find((p) => p.pid === json.pid)!;
    assert.deepEqual([self.comm, self.cmdline], [nodeName(f), ['node', LAUNCHER, '--json']]);

    const byIno = new Map<number, JsonNamespace>();
    const index = (list: JsonNamespace[]): void => list.forEach((ns) => (byIno.set(ns.ino, ns), index(ns.children)));
    index(doc.roots);
    const mapped = byIno.get(f.chains.get('mapped')!.path[0]!.ino)!;
    const expectedMap = [
      { inside: 0, outside: 0, count: 1 },
      { inside: 1, outside: 100000, count: 65536 },
    ];
    assert.deepEqual([mapped.uidMap, mapped.gidMap, mapped.level], [expectedMap, expectedMap, 1]);
    assert.deepEqual(mapped.processes.map((p) => p.comm), ['sleep', 'sleep', 'sleep']);

    const [top, below] = f.chains.get('nobodys')!.path.map((id) => byIno.get(id.ino)!);
    // The top level lost its only member to the level below: no map can be read for it.
    assert.deepEqual([top!.owner, top!.uidMap, top!.pids], [{ uid: NOBODY, user: 'nobody' }, null, []]);
    assert.deepEqual(below!.parent, { dev: top!.dev, ino: top!.ino });
    assert.deepEqual([below!.owner, below!.uidMap, below!.level], [{ uid: NOBODY, user: 'nobody' }, [{ inside: 0, outside: NOBODY, count: 1 }], 2]);

    assert.equal(doc.scan.shown, 2 + 3 + 1);
    assert.equal(doc.scan.seen, doc.scan.shown);
    assert.deepEqual(doc.scan.leftOut, { permission: [], vanished: [], error: [] });
  });

  it('JSON and compat rendered from one scan describe the same tree', () => {
    const f = inPidNamespace({
      chains: spec.chains,
      runs: [{ label: 'both', command: [process.execPath, path.join(__dirname, '..', 'support', 'probe.js'), 'both-views'] }],
    });
    const both = JSON.parse(f.runs.get('both')!.stdout) as { compat: string; json: string };
    const doc = JSON.parse(both.json) as JsonDocument;
    assert.equal(withoutPid(fromJson(doc.roots), NaN), withoutPid(parseCompat(both.compat), NaN));
    assert.equal(doc.roots[0]!.children.length, 2);
  });

  it('draws the tree exactly at a fixed width, and the same with colour', () => {
    const f = fixture();
    const run = f.runs.get('tree')!;
    const mapped = f.chains.get('mapped')!;
    const nobodys = f.chains.get('nobodys')!;
    const rootIno = f.root.ino;
    const sleeps = (pids: number[]): string => [...pids].sort((a, b) => a - b).map((p) => `${p} sleep`).join('  ');
    const blocks = [
      {
        first: mapped.pids.map(String).sort()[0]!,
        lines: (last: boolean) =>
          `${last ? '└─' : '├─'} ${mapped.path[0]!.ino}  root  3 processes  uid 0→0 ×1, 1→100000 ×65536  maps host root  maps host root group\n` +
          `${last ? ' ' : '│'}     ${sleeps(mapped.pids)}\n`,
      },
      {
        first: String(nobodys.pids[0]),
        lines: (last: boolean) =>
          `${last ? '└─' : '├─'} ${nobodys.path[0]!.ino}  nobody  no processes  uid ?\n` +
          `${last ? ' ' : '│'}  └─ ${nobodys.path[1]!.ino}  nobody  1 process  uid 0→65534 ×1\n` +
          `${last ? ' ' : '│'}        ${nobodys.pids[0]} sleep\n`,
      },
    ];
    // Children in the order their first members were met, in byte-wise order of PID names.
    blocks.sort((a, b) => (a.first < b.first ? -1 : 1));
    const rootPids = [1, run.pid].sort((a, b) => a - b);
    const expected =
      `${rootIno}  root  2 processes  uid 0→0 ×4294967295\n` +
      `│  ${rootPids.map((p) => `${p} ${p === 1 ? 'sh' : nodeName(f)}`).join('  ')}\n` +
      blocks[0]!.lines(false) +
      blocks[1]!.lines(true);
    assert.equal(run.stdout, expected);

    const coloured = f.runs.get('coloured')!;
    assert.match(coloured.stdout, new RegExp(`^\\x1b\\[1m${rootIno}\\x1b\\[0m  \\x1b\\[32mroot\\x1b\\[0m  \\x1b\\[2m2 processes`));
    // Each run's own PID, where it stands in the list (a bare replace could hit the digits of an inode).
    const self = (text: string, pid: number): string => text.replace(` ${pid} ${nodeName(f)}`, ` SELF ${nodeName(f)}`);
    assert.equal(self(coloured.stdout.replace(/\x1b\[\d+m/g, ''), coloured.pid), self(expected, run.pid));
  });
});

describe('--pid on real namespaces', { skip: NEEDS_ROOT }, () => {
  it('shows only where the process sits, and refuses a PID that is not there', () => {
    // The PID is known only inside the fixture, from its records.
    const pidOf = `$(sed -n 's/^pid nobodys //p' "$DIR/records")`;
    const f = inPidNamespace({
      chains: spec.chains,
      runs: [
        { label: 'where', command: ['sh', '-c', `exec node '${LAUNCHER}' --pid ${pidOf}`] },
        { label: 'absent', args: ['--pid', '4000000'] },
      ],
    });
    const where = f.runs.get('where')!;
    assert.deepEqual([where.status, where.stderr], [0, '']);
    const tree = parseCompat(where.stdout);
    const path = f.chains.get('nobodys')!.path;
    assert.deepEqual(
      [tree.roots.length, tree.roots[0]!.children.map((ns) => ns.id.ino), tree.roots[0]!.children[0]!.children.map((ns) => ns.id.ino)],
      [1, [path[0]!.ino], [path[1]!.ino]],
    );
    assert.deepEqual(tree.roots[0]!.children[0]!.children[0]!.pids, f.chains.get('nobodys')!.pids);
    const absent = f.runs.get('absent')!;
    assert.deepEqual([absent.status, absent.stdout, absent.stderr], [1, '', 'userns-overview: no process with PID 4000000\n']);
  });
});

describe('colour and width from the terminal and the environment', { skip: NEEDS_ROOT }, () => {
  const inTerminal = (env: Record<string, string>): string =>
    spawnSync('script', ['-qec', `node '${LAUNCHER}' --format tree --quiet`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    }).stdout;

  it('colours for a terminal unless NO_COLOR is set, and never for a pipe', { skip: needsPrograms('script') }, () => {
    assert.match(inTerminal({}), /\x1b\[1m/);
    assert.doesNotMatch(inTerminal({ NO_COLOR: '1' }), /\x1b\[/);
    const piped = spawnSync('node', [LAUNCHER, '--format', 'tree', '--quiet'], { encoding: 'utf8', timeout: 30_000 }).stdout;
    assert.doesNotMatch(piped, /\x1b\[/);
  });

  it('folds to COLUMNS when --width is not given', () => {
    // Known process names: the machine's own (kernel threads) change from run to run.
    const withColumns = (columns: string): string[] => ['sh', '-c', `COLUMNS=${columns} exec node '${LAUNCHER}' --format tree --quiet`];
    const f = inPidNamespace({ rootMembers: 30, runs: [{ label: '40', command: withColumns('40') }, { label: '200', command: withColumns('200') }] });
    const widest = (label: string): number => Math.max(...f.runs.get(label)!.stdout.split('\n').slice(1).map((l) => [...l].length));
    assert.ok(widest('40') <= 40, 'folded to 40');
    assert.ok(widest('200') > 40, 'wider at 200');
  });
});
