// The text that tells containers apart: each process's cgroup (/proc/PID/cgroup), its command
// line (/proc/PID/cmdline) and its parent (/proc/PID/stat), and the state files that container
// engines keep for root. All of it is written by other users (a process sets its own command
// line; a delegated cgroup is named by its user), so every read is bounded: no other user's data
// decides how much memory the tool takes.
import * as fs from 'node:fs';
import { couldNotRead, PROC, whyUnreadable, type CouldNotRead } from './procfs';

/** Most of a command line that is read: Linux allows far more (ARG_MAX), which nobody needs to see. */
export const CMDLINE_LIMIT = 64 * 1024;
/** /proc/PID/cgroup: one line a hierarchy, each path at most PATH_MAX. */
const CGROUP_LIMIT = 64 * 1024;
/** /proc/PID/stat is a few hundred bytes; its comm field at most 64. */
const STAT_LIMIT = 4 * 1024;

const O_CLOEXEC = 0o2000000;
const O_READ = fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK | O_CLOEXEC;

// One buffer for every read: the reads are synchronous, and each result is decoded before the next.
let shared: Buffer | undefined;

/** Up to `limit` bytes of a file, and whether it had more; the answer is valid until the next read. */
function readBounded(fd: number, limit: number): { bytes: Buffer; more: boolean } {
  shared ??= Buffer.allocUnsafe(CMDLINE_LIMIT + 1);
  const buffer = limit + 1 <= shared.length ? shared : Buffer.allocUnsafe(limit + 1);
  let length = 0;
  // procfs files are read in several read(2)s where they are long; stop one byte past the limit.
  for (;;) {
    const n = fs.readSync(fd, buffer, length, limit + 1 - length, null);
    if (n === 0) break;
    length += n;
    if (length > limit) break;
  }
  return { bytes: buffer.subarray(0, Math.min(length, limit)), more: length > limit };
}

function readProcFile(pid: number, file: string, limit: number): { bytes: Buffer; more: boolean } | CouldNotRead {
  let fd: number;
  try {
    fd = fs.openSync(`${PROC}/${pid}/${file}`, O_READ);
  } catch (error) {
    return whyUnreadable(error, pid);
  }
  try {
    return readBounded(fd, limit);
  } catch (error) {
    return whyUnreadable(error, pid);
  } finally {
    fs.closeSync(fd);
  }
}

/** A process's cgroups (cgroups(7)): the unified hierarchy's path, and each v1 hierarchy's. */
export interface ProcessCgroups {
  /** The path of the "0::" line; null where there is no unified hierarchy. */
  readonly unified: string | null;
  /** The v1 lines, "ID:CONTROLLERS:PATH", as the file has them. */
  readonly v1: readonly string[];
}

/**
 * /proc/PID/cgroup. A cgroup's name may hold a newline (whoever may make it chooses it), so a
 * line that does not begin "ID:CONTROLLERS:" continues the path of the line before.
 */
export function readCgroups(pid: number): ProcessCgroups | CouldNotRead {
  const read = readProcFile(pid, 'cgroup', CGROUP_LIMIT);
  if (couldNotRead(read)) return read;
  const text = read.bytes.toString('utf8');
  // Most processes share their cgroups with many others: each distinct text is parsed once.
  let parsed = parsedCgroups.get(text);
  if (parsed === undefined) {
    parsed = parseCgroups(text);
    if (parsedCgroups.size >= PARSED_CGROUPS_KEPT) parsedCgroups.clear();
    parsedCgroups.set(text, parsed);
  }
  return parsed;
}

const parsedCgroups = new Map<string, ProcessCgroups>();
const PARSED_CGROUPS_KEPT = 4096;

function parseCgroups(text: string): ProcessCgroups {
  const lines: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (/^\d+:[^:\n]*:/.test(line) || lines.length === 0) lines.push(line);
    else lines[lines.length - 1] += `\n${line}`;
  }
  let unified: string | null = null;
  const v1: string[] = [];
  for (const line of lines) {
    if (line.startsWith('0::')) unified = line.slice(3);
    else if (line !== '') v1.push(line);
  }
  return { unified, v1 };
}

/**
 * /proc/PID/cmdline as its arguments, at most CMDLINE_LIMIT bytes of them; empty for a kernel
 * thread. A process may rewrite it (the LXC monitor writes "[lxc monitor] PATH NAME").
 */
export function readCmdline(pid: number): string[] | CouldNotRead {
  const read = readProcFile(pid, 'cmdline', CMDLINE_LIMIT);
  if (couldNotRead(read)) return read;
  if (read.bytes.length === 0) return [];
  const text = read.bytes.toString('utf8');
  const args = text.split('\0');
  // The arguments end in a NUL; a rewritten line may not.
  if (args[args.length - 1] === '' && !read.more) args.pop();
  return args;
}

/** The parent's PID (proc(5), field 4 of /proc/PID/stat); 0 for PID 1 and kernel threads. */
export function readParentPid(pid: number): number | CouldNotRead {
  const read = readProcFile(pid, 'stat', STAT_LIMIT);
  if (couldNotRead(read)) return read;
  const text = read.bytes.toString('latin1');
  // The name, field 2, is in parentheses and may hold anything, ")" and spaces too: the fields
  // after it start after its last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isSafeInteger(ppid) ? ppid : 0;
}

/**
 * A state file of a container engine (under /run or /var/lib), read only where root alone could
 * have written it: every directory on its path, from /, is root's, not a symbolic link, and not
 * writable by group or others (so nobody else can swap a part of the path while it is read),
 * and the file itself is a regular file of root's, opened without following a link, of at most
 * `limit` bytes. Anything else (absent, another user's, too big) answers null: a name not known.
 */
export function readRootStateFile(path: string, limit: number): string | null {
  if (!path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.')) return null;
  const parts = path.split('/').filter((part) => part !== '');
  try {
    let dir = '';
    for (const part of ['', ...parts.slice(0, -1)]) {
      dir = part === '' ? '/' : `${dir === '/' ? '' : dir}/${part}`;
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) return null;
    }
  } catch {
    return null;
  }
  let fd: number;
  try {
    fd = fs.openSync(path, O_READ | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== 0 || st.size > limit) return null;
    const read = readBounded(fd, limit);
    return read.more ? null : read.bytes.toString('utf8');
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
