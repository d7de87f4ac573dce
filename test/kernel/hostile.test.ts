// Hostile conditions: a /proc that hides processes, few descriptors, a run inside a user
// namespace, a command line that a FUSE page stalls, long command lines of many processes. Each
// ends with a defined status and, where something is missing, one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROC_USER_INIT_INO } from '../../src/discover/hierarchy.js';
import { commandLineShare, readRealUid } from '../../src/kernel/process-text.js';
import type { JsonDocument } from '../../src/render/json.js';
import { asAttacker, built, fuseDevice, NOBODY } from '../support/attacker.js';
import { byInode } from '../support/documents.js';
import { inPidNamespace, LAUNCHER } from '../support/fixture.js';
import { parseCompat } from '../support/parse-compat.js';
import { NEEDS_ROOT, needsFfiNapi, needsFuse, needsPrograms } from '../support/requirements.js';


describe('hostile conditions', { skip: NEEDS_ROOT }, () => {
  it('under hidepid=invisible, shows an unprivileged user its own processes and says others are hidden', () => {
    const f = inPidNamespace({
      hidepid: true,
      chains: [
        { name: 'roots', depth: 1 },
        { name: 'mine', depth: 2, asUser: NOBODY },
      ],
      runs: [{ label: 'nobody', asUser: NOBODY }],
    });
    const run = f.runs.get('nobody')!;
    assert.equal(run.status, 0);
    assert.equal(
      run.stderr,
      'userns-overview: /proc is mounted with hidepid=invisible: processes of other users are hidden; run as root to see them\n',
    );
    const tree = parseCompat(run.stdout);
    const mine = f.chains.get('mine')!;
    assert.deepEqual(tree.roots[0]!.pids, [run.pid]);
    assert.deepEqual(tree.roots[0]!.children.map((ns) => ns.id.ino), [mine.path[0]!.ino]);
    assert.deepEqual(tree.roots[0]!.children[0]!.children[0]!.pids, mine.pids);
  });

  // The fewest descriptors Node itself starts with differs between versions (18 on Node 20, 20 on
  // Node 22 and 24), so the fixture measures it for the Node under test, as the runs get it.
  const nodeStarts =
    `n=4; until { sh -c 'ulimit -n $0; exec node -e ""' $n; } 2>/dev/null; do n=$((n + 1)); [ $n -le 256 ] || exit 1; done; ` +
    `echo $n > "$DIR/node-starts"; fact nodeStarts $n`;
  // Two more than Node needs: one for the launcher's own file, and one to spare.
  const MARGIN = 2;
  const limited = (backend: string): string[] => ['sh', '-c', `ulimit -n $(($(cat "$DIR/node-starts") + ${MARGIN})); exec node '${LAUNCHER}' --ffi ${backend}`];

  for (const backend of ['koffi', 'ffi-napi']) {
    it(`works through ${backend} with a 'ulimit -n' of ${MARGIN} more than Node itself needs to start`, { skip: backend === 'ffi-napi' && needsFfiNapi() }, () => {
      const f = inPidNamespace({ chains: [{ name: 'deep', depth: 8 }], setup: nodeStarts, runs: [{ label: backend, command: limited(backend) }] });
      const run = f.runs.get(backend)!;
      const limit = Number(f.extra.get('nodeStarts')) + MARGIN;
      assert.deepEqual([run.status, run.stderr], [0, ''], `ulimit -n ${limit}`);
      assert.equal(parseCompat(run.stdout).roots[0]!.children[0]!.id.ino, f.chains.get('deep')!.path[0]!.ino);
    });
  }

  it('says clearly, in one line, when it runs out of descriptors loading a backend and scanning', () => {
    // Below the measured limit Node itself cannot start; where it can, but the tool runs out,
    // both the backend's loading and the scan say so.
    const f = inPidNamespace({
      chains: [{ name: 'deep', depth: 8 }],
      runs: [{ label: 'exhausted', command: ['node', path.join(__dirname, '..', 'support', 'probe.js'), 'exhausted'] }],
    });
    const message = "too many open files: Node and this tool need about 20 descriptors; raise 'ulimit -n'";
    assert.deepEqual(JSON.parse(f.runs.get('exhausted')!.stdout), { load: message, scan: message });
  });

  it('inside a user namespace, roots the tree at that namespace, with no error', () => {
    const f = inPidNamespace({
      chains: [{ name: 'sibling', depth: 1 }],
      runs: [{ label: 'inside', command: ['unshare', '-U', '-r', 'node', LAUNCHER] }],
    });
    const run = f.runs.get('inside')!;
    // PID 1 and the sibling are outside: said as a fact, not an error.
    assert.equal(run.status, 0);
    assert.equal(
      run.stderr,
      `userns-overview: left out 2 processes that could not be inspected (permission denied): PIDs 1, ${f.chains.get('sibling')!.pids[0]}; ` +
        'they are outside the user namespace this tool runs in\n',
    );
    const tree = parseCompat(run.stdout);
    assert.equal(tree.roots.length, 1);
    assert.notEqual(tree.roots[0]!.id.ino, PROC_USER_INIT_INO);
    assert.deepEqual(tree.roots[0]!.pids, [run.pid]);
  });

  // What made ps(1) hang before Linux 4.17 (CVE-2018-1120). Root's reads never reach a FUSE
  // server in another user's namespace (FUSE refuses a caller that its namespace does not map),
  // but nobody's own run's do: there it is the kernel's reading of command lines from anonymous
  // memory only that makes the read end short. The control proves that the page waits for a
  // reader the namespace maps (through /proc/PID/mem, which reads file pages too); that reader
  // ends with the fixture, whose end kills the FUSE server.
  it('reads a command line whose middle is a FUSE page that never answers as far as the kernel gives it, as root and as its own user, and ends', { skip: needsPrograms('cc', 'dd') || needsFuse() }, () => {
    const f = inPidNamespace({
      setup: [
        built(['silent-fuse-server.c', 'attack-stalled-cmdline.c'], 'attacked-cmdline'),
        fuseDevice(),
        asAttacker('attack-stalled-cmdline.sh'),
        'read readable page < "$DIR/attack-stalled-cmdline.sh.ready"',
        'fact readable "$readable"',
        `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups dd if=/proc/$ATTACKER/mem of=/dev/null bs=1 skip=$page count=1 2>/dev/null & reader=$!`,
        'sleep 1',
        'if kill -0 $reader 2>/dev/null; then fact stalls yes; else fact stalls no; fi',
      ].join('\n'),
      timeoutMs: 60_000,
      runs: [
        { label: 'json', args: ['--json'] },
        { label: 'tree', args: ['--format', 'tree', '--width', '300'] },
        { label: 'compat' },
        { label: 'nobody', args: ['--json'], asUser: NOBODY },
      ],
    });
    assert.equal(f.extra.get('stalls'), 'yes', 'the control: a read of the page by a user the namespace maps waits');
    const attacker = Number(f.extra.get('attacker'));
    const readable = Number(f.extra.get('readable'));
    for (const label of ['json', 'tree', 'compat']) assert.deepEqual([label, f.runs.get(label)!.status, f.runs.get(label)!.stderr], [label, 0, '']);
    const nobody = f.runs.get('nobody')!;
    // nobody cannot look into root's processes: said, as always, in one line.
    assert.deepEqual([nobody.status, nobody.stderr.split('\n').length], [0, 2], nobody.stderr);
    for (const label of ['json', 'nobody']) {
      const doc = JSON.parse(f.runs.get(label)!.stdout) as JsonDocument;
      const args = [...byInode(doc).values()].flatMap((ns) => ns.processes).find((p) => p.pid === attacker)!.cmdline!;
      assert.match(args[0]!, /\/attacked-cmdline$/, label);
      // What comes before the FUSE page, in the middle of the last argument, is all there is.
      assert.equal(Buffer.byteLength(args.join('\0')), readable, label);
      assert.equal(args.length, 4, label);
    }
    assert.match(f.runs.get('tree')!.stdout, new RegExp(`\\b${attacker} attacked-cmdl`));
    assert.ok(parseCompat(f.runs.get('compat')!.stdout).roots[0]!.children.some((ns) => ns.pids.includes(attacker)));
  });

  it("keeps of other users' long command lines only each process's share where there are more than 512 processes", { skip: needsPrograms('python3') }, () => {
    const f = inPidNamespace({ setup: asAttacker('attack-long-cmdlines.sh', { ownMountNamespace: false }), runs: [{ label: 'json', args: ['--json'] }] });
    const run = f.runs.get('json')!;
    assert.deepEqual([run.status, run.stderr], [0, '']);
    const processes = [...byInode(JSON.parse(run.stdout) as JsonDocument).values()].flatMap((ns) => ns.processes);
    assert.ok(processes.length > 512, `${processes.length} processes`);
    const share = commandLineShare(processes.length);
    assert.ok(share < 64 * 1024);
    for (const pid of f.extra.get('long')!.split(',').map(Number)) {
      const args = processes.find((p) => p.pid === pid)!.cmdline!;
      assert.equal(args[0], 'python3');
      assert.equal(Buffer.byteLength(args.join('\0')), share, `PID ${pid}`);
    }
  });

  // The system's Python: one on root's PATH (pyenv's, say) may be no program nobody can run.
  const PYTHON = '/usr/bin/python3';
  it("tells who started a process that made itself non-dumpable, whose /proc files then say root", { skip: fs.existsSync(PYTHON) ? false : `needs ${PYTHON}` }, async () => {
    const script = 'import ctypes, signal; ctypes.CDLL(None).prctl(4, 0); print(flush=True); signal.pause()';
    const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', PYTHON, '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      // Its first line: it runs as nobody and has made itself non-dumpable (PR_SET_DUMPABLE, 0).
      await once(child.stdout, 'data');
      assert.equal(fs.statSync(`/proc/${child.pid}/status`).uid, 0);
      assert.equal(readRealUid(child.pid!), NOBODY);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
