// Root's run where unprivileged users control the names, paths, descriptors and mounts that
// hold namespaces: whatever they build, the tool finishes, opens nothing they point it at, and
// shows their text as inert escapes. Each attacker is nobody (test/support/attacker.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { JsonDocument } from '../../src/render/json.js';
import { asAttacker } from '../support/attacker.js';
import { inPidNamespace, LAUNCHER, type FixtureFacts, type RunResult } from '../support/fixture.js';
import { NEEDS_ROOT, needsPrograms } from '../support/requirements.js';
import { byInode } from '../support/documents.js';

/** A run that hangs fails its test instead of hanging the suite. */
const TIMEOUT_MS = 60_000;

/** What a terminal must never receive from text that others control: C0 but tab and newline, DEL, C1, bidi controls. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Default_Ignorable_Code_Point}\p{Cf}]/u;

function finishedCleanly(run: RunResult, label: string): void {
  assert.equal(run.status, 0, `${label}: ${run.stderr}`);
  assert.doesNotMatch(run.stdout, RAW_CONTROL, `${label}: stdout`);
  assert.doesNotMatch(run.stderr, RAW_CONTROL, `${label}: stderr`);
}

function json(run: RunResult): JsonDocument {
  finishedCleanly(run, 'json');
  return JSON.parse(run.stdout) as JsonDocument;
}

describe('bind mounts that an unprivileged user hides or replaces', { skip: NEEDS_ROOT }, () => {
  let facts: FixtureFacts;
  const fixture = (): FixtureFacts =>
    (facts ??= inPidNamespace({
      setup: asAttacker('attack-mounts.sh'),
      timeoutMs: TIMEOUT_MS,
      runs: [
        { label: 'json', args: ['--json'] },
        { label: 'tree', args: ['--format', 'tree', '--color', 'never', '--width', '300'] },
        { label: 'dot', args: ['--format', 'dot'] },
      ],
    }));
  const fact = (name: string): string => fixture().extra.get(name)!;
  const ino = (name: string): number => Number(fact(name));

  it('finishes with status 0 in every format, and prints no control byte', () => {
    for (const [label, run] of fixture().runs) finishedCleanly(run, label);
  });

  it('JSON lists each namespace held only through a covered mount under "unplaced", with the reason', () => {
    const doc = json(fixture().runs.get('json')!);
    const attacker = Number(fact('attacker'));
    const covered = (folder: string) => ({
      type: 'user',
      dev: doc.roots[0]!.dev,
      ino: ino(folder),
      holders: [{ kind: 'mount', pid: attacker, path: `${fact('W')}/${folder}/b`, mountNamespace: ino('attackerMnt'), unverified: 'covered by another mount' }],
    });
    assert.deepEqual(doc.unplaced, ['fifo', 'link', 'null', 'other'].map(covered));
    for (const folder of ['fifo', 'link', 'null', 'other']) assert.equal(byInode(doc).get(ino(folder)), undefined, folder);
  });

  it('credits the namespace laid over another with its own mount, not with the covered one', () => {
    const attackerNs = byInode(json(fixture().runs.get('json')!)).get(ino('attackerUserns'))!;
    const attacker = Number(fact('attacker'));
    assert.deepEqual(attackerNs.holders, [
      { kind: 'process', pid: attacker },
      { kind: 'mount', pid: attacker, path: `${fact('W')}/other/b`, mountNamespace: ino('attackerMnt') },
    ]);
  });

  it('places a namespace mounted at a path that is not UTF-8, its path written with \\xff', () => {
    const doc = json(fixture().runs.get('json')!);
    const attackerNs = byInode(doc).get(ino('attackerUserns'))!;
    const byte = attackerNs.children.find((ns) => ns.ino === ino('byte'))!;
    assert.deepEqual([byte.pids, byte.holders, byte.parent], [
      [],
      [{ kind: 'mount', pid: Number(fact('attacker')), path: `${fact('W')}/p\\xffq/b`, mountNamespace: ino('attackerMnt') }],
      { dev: attackerNs.dev, ino: attackerNs.ino },
    ]);
    assert.ok(fixture().runs.get('json')!.stdout.includes(`"path": "${fact('W')}/p\\\\xffq/b"`));
  });

  it('gives 500 mounts stacked on one mount point as one holder with their count', () => {
    const attackerNs = byInode(json(fixture().runs.get('json')!)).get(ino('attackerUserns'))!;
    const stack = attackerNs.children.find((ns) => ns.ino === ino('stack'))!;
    assert.deepEqual([stack.pids, stack.holders], [[], [{ kind: 'mount', pid: Number(fact('attacker')), path: `${fact('W')}/stack/b`, count: 500, mountNamespace: ino('attackerMnt') }]]);
    assert.deepEqual(attackerNs.children.map((ns) => ns.ino), [ino('byte'), ino('stack')]);
  });

  it('the tree shows them after the tree, under "(not placed: could not be opened safely)"', () => {
    const tree = fixture().runs.get('tree')!.stdout;
    const held = (folder: string): string =>
      `   user ${ino(folder)}\n      held by bind mount ${fact('W')}/${folder}/b in the mount namespace of PID ${fact('attacker')} (sleep) (not opened: covered by another mount)\n`;
    assert.ok(tree.endsWith('(not placed: could not be opened safely)\n' + ['fifo', 'link', 'null', 'other'].map(held).join('')), tree);
    assert.ok(tree.includes(`─ ${ino('stack')}  nobody  no processes  uid ?\n`), tree);
    assert.ok(tree.includes(`held by bind mount ${fact('W')}/stack/b (500 stacked) in the mount namespace of PID ${fact('attacker')} (sleep)\n`), tree);
  });

  it('dot draws them under a node named "(not placed: could not be opened safely)"', () => {
    const dot = fixture().runs.get('dot')!.stdout;
    const heading = '"(not placed: could not be opened safely)"';
    assert.ok(dot.includes(`  ${heading} [shape=box, style=dotted];\n`), dot);
    for (const folder of ['fifo', 'link', 'null', 'other']) {
      const node = `"user:${ino(folder)}"`;
      assert.ok(
        dot.includes(
          `  ${node} [shape=box, style=dashed, label="user ${ino(folder)}\\nheld by bind mount ${fact('W')}/${folder}/b in the mount namespace of PID ${fact('attacker')} (sleep) (not opened: covered by another mount)"];\n` +
            `  ${heading} -> ${node} [style=dotted, arrowhead=none];\n`,
        ),
        folder,
      );
    }
  });
});

describe('descriptors that an unprivileged user swaps while root reads them', { skip: NEEDS_ROOT || needsPrograms('python3') }, () => {
  const traced = needsPrograms('strace') === false;
  let facts: FixtureFacts;
  /** What strace saw of root's traced run, a line a system call. */
  let trace: string[] = [];
  const fixture = (): FixtureFacts => {
    if (facts !== undefined) return facts;
    // strace writes outside the fixture's folder, which is gone when the fixture returns.
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-trace-'));
    const file = path.join(traceDir, 'trace');
    try {
      facts = inPidNamespace({
        setup: [asAttacker('attack-descriptors.sh', { ownMountNamespace: false, pidFact: 'swapper' }), asAttacker('attack-mounts.sh')].join('\n'),
        timeoutMs: TIMEOUT_MS,
        runs: [
          ...['first', 'second', 'third'].map((label) => ({ label, args: ['--json'] })),
          ...(traced
            ? [{ label: 'traced', command: ['strace', '-f', '-qq', '-s', '65535', '-e', 'trace=open,openat,openat2,pidfd_getfd', '-o', file, 'node', LAUNCHER, '--json'] }]
            : []),
        ],
      });
      if (traced) trace = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
      return facts;
    } finally {
      fs.rmSync(traceDir, { recursive: true, force: true });
    }
  };
  const fact = (name: string): number => Number(fixture().extra.get(name));

  it('takes the descriptor with pidfd_getfd: the namespace is placed through the descriptor it proved, or listed as changed while read', () => {
    const swapper = fact('swapper');
    const both = { kind: 'fd', pid: swapper, fd: 10, fds: '10,900', count: 2 };
    for (const label of ['first', 'second', 'third', ...(traced ? ['traced'] : [])]) {
      const doc = json(fixture().runs.get(label)!);
      const placed = byInode(doc).get(fact('swapped'));
      const unplaced = doc.unplaced?.find((ns) => ns.ino === fact('swapped'));
      // Which one depends on what fd 10 was at each instant: each is the truth of that instant.
      if (placed !== undefined) {
        assert.equal(unplaced, undefined, label);
        assert.deepEqual([placed.parent, placed.pids], [{ dev: doc.roots[0]!.dev, ino: doc.roots[0]!.ino }, []], label);
        assert.ok([JSON.stringify([both]), JSON.stringify([{ kind: 'fd', pid: swapper, fd: 900 }])].includes(JSON.stringify(placed.holders)), `${label}: ${JSON.stringify(placed.holders)}`);
      } else {
        assert.deepEqual(unplaced, { type: 'user', dev: doc.roots[0]!.dev, ino: fact('swapped'), holders: [{ ...both, unverified: 'changed while read' }] }, label);
      }
    }
  });

  it('never opens another process\'s descriptor by path, opens bind mounts only with O_PATH, and never opens /etc/shadow or the FIFO', { skip: needsPrograms('strace') }, () => {
    fixture();
    const lines = trace;
    finishedCleanly(fixture().runs.get('traced')!, 'traced');
    const opens = lines.filter((line) => /^\d+ +open(at2?)?\(/.test(line));
    const openat2 = opens.filter((line) => /^\d+ +openat2\(/.test(line));
    // The bind mounts of the mount attacker are resolved from its mount namespace's root,
    // reached once from the attacker's root; the swapped fd is taken.
    assert.ok(openat2.length >= 6, `${openat2.length} openat2 calls`);
    assert.ok(lines.some((line) => new RegExp(`^\\d+ +pidfd_getfd\\(\\d+, (10|900), 0\\) += \\d+$`).test(line)), 'pidfd_getfd of fd 10 or 900');
    assert.deepEqual(opens.filter((line) => /"\/proc\/\d+\/fd\//.test(line)), []);
    assert.deepEqual(openat2.filter((line) => !/flags=[A-Z_|]*O_PATH/.test(line)), []);
    const roots = opens.filter((line) => /"\/proc\/\d+\/root"/.test(line));
    assert.ok(roots.length >= 1, `${roots.length} opens of a process's root`);
    assert.deepEqual(roots.filter((line) => !/O_PATH/.test(line)), []);
    assert.deepEqual(opens.filter((line) => line.includes('/etc/shadow') && !/O_PATH/.test(line)), []);
    assert.deepEqual(opens.filter((line) => line.includes('/fifo"')), []);
  });
});

describe('names and paths that an unprivileged user makes to take over the terminal', { skip: NEEDS_ROOT || needsPrograms('python3') }, () => {
  const NAME = 'e\x1b\x07\n\u009b\u202eZ\u200b';
  const SHOWN_NAME = 'e\\x1b\\x07\\x0a\\x9b\\u202eZ\\u200b';
  const FOLDER = 'i\x1b[7m\nforged';
  const SHOWN_FOLDER = 'i\\x1b[7m\\x0aforged';
  const tree = ['--format', 'tree', '--color', 'never', '--width', '300'];
  let facts: FixtureFacts;
  const fixture = (): FixtureFacts =>
    (facts ??= inPidNamespace({
      setup: asAttacker('attack-names.sh'),
      timeoutMs: TIMEOUT_MS,
      runs: [
        { label: 'json', args: ['--json', '--owned', '--type', 'net'] },
        { label: 'tree', args: tree },
        { label: 'owned', args: [...tree, '--owned', '--type', 'net'] },
        { label: 'dot', args: ['--format', 'dot', '--owned', '--type', 'net'] },
      ],
    }));
  const fact = (name: string): string => fixture().extra.get(name)!;
  const attacker = (): string => fact('attacker');

  it('tree, --owned, dot and standard error carry no control character, only its escape', () => {
    for (const label of ['tree', 'owned', 'dot']) {
      const run = fixture().runs.get(label)!;
      finishedCleanly(run, label);
      assert.equal(run.stderr, '', label);
      // DOT writes a backslash as \\: Graphviz shows the escape as the tree does.
      const shown = (text: string): string => (label === 'dot' ? text.replace(/\\/g, '\\\\') : text);
      assert.ok(run.stdout.includes(`PID ${attacker()} (${shown(SHOWN_NAME)})`), `${label}: the name, escaped`);
      assert.ok(run.stdout.includes(`${fact('W')}/${shown(SHOWN_FOLDER)}/`), `${label}: the path, escaped`);
    }
  });

  it('the tree shows the name and the path each on the line it belongs to: a newline in them starts none', () => {
    const out = fixture().runs.get('tree')!.stdout;
    assert.ok(out.includes(`│  ${attacker()} ${SHOWN_NAME}\n`), out);
    assert.ok(
      out.includes(
        `─ ${fact('held')}  nobody  no processes  uid ?\n` +
          `         held by bind mount ${fact('W')}/${SHOWN_FOLDER}/b in the mount namespace of PID ${attacker()} (${SHOWN_NAME})\n`,
      ),
      out,
    );
    // Every line is a namespace, a process list or a holder: it starts with an inode, a glyph or a space.
    assert.deepEqual(out.split('\n').filter((line) => line !== '' && !/^(\d|[│├└ ])/.test(line)), []);
  });

  it('--owned names the network namespace held by the hostile path and process, escaped', () => {
    const out = fixture().runs.get('owned')!.stdout;
    assert.ok(
      out.includes(`owns net ${fact('net')}  held by bind mount ${fact('W')}/${SHOWN_FOLDER}/n in the mount namespace of PID ${attacker()} (${SHOWN_NAME})\n`),
      out,
    );
    assert.deepEqual(out.split('\n').filter((line) => line !== '' && !/^(\d|[│├└ ])/.test(line)), []);
  });

  it('dot keeps every label on one quoted line, the name and path escaped (and the escapes\' backslashes escaped for DOT)', () => {
    const out = fixture().runs.get('dot')!.stdout;
    const dotted = (text: string): string => text.replace(/\\/g, '\\\\');
    assert.ok(
      out.includes(`\\nheld by bind mount ${fact('W')}/${dotted(SHOWN_FOLDER)}/b in the mount namespace of PID ${attacker()} (${dotted(SHOWN_NAME)})"];\n`),
      out,
    );
    assert.deepEqual(out.split('\n').filter((line) => line !== '' && !/^(digraph |  |\})/.test(line)), []);
  });

  it('JSON keeps the exact characters in its strings, and its text escapes C1 and bidi controls as \\uXXXX', () => {
    const run = fixture().runs.get('json')!;
    const doc = json(run);
    const all = byInode(doc);
    const mine = [...all.values()].find((ns) => ns.pids.includes(Number(attacker())))!;
    assert.deepEqual(mine.processes.map(({ pid, comm }) => ({ pid, comm })), [{ pid: Number(attacker()), comm: NAME }]);
    const path = `${fact('W')}/${FOLDER}`;
    assert.deepEqual(all.get(Number(fact('held')))!.holders, [{ kind: 'mount', pid: Number(attacker()), path: `${path}/b`, mountNamespace: Number(fact('attackerMnt')) }]);
    assert.deepEqual(mine.owned!.find((o) => o.ino === Number(fact('net')))!.holders, [{ kind: 'mount', pid: Number(attacker()), path: `${path}/n`, mountNamespace: Number(fact('attackerMnt')) }]);
    assert.ok(run.stdout.includes('"comm": "e\\u001b\\u0007\\n\\u009b\\u202eZ\\u200b"'), 'the name as JSON escapes');
  });
});

describe('floods of holders', { skip: NEEDS_ROOT || needsPrograms('python3') }, () => {
  it('gives 2000 descriptors of one namespace in one process as one holder, with their numbers as a range', () => {
    const f = inPidNamespace({
      setup: asAttacker('attack-descriptor-flood.sh', { ownMountNamespace: false }),
      timeoutMs: TIMEOUT_MS,
      runs: [
        { label: 'json', args: ['--json'] },
        { label: 'tree', args: ['--format', 'tree', '--color', 'never', '--width', '300'] },
      ],
    });
    const attacker = Number(f.extra.get('attacker'));
    const flooded = Number(f.extra.get('flooded'));
    const doc = json(f.runs.get('json')!);
    const ns = doc.roots[0]!.children.find((child) => child.ino === flooded)!;
    assert.deepEqual([ns.pids, ns.holders], [[], [{ kind: 'fd', pid: attacker, fd: 10, fds: '10-2009', count: 2000 }]]);
    const tree = f.runs.get('tree')!;
    finishedCleanly(tree, 'tree');
    assert.ok(tree.stdout.includes(`─ ${flooded}  nobody  no processes  uid ?\n      held by 2000 fds (10-2009) of PID ${attacker} (python3)\n`), tree.stdout);
  });
});

describe('a namespace that one holder cannot prove and another can', { skip: NEEDS_ROOT }, () => {
  it('is placed once, with the mount in sight and the covered one marked not opened, and is not listed unplaced', () => {
    const f = inPidNamespace({
      setup: asAttacker('attack-half-covered.sh'),
      timeoutMs: TIMEOUT_MS,
      runs: [{ label: 'json', args: ['--json'] }],
    });
    const [attacker, twice, W] = [Number(f.extra.get('attacker')), Number(f.extra.get('twice')), f.extra.get('W')!];
    const doc = json(f.runs.get('json')!);
    assert.equal(doc.unplaced, undefined);
    assert.deepEqual(byInode(doc).get(twice)!.holders, [
      { kind: 'mount', pid: attacker, path: `${W}/seen/b`, mountNamespace: Number(f.extra.get('attackerMnt')) },
      { kind: 'mount', pid: attacker, path: `${W}/hid/b`, mountNamespace: Number(f.extra.get('attackerMnt')), unverified: 'covered by another mount' },
    ]);
  });
});
