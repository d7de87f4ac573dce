// User names for the owners of namespaces, from the system's user database (NSS: files, but
// also LDAP, sssd, systemd-userdb, as ps shows them). A lookup can wait on a directory server
// that does not answer, for as long as it likes: so it is made by a helper process, the
// system's getent, which the run ends at its deadline. Where NSS asks /etc/passwd first (as
// almost every system does), what /etc/passwd answers is NSS's answer too, and only the UIDs it
// does not know are asked of getent. Where there is no getent, the names come from /etc/passwd alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { rootProgram } from './root-program.js';

/** Only a program that root owns and nobody else can change. */
const GETENT = ['/usr/bin/getent', '/bin/getent'];

/** More than any user database's entries for a few hundred UIDs; beyond it, no names. */
const ANSWER_LIMIT = 1024 * 1024;

export interface UserNameLookup {
  /** By UID; a UID is absent where the database has no name, or did not answer in time. */
  readonly names: ReadonlyMap<number, string>;
  /** The database did not answer by the deadline: the names are not known. */
  readonly late: boolean;
}

/**
 * The names of `uids`: from /etc/passwd where NSS asks it first, the others asked of NSS by
 * `getent passwd UID...` until `waitMs` have passed.
 */
export function lookUpUserNames(uids: readonly number[], waitMs: number, program = rootProgram(GETENT), nsswitch = '/etc/nsswitch.conf'): UserNameLookup {
  const local = program === null || filesFirst(nsswitch) ? readUserNames() : new Map<number, string>();
  const names = new Map<number, string>();
  for (const uid of uids) if (local.has(uid)) names.set(uid, local.get(uid)!);
  const asked = uids.filter((uid) => !names.has(uid));
  if (asked.length === 0 || program === null) return { names, late: false };
  const answered = askNss(program, asked, waitMs);
  if (answered === 'late') return { names, late: true };
  for (const [uid, name] of answered) names.set(uid, name);
  return { names, late: false };
}

/** Whether NSS asks /etc/passwd before any other source (nsswitch.conf(5): "passwd: files ..."). */
function filesFirst(nsswitch: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(nsswitch, 'utf8');
  } catch {
    return false;
  }
  const sources = /^passwd:[ \t]*(\S+)/m.exec(text)?.[1];
  return sources === 'files';
}

/** getent's answer for `uids`, or 'late' where it did not give it within `waitMs`. */
function askNss(program: string, uids: readonly number[], waitMs: number): Map<number, string> | 'late' {
  // The caller's environment, as the tool's own NSS lookups would have seen it (sudo resets it).
  const answer = spawnSync(program, ['passwd', ...uids.map(String)], {
    cwd: '/',
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: Math.ceil(waitMs),
    killSignal: 'SIGKILL',
    maxBuffer: ANSWER_LIMIT,
  });
  if (answer.error !== undefined && (answer.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return 'late';
  // Exit status 2: some UID has no entry; the others are answered still. An answer cut at the
  // limit ends in part of a line, which is not taken.
  const text = Buffer.from(answer.stdout ?? '', 'latin1').toString('utf8');
  return passwdNames(text.slice(0, text.lastIndexOf('\n') + 1));
}

/** /etc/passwd alone; empty where it cannot be read (the names are then simply absent). */
export function readUserNames(file = '/etc/passwd'): Map<number, string> {
  try {
    return passwdNames(fs.readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/** The names of passwd(5) lines: the first entry for a UID, as getpwuid(3) would give it. */
function passwdNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid !== undefined && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
  }
  return names;
}
