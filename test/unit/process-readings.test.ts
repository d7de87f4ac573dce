// The pass over each process (src/kernel/process-readings.ts) on files made to order, the
// parsers it relies on, and its sharing with a worker thread when the worker fails. No root:
// the real files read are this process's own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DescriptorBudget, OVER_BUDGET, readProcess, revive, type ProcessFiles, type ProcessReading, type Wants } from '../../src/kernel/process-readings.js';
import { commandLineShare, parseStat, readCmdline, readRealUid, readStat } from '../../src/kernel/process-text.js';
import { CouldNotRead, parseNamespaceLink, readBounded } from '../../src/kernel/procfs.js';
import { dealInPidOrder, readProcesses } from '../../src/kernel/reading-threads.js';

const ALL: Wants = { holders: true, stat: true, text: true };

/** Files of one process 7 with `threads` threads and `fds` descriptors, counting what is read. */
function files(options: { threads?: number; fds?: number } = {}): { files: ProcessFiles; asked: string[] } {
  const asked: string[] = [];
  const fds = options.fds ?? 3;
  return {
    asked,
    files: {
      userNamespaceInode: () => (asked.push('user'), 4026531837),
      namespaceLink: (_, file) => (asked.push(file), file === 'time_for_children' ? { type: 'net', ino: 9 } : { type: file.replace('_for_children', '') as 'pid', ino: 100 + file.length }),
      listDescriptors: () => (asked.push('fd'), Array.from({ length: fds }, (_, fd) => String(fd))),
      descriptorTarget: (_, fd) => (asked.push(`fd/${fd}`), fd === '1' ? { type: 'user', ino: 55 } : fd === '2' ? { socket: 66 } : null),
      listThreads: () => (asked.push('task'), ['7', '8', '9']),
      readStat: () => (asked.push('stat'), { name: 'sleep', parent: 1, threads: options.threads ?? 1, started: 100 }),
      readCgroupText: () => (asked.push('cgroup'), '0::/\n'),
    },
  };
}

describe('one pass over a process', () => {
  it('reads what the run wants, and no more', () => {
    const compatLike = files();
    assert.deepEqual(readProcess(compatLike.files, '7', { holders: false, stat: true, text: false }, DescriptorBudget.of(10)), {
      pid: 7,
      user: 4026531837,
      stat: { name: 'sleep', parent: 1, threads: 1, started: 100 },
    });
    assert.deepEqual(compatLike.asked, ['user', 'stat']);
    const all = files();
    const reading = readProcess(all.files, '7', ALL, DescriptorBudget.of(10));
    // Each ownable type, then pid_for_children; time_for_children names a net namespace: none.
    assert.deepEqual(reading.links, [106, 103, 103, 103, 103, 104, 103, 116, 0]);
    assert.deepEqual(reading.descriptors, { namespaces: [{ type: 'user', ino: 55, fds: [1] }], sockets: { fds: [2], inos: [66] }, listed: 3, read: 3 });
    // One thread: /proc/PID/task is not listed.
    assert.ok(!all.asked.includes('task'));
    // The command line is read apart, where a read that waits can be left (command-lines.ts).
    assert.equal(reading.cgroup, '0::/\n');
    assert.ok(!all.asked.includes('cmdline'));
  });

  it('lists the threads, but for the main one, only where stat counts more than one', () => {
    assert.deepEqual(readProcess(files({ threads: 3 }).files, '7', ALL, DescriptorBudget.of(10)).tids, [8, 9]);
  });

  it('reads nothing more of a process whose user namespace could not be read', () => {
    const gone = new CouldNotRead('vanished', 'ENOENT');
    const { files: f, asked } = files();
    assert.deepEqual(readProcess({ ...f, userNamespaceInode: () => gone }, '7', ALL, DescriptorBudget.of(10)), { pid: 7, user: gone });
    assert.deepEqual(asked, []);
  });

  it('gathers a table\'s descriptors by the namespace they lead to, in the order met', () => {
    const links: Record<string, { type: 'user' | 'net'; ino: number } | { socket: number } | null> = {
      '3': { type: 'net', ino: 8 },
      '4': { type: 'user', ino: 5 },
      '5': { socket: 9 },
      '6': { type: 'net', ino: 8 },
      '7': null,
      '8': { socket: 10 },
    };
    const { files: f } = files();
    const table = readProcess({ ...f, listDescriptors: () => Object.keys(links), descriptorTarget: (_, fd) => links[fd]! }, '7', ALL, DescriptorBudget.of(100)).descriptors;
    assert.deepEqual(table, {
      namespaces: [
        { type: 'net', ino: 8, fds: [3, 6] },
        { type: 'user', ino: 5, fds: [4] },
      ],
      sockets: { fds: [5, 8], inos: [9, 10] },
      listed: 6,
      read: 6,
    });
  });

  it('reads descriptor links within the budget, and lists no table once it is spent', () => {
    const budget = DescriptorBudget.of(5);
    const first = readProcess(files({ fds: 3 }).files, '7', ALL, budget);
    const second = readProcess(files({ fds: 3 }).files, '7', ALL, budget);
    const third = files({ fds: 3 });
    assert.deepEqual([first.descriptors, second.descriptors], [
      { namespaces: [{ type: 'user', ino: 55, fds: [1] }], sockets: { fds: [2], inos: [66] }, listed: 3, read: 3 },
      { namespaces: [{ type: 'user', ino: 55, fds: [1] }], sockets: { fds: [], inos: [] }, listed: 3, read: 2 },
    ]);
    assert.equal(readProcess(third.files, '7', ALL, budget).descriptors, OVER_BUDGET);
    assert.ok(!third.asked.includes('fd'));
  });

  it('takes from a budget no more than is left, however it is asked', () => {
    const budget = DescriptorBudget.of(10);
    assert.deepEqual([budget.take(4), budget.take(0), budget.take(9), budget.take(1), budget.left()], [4, 0, 6, 0, 0]);
  });

  it('gives a reading back its failures after a structured clone, as another thread sends it', () => {
    const denied = new CouldNotRead('permission', 'EACCES');
    const clone = revive(structuredClone({ pid: 7, user: 1, descriptors: denied, stat: denied, cgroup: denied, tids: [8] }));
    for (const field of [clone.descriptors, clone.stat, clone.cgroup]) assert.ok(field instanceof CouldNotRead && field.code === 'EACCES');
    assert.deepEqual(clone.tids, [8]);
  });
});

describe('the text of a process', () => {
  const stat = (name: string, rest = 'S 42 1 1 0 -1 4194560 99 0 0 0 0 0 0 0 20 0 5 0 123 0 0'): Buffer => Buffer.from(`1234 (${name}) ${rest}\n`);

  it('takes name, parent, threads and start time from a stat line whatever the name holds', () => {
    for (const name of ['sleep', 'a) (b', ') 9 9 9', 'two words', 'ナマエ', '', 'x\ny']) {
      assert.deepEqual(parseStat(stat(name)), { name, parent: 42, threads: 5, started: 123 }, name);
    }
    assert.deepEqual(parseStat(Buffer.from('1 (x) Z')), { name: 'x', parent: 0, threads: 0, started: 0 });
  });

  it('reads this process as /proc/self/comm and /proc/self/status tell', () => {
    const own = readStat(process.pid);
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    assert.deepEqual(own, {
      name: fs.readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, ''),
      parent: process.ppid,
      threads: Number(/^Threads:\s*(\d+)$/m.exec(status)![1]),
      // Field 22: the 20th after the name's ")".
      started: Number(fs.readFileSync('/proc/self/stat', 'latin1').split(') ').pop()!.split(' ')[19]),
    });
  });

  it('gives one list for a command line read twice alike, and a new one when it differs', () => {
    const first = readCmdline(process.pid);
    assert.equal(readCmdline(process.pid), first);
    assert.deepEqual(first, fs.readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1));
    assert.notEqual(readCmdline(process.ppid), first);
  });

  it('keeps of each command line its share of 32 MiB a run, between 4 KiB and 64 KiB, from the count of processes alone', () => {
    assert.deepEqual([0, 1, 512, 1000, 8192, 10_000, 100_000].map(commandLineShare), [65536, 65536, 65536, 33554, 4096, 4096, 4096]);
  });

  it('reads a command line to the limit asked, and no further', () => {
    const long = 'x'.repeat(10_000);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', long], { stdio: 'ignore' });
    try {
      const whole = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'latin1');
      assert.ok(whole.length > 10_000);
      for (const limit of [4096, 65536]) {
        const args = readCmdline(child.pid!, limit) as string[];
        assert.equal(args.join('\0'), whole.slice(0, limit).replace(/\0$/, ''), `limit ${limit}`);
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads who started a process: its real UID (test/kernel/hostile.test.ts: not the owner of its /proc files)', () => {
    assert.equal(readRealUid(process.pid), process.getuid!());
    assert.ok(readRealUid(2 ** 22 + 1) instanceof CouldNotRead);
  });

  it('parses namespace links, and nothing else', () => {
    assert.deepEqual(parseNamespaceLink('net:[4026531840]'), { type: 'net', ino: 4026531840 });
    assert.deepEqual(parseNamespaceLink('time:[1]'), { type: 'time', ino: 1 });
    for (const text of ['socket:[123]', 'pipe:[1]', '/dev/null', 'net:[]', 'net:[12', 'net:[0x1f]', 'net:[1e3]', 'net:[ 1]', 'net:[99999999999999999999]', 'pid_for_children:[1]', '']) {
      assert.equal(parseNamespaceLink(text), null, text);
    }
  });

  it('reads a file to its end, or, where the kernel writes it whole in one read, to the first short read', () => {
    const [reader, writer] = pipe();
    fs.writeSync(writer, 'first ');
    fs.writeSync(writer, 'second');
    fs.closeSync(writer);
    // A pipe is no procfs file: there a short read is not the end.
    assert.equal(readBounded(reader, 100, 'to the end').bytes.toString(), 'first second');
    const [again, into] = pipe();
    fs.writeSync(into, 'first ');
    assert.equal(readBounded(again, 100, 'one read').bytes.toString(), 'first ');
    for (const fd of [reader, again, into]) fs.closeSync(fd);
    const maps = fs.openSync('/proc/self/maps', 'r');
    const cut = readBounded(maps, 10, 'to the end');
    fs.closeSync(maps);
    assert.deepEqual([cut.bytes.length, cut.more], [10, true]);
  });
});

/** A pipe's two ends, from a FIFO made for the test. */
function pipe(): [number, number] {
  const fifo = path.join(fs.mkdtempSync('/tmp/userns-test-'), 'fifo');
  require('node:child_process').execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.rmSync(path.dirname(fifo), { recursive: true });
  return [reader, writer];
}

describe('the pass shared with a worker thread', () => {
  // This process, many times over: what the worker reads of it is what this thread reads.
  const pids = Array.from({ length: 40 }, () => String(process.pid));
  const wants: Wants = { holders: false, stat: false, text: true };
  const alone = readProcesses(pids, wants, 0, { threads: 1 });
  const worker = (name: string): string => path.join(__dirname, '..', 'support', `${name}.js`);

  it('reads the chunks of a worker that fails them', () => {
    const pass = readProcesses(pids, wants, 0, { threads: 2, worthMs: 0, chunk: 3, eachThreadReads: true, script: worker('failing-worker') });
    assert.deepEqual([pass.readings, pass.byWorker], [alone.readings, 0]);
  });

  it('reads the chunk of a worker that falls silent', () => {
    const pass = readProcesses(pids, wants, 0, { threads: 2, worthMs: 0, chunk: 3, eachThreadReads: true, silenceMs: 200, script: worker('silent-worker') });
    assert.deepEqual([pass.readings, pass.byWorker], [alone.readings, 0]);
  });

  it('reads at once the chunk of a worker that ends without posting it', { timeout: 30_000 }, () => {
    // Were the end not noticed, the silence of a minute would outlast the test's timeout.
    const pass = readProcesses(pids, wants, 0, { threads: 2, worthMs: 0, chunk: 3, eachThreadReads: true, silenceMs: 60_000, script: worker('exiting-worker') });
    assert.deepEqual([pass.readings, pass.byWorker], [alone.readings, 0]);
  });

  it('deals a spent budget again in PID order, whichever thread read which table first', () => {
    // PIDs 1, 2 and 3 hold 300,000, 300,000 and 5 descriptors; the worker read 2 first.
    const held: Record<number, number> = { 1: 300_000, 2: 300_000, 3: 5 };
    const { files: f } = files();
    const counting = { ...f, listDescriptors: (pid: number) => Array.from({ length: held[pid]! }, (_, fd) => String(fd)), descriptorTarget: () => null };
    const table = (listed: number, read: number) => ({ namespaces: [], sockets: { fds: [], inos: [] }, listed, read });
    const raced: ProcessReading[] = [
      { pid: 1, user: 1, descriptors: table(300_000, 200_000) },
      { pid: 2, user: 1, descriptors: table(300_000, 300_000) },
      { pid: 3, user: 1, descriptors: OVER_BUDGET },
    ];
    const left = dealInPidOrder(raced, 500_000, counting);
    const inOrder = DescriptorBudget.of(500_000);
    const oneThread = ['1', '2', '3'].map((pid) => readProcess(counting, pid, { holders: true, stat: false, text: false }, inOrder).descriptors);
    assert.deepEqual([raced.map((r) => r.descriptors), left], [oneThread, 0]);
    assert.deepEqual(oneThread, [table(300_000, 300_000), table(300_000, 200_000), OVER_BUDGET]);
  });

  it('starts no worker where the reading is short', () => {
    assert.equal(readProcesses(pids, wants, 0, { threads: 2, script: worker('no-such-worker') }).byWorker, 0);
  });
});
