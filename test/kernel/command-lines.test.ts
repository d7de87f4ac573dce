// Command lines that their owner makes wait for ever (src/kernel/command-lines.ts): as nobody, a
// FUSE server of its own that never answers a read, a thread that reads its own /proc/self/mem at
// a page of that file (holding its mmap_lock), and a second thread queued for the lock as a
// writer. Every reader of that process's command line then waits; root's run must not, whether
// it reads through its python3 helper (command-line-helper.ts) or, where there is none, in worker
// threads.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { JsonDocument } from '../../src/render/json.js';
import { asAttacker, built, fuseDevice } from '../support/attacker.js';
import { byInode } from '../support/documents.js';
import { inPidNamespace, LAUNCHER } from '../support/fixture.js';
import { NEEDS_ROOT, needsFuse, needsPrograms } from '../support/requirements.js';

/** What every view says of the attacker, on one line of its own. */
const cutLine = (pid: number): string =>
  `userns-overview: could not read the command line of 1 process (PID ${pid}): the read waited on its memory lock, which its owner can hold\n`;

describe('command lines that their owner makes wait', { skip: NEEDS_ROOT || needsPrograms('cc', 'timeout') || needsFuse() }, () => {
  it('every view ends with status 0, says which command line it could not read, and shows the rest', () => {
    const views: Record<string, string[]> = {
      tree: ['--format', 'tree', '--width', '300'],
      json: ['--json'],
      dot: ['--format', 'dot'],
      owned: ['--format', 'tree', '--owned'],
      ownedJson: ['--json', '--owned', '--type', 'net,mnt'],
    };
    const f = inPidNamespace({
      setup: [
        built(['silent-fuse-server.c', 'attack-mmap-lock.c'], 'attack-mmap-lock', '-pthread'),
        fuseDevice(),
        asAttacker('attack-mmap-lock.sh'),
        // The control: a plain read of its command line waits (ps and pgrep wait the same way).
        'if timeout 1 cat /proc/$ATTACKER/cmdline > /dev/null; then fact stalls no; else fact stalls yes; fi',
        'export ATTACKER',
      ].join('\n'),
      timeoutMs: 90_000,
      runs: [
        ...Object.entries(views).map(([label, args]) => ({ label, args })),
        { label: 'pid', command: ['sh', '-c', `exec node '${LAUNCHER}' --json --pid "$ATTACKER"`] },
        { label: 'container', args: ['--container', 'nothing'] },
        // Where there is no python3 of root's: worker threads, and an end through _exit(2).
        { label: 'threads', command: ['node', path.join(__dirname, '..', 'support', 'probe.js'), 'command-lines-in-threads'] },
      ],
    });
    assert.equal(f.extra.get('stalls'), 'yes', 'the control: a read of its command line waits');
    const attacker = Number(f.extra.get('attacker'));
    for (const label of [...Object.keys(views), 'pid']) {
      const run = f.runs.get(label)!;
      assert.deepEqual([label, run.status, run.stderr], [label, 0, cutLine(attacker)]);
      // Ended, not waited on: the deadline is about 2 s (a fixture that hangs fails on its own timeout).
      assert.ok(run.seconds < 10, `${label}: ${run.seconds} s`);
    }
    for (const label of ['json', 'pid', 'ownedJson']) {
      const doc = JSON.parse(f.runs.get(label)!.stdout) as JsonDocument;
      const processes = [...byInode(doc).values()].flatMap((ns) => ns.processes);
      const stalled = processes.find((p) => p.pid === attacker)!;
      assert.deepEqual([label, stalled.comm, stalled.cmdline, stalled.notRead], [label, 'attack-mmap-loc', null, { cmdline: 'stalled' }]);
      assert.deepEqual(doc.scan.cut, [cutLine(attacker).replace(/^userns-overview: /, '').trimEnd()]);
      if (label === 'pid') continue;
      // Everyone else's command line is read: PID 1, the fixture's shell, among them.
      assert.deepEqual(processes.find((p) => p.pid === 1)!.cmdline!.slice(0, 1), ['sh']);
      assert.ok(processes.filter((p) => p.pid !== attacker).every((p) => p.cmdline !== null && p.notRead === undefined));
    }
    assert.match(f.runs.get('tree')!.stdout, new RegExp(`\\b${attacker} attack-mmap-loc`));
    assert.match(f.runs.get('dot')!.stdout, /^digraph /);
    const threads = f.runs.get('threads')!;
    assert.deepEqual([threads.status, threads.stderr], [0, '']);
    const { waiting, lines } = JSON.parse(threads.stdout) as { waiting: number; lines: Record<string, unknown> };
    assert.deepEqual([waiting, lines[attacker]], [1, 'stalled']);
    assert.deepEqual((lines[1] as string[]).slice(0, 1), ['sh']);
    assert.ok(Object.entries(lines).every(([pid, line]) => Number(pid) === attacker || Array.isArray(line) || line === 'ENOENT'));
    // No container by that name: its one line and status 1, after the same wait, and no hang.
    const container = f.runs.get('container')!;
    assert.deepEqual([container.status, container.stderr], [1, "userns-overview: no container named or with an ID starting 'nothing'\n"]);
  });
});
