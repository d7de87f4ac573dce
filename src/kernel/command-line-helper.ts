// Command lines read by a helper process, the system's python3: it starts in about 10 ms where a
// Node worker thread takes 28 ms (55-60 ms while this thread is busy), so on a small machine it
// has read them all before the views need them. It reads each process's /proc/PID/cmdline in a
// thread of its own; one that waits past the patience on a process (whose owner holds its
// mmap_lock) is left waiting, that owner's other processes are read last, and another thread
// goes on, 8 at most, as command-lines.ts does with worker threads. It writes what it read to a
// file that only this tool can reach, and ends itself with os._exit, which the kernel carries out
// whatever its threads wait on; this thread reads the file until the helper says it is done, or
// kills it at the deadline. The helper loads everything before it reads, and opens nothing but
// /proc files.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { failure, MAX_READERS, PATIENCE_MS, type CommandLine, type CommandLines } from './command-lines.js';
import { decodeCommandLine } from './process-text.js';
import { rootProgram } from './root-program.js';

/** Only a program that root owns and nobody else can change. */
const PROGRAMS = ['/usr/bin/python3', '/bin/python3'];

// argv: limit, patience in ms, most threads; standard input: the PIDs; standard output: for each
// process "PID KIND N\n" and N bytes (KIND r: read, m: read and cut at the limit, e: failed with
// errno N, s: stalled), then "E\n".
const SCRIPT = String.raw`
import os, sys, threading, time
limit, patience, most = int(sys.argv[1]), int(sys.argv[2]) / 1000, int(sys.argv[3])
pids = sys.stdin.buffer.read().split()
out = sys.stdout.buffer
lock = threading.Lock()
finished = threading.Event()
stalled, deferred_uids, deferred, on, taken = set(), set(), [], {}, [0]

def real_uid(pid):
    try:
        with open(b'/proc/' + pid + b'/status', 'rb') as status:
            for line in status.read(1024).split(b'\n'):
                if line.startswith(b'Uid:'):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None

def emit(me, i, kind, data):
    with lock:
        if i not in stalled:
            out.write(b'%s %s %d\n' % (pids[i], kind, len(data)) + data)
            out.flush()
        on[me] = (None, time.monotonic())

def take():
    with lock:
        while taken[0] < len(pids):
            i = taken[0]
            taken[0] += 1
            if deferred_uids and real_uid(pids[i]) in deferred_uids:
                deferred.append(i)
                continue
            return i
        return deferred.pop(0) if deferred else None

def read(i):
    fd = os.open(b'/proc/' + pids[i] + b'/cmdline', os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = b''
        while True:
            asked = limit + 1 - len(data)
            chunk = os.read(fd, asked)
            data += chunk
            if len(chunk) < asked or len(data) > limit:
                return data
    finally:
        os.close(fd)

def reader(me):
    while True:
        i = take()
        if i is None:
            on[me] = None
            finished.set()
            return
        with lock:
            on[me] = (i, time.monotonic())
        try:
            data = read(i)
            emit(me, i, b'm' if len(data) > limit else b'r', data[:limit])
        except OSError as error:
            emit(me, i, b'e', b'%d' % error.errno)

def start():
    me = len(on)
    on[me] = (None, time.monotonic())
    threading.Thread(target=reader, args=(me,), daemon=True).start()

start()
while True:
    # Woken at once when a reader runs out of work, else a few times in each patience.
    finished.wait(patience / 4)
    finished.clear()
    now = time.monotonic()
    with lock:
        waiting = [me for me, at in on.items() if at is not None and at[0] is not None and at[0] not in stalled and now - at[1] >= patience]
        for me in waiting:
            i = on[me][0]
            stalled.add(i)
            out.write(b'%s s 0\n' % pids[i])
            out.flush()
            uid = real_uid(pids[i])
            if uid is not None:
                deferred_uids.add(uid)
        live = [me for me, at in on.items() if at is not None and (at[0] is None or at[0] not in stalled)]
        left = taken[0] < len(pids) or len(deferred) > 0
    if waiting and left and len(on) < most:
        start()
    elif not live and (not left or len(on) >= most):
        break
out.write(b'E\n')
out.flush()
os._exit(0)
`;

/** The file the helper writes: made in a folder of this tool's own, and unlinked at once. */
function privateFile(dir: string, name: string, content?: string): number {
  const file = `${dir}/${name}`;
  if (content !== undefined) fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  const fd = fs.openSync(file, content !== undefined ? 'r' : 'wx+', 0o600);
  fs.unlinkSync(file);
  return fd;
}

/**
 * Starts the helper on `pids`, at most `limit` bytes each; null where there is none (no python3
 * of root's, no room in /tmp, no process to be had): the caller reads them in worker threads.
 */
export function readByHelper(pids: readonly number[], limit: number): CommandLines | null {
  const program = rootProgram(PROGRAMS);
  if (program === null) return null;
  let dir: string | undefined;
  let input: number | undefined;
  let output: number | undefined;
  let child: ChildProcess;
  try {
    // mkdtemp makes it 0700 in the sticky /tmp: no other user can reach, swap or read what is in it.
    dir = fs.mkdtempSync('/tmp/userns-overview-');
    input = privateFile(dir, 'pids', pids.join(' '));
    output = privateFile(dir, 'lines');
    child = spawn(program, ['-I', '-S', '-c', SCRIPT, String(limit), String(PATIENCE_MS), String(MAX_READERS)], {
      stdio: [input, output, 'ignore'],
      env: {},
      cwd: '/',
    });
    child.unref();
    // A helper that could not start says so only through the event loop: its file then stays empty, and take() ends at the deadline.
    child.on('error', () => {});
  } catch {
    if (output !== undefined) fs.closeSync(output);
    return null;
  } finally {
    if (input !== undefined) fs.closeSync(input);
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { take: (deadline) => takeFrom(child, output, pids, limit, deadline) };
}

/** What the helper wrote by `deadline`; a process it did not reach by then is 'deadline'. */
function takeFrom(child: ChildProcess, fd: number, pids: readonly number[], limit: number, deadline: number): Map<number, CommandLine> {
  const lines = new Map<number, CommandLine>();
  const wait = new Int32Array(new SharedArrayBuffer(4));
  let position = 0;
  let ended = false;
  try {
    while (!ended) {
      const size = fs.fstatSync(fd).size;
      if (size > position) {
        const bytes = Buffer.allocUnsafe(size - position);
        const got = fs.readSync(fd, bytes, 0, bytes.length, position);
        const parsed = parseRecords(bytes.subarray(0, got), limit, lines);
        position += parsed.consumed;
        ended = parsed.ended;
        // Else a record is still being written: wait for the rest.
        if (parsed.consumed > 0) continue;
      }
      const now = performance.now();
      if (now >= deadline) break;
      Atomics.wait(wait, 0, 0, Math.min(2, deadline - now));
    }
  } finally {
    fs.closeSync(fd);
    // Not reaped before this thread's event loop turns, so its PID is still its own.
    if (!ended) child.kill('SIGKILL');
  }
  for (const pid of pids) if (!lines.has(pid)) lines.set(pid, 'deadline');
  return lines;
}

const NEWLINE = 0x0a;

/** Reads the complete records at the start of `bytes` into `lines`: how many bytes they took, and whether the end came. */
export function parseRecords(bytes: Buffer, limit: number, lines: Map<number, CommandLine>): { consumed: number; ended: boolean } {
  let at = 0;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, at);
    if (end < 0) return { consumed: at, ended: false };
    const header = bytes.toString('latin1', at, end);
    if (header === 'E') return { consumed: end + 1, ended: true };
    const [pid, kind, count] = header.split(' ');
    const n = Number(count);
    // The helper's own words, but bounded all the same: no record is longer than the limit.
    if (!(n >= 0 && n <= limit) || bytes.length < end + 1 + n) return { consumed: at, ended: false };
    const data = bytes.subarray(end + 1, end + 1 + n);
    const answer: CommandLine =
      kind === 'r' || kind === 'm'
        ? decodeCommandLine(data, kind === 'm')
        : kind === 'e'
          ? failure(Number(data.toString('latin1')), Number(pid))
          : 'stalled';
    lines.set(Number(pid), answer);
    at = end + 1 + n;
  }
}
