// The text that tells containers apart: each process's cgroup (/proc/PID/cgroup), its command
// line (/proc/PID/cmdline), its name, parent and threads (/proc/PID/stat), who started it
// (/proc/PID/status), and the state files that container engines keep for root. All of it is written by other users (a process sets its own command
// line; a delegated cgroup is named by its user), so every read is bounded: no other user's data
// decides how much memory the tool takes.
import fs from 'node:fs';
import { CouldNotRead, couldNotRead, O_READ, readBounded, readProcessFile } from './procfs.js';

/** Most of a command line that is read: Linux allows far more (ARG_MAX), which nobody needs to see. */
export const CMDLINE_LIMIT = 64 * 1024;
/** What a run keeps of all command lines together, shared out equally where there are many. */
const COMMAND_LINES_KEPT = 32 * 1024 * 1024;
/** Each process's share never goes below this: enough for what a runtime says of its container. */
const CMDLINE_FLOOR = 4 * 1024;

/**
 * How much of each command line a run of `processes` keeps: the whole (to CMDLINE_LIMIT) where
 * they are few, an equal share of COMMAND_LINES_KEPT where they are many, but CMDLINE_FLOOR at
 * least (so beyond 8,192 processes, CMDLINE_FLOOR each: what a process costs the run anyway).
 * Decided from the count alone, before any is read, so that which command lines are cut does not
 * depend on which thread read first; and another user's long command lines cost at most the share
 * each (3,000 processes of 64 KiB each had taken 731 MB in --json).
 */
export const commandLineShare = (processes: number): number =>
  Math.max(CMDLINE_FLOOR, Math.min(CMDLINE_LIMIT, Math.floor(COMMAND_LINES_KEPT / Math.max(processes, 1))));
/** /proc/PID/cgroup: one line a hierarchy, each path at most PATH_MAX. */
const CGROUP_LIMIT = 64 * 1024;
/** /proc/PID/stat is a few hundred bytes; its comm field at most 64. */
const STAT_LIMIT = 4 * 1024;
/** The head of /proc/PID/status: its Uid line is the ninth, after a Name of at most 64 bytes. */
const STATUS_HEAD = 1024;

/** A process's cgroups (cgroups(7)): the unified hierarchy's path, and each v1 hierarchy's. */
export interface ProcessCgroups {
  /** The path of the "0::" line; null where there is no unified hierarchy. */
  readonly unified: string | null;
  /** The v1 lines, "ID:CONTROLLERS:PATH", as the file has them. */
  readonly v1: readonly string[];
}

/**
 * /proc/PID/cgroup as it reads, parsed by cgroupsOf. A cgroup's name may hold a newline (whoever
 * may make it chooses it), so a line that does not begin "ID:CONTROLLERS:" continues the path of
 * the line before.
 */
export function readCgroupText(pid: number): string | CouldNotRead {
  const read = readProcessFile(pid, 'cgroup', CGROUP_LIMIT, 'one read');
  return couldNotRead(read) ? read : lastCgroup.decode(read.bytes, (bytes) => bytes.toString('utf8'));
}

/**
 * The answer for the last bytes decoded, given again for the same bytes: processes side by side
 * in the PID list mostly share a cgroup and a command line, and one string (one list) for all
 * of them spares making and collecting thousands.
 */
class LastDecoded<T> {
  private bytes = Buffer.alloc(0);
  private value: T | undefined;

  decode(bytes: Buffer, decode: (bytes: Buffer) => T): T {
    if (this.value !== undefined && bytes.equals(this.bytes)) return this.value;
    this.bytes = Buffer.from(bytes);
    return (this.value = decode(bytes));
  }
}

const lastCgroup = new LastDecoded<string>();
const lastCmdline = new LastDecoded<readonly string[]>();

/** A command line's arguments from its bytes (none for a kernel thread); `more`: cut at the limit. */
export function decodeCommandLine(bytes: Buffer, more: boolean): readonly string[] {
  if (bytes.length === 0) return [];
  const decode = (bytes: Buffer): readonly string[] => {
    const args = bytes.toString('utf8').split('\0');
    // The arguments end in a NUL; a rewritten line may not.
    if (args[args.length - 1] === '' && !more) args.pop();
    return args;
  };
  return more ? decode(bytes) : lastCmdline.decode(bytes, decode);
}

/** The cgroups a text of /proc/PID/cgroup names: the same object for the same text, while few. */
export function cgroupsOf(text: string): ProcessCgroups {
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
 * /proc/PID/cmdline as its arguments, at most `limit` bytes of them; empty for a kernel thread.
 * A process may rewrite it (the LXC monitor writes "[lxc monitor] PATH NAME"). Its owner can make
 * this read wait for ever (it takes the process's mmap_lock): the views read command lines in
 * threads they can leave waiting (command-lines.ts), never in the main thread.
 */
export function readCmdline(pid: number, limit: number = CMDLINE_LIMIT): readonly string[] | CouldNotRead {
  const read = readProcessFile(pid, 'cmdline', Math.min(limit, CMDLINE_LIMIT), 'one read');
  return couldNotRead(read) ? read : decodeCommandLine(read.bytes, read.more);
}

/** What /proc/PID/stat (proc(5)) says of a process that the views use. */
export interface ProcessStat {
  /** Field 2, as /proc/PID/comm has it: foreign text. */
  readonly name: string;
  /** Field 4: 0 for PID 1 and kernel threads. */
  readonly parent: number;
  /** Field 20. */
  readonly threads: number;
  /** Field 22, in clock ticks since boot: with the PID, which process this is, a reused PID aside. */
  readonly started: number;
}

/** One read of /proc/PID/stat: the process's name, its parent, how many threads it has and when it started. */
export function readStat(pid: number): ProcessStat | CouldNotRead {
  const read = readProcessFile(pid, 'stat', STAT_LIMIT, 'one read');
  return couldNotRead(read) ? read : parseStat(read.bytes);
}

/** A stat line's name, parent, thread count and start time. */
export function parseStat(bytes: Buffer): ProcessStat {
  // The name is in parentheses and may hold anything, ")" and spaces too: it ends at the last
  // ")", and the fields after it are numbers, one space apart.
  const open = bytes.indexOf(0x28);
  const close = bytes.lastIndexOf(0x29);
  const name = open < 0 || close < open ? '' : bytes.toString('utf8', open + 1, close);
  return { name, parent: statField(bytes, close, 4), threads: statField(bytes, close, 20), started: statField(bytes, close, 22) };
}

/** Field `n` (proc(5) numbers them from 1) of a stat line whose name ends at `close`; 0 if not a number. */
function statField(bytes: Buffer, close: number, n: number): number {
  // Field 3 begins two bytes after the name's ")".
  let at = close + 2;
  for (let field = 3; field < n && at > 0; field++) at = bytes.indexOf(0x20, at) + 1;
  let value = 0;
  let digits = 0;
  for (; at > 0 && at < bytes.length && bytes[at]! >= 0x30 && bytes[at]! <= 0x39; at++, digits++) value = value * 10 + bytes[at]! - 0x30;
  return digits > 0 && digits < 16 ? value : 0;
}

/** The parent's PID (proc(5), field 4 of /proc/PID/stat); 0 for PID 1 and kernel threads. */
export function readParentPid(pid: number): number | CouldNotRead {
  const stat = readStat(pid);
  return couldNotRead(stat) ? stat : stat.parent;
}

/**
 * Who started a process: its real UID (/proc/PID/status, proc(5)), as this process's user
 * namespace sees it. Not the owner of /proc/PID's files, which a process made non-dumpable
 * turns into root. The kernel escapes the Name line above it, so no process name can forge it.
 */
export function readRealUid(pid: number): number | CouldNotRead {
  const read = readProcessFile(pid, 'status', STATUS_HEAD, 'one read');
  if (couldNotRead(read)) return read;
  const uid = /^Uid:\t(\d+)\t/m.exec(read.bytes.toString('latin1'))?.[1];
  // A status with no Uid line would be a kernel of another shape: nobody's, then.
  return uid === undefined ? new CouldNotRead('error', 'ENODATA') : Number(uid);
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
    const read = readBounded(fd, limit, 'to the end');
    return read.more ? null : read.bytes.toString('utf8');
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
