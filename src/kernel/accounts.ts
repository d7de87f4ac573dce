// User names for the owners of namespaces: from the system's user database through the FFI
// library, or, where no library is loaded, from /etc/passwd, read once.
import fs from 'node:fs';
import type { UserNames } from '../model.js';
import type { Libc } from './libc.js';

/** getpwuid_r(3) for each UID asked, once. */
export function userDatabase(libc: Libc): UserNames {
  const known = new Map<number, string | null>();
  return {
    get(uid) {
      if (!known.has(uid)) known.set(uid, libc.userName(uid));
      return known.get(uid) ?? undefined;
    },
  };
}

/** /etc/passwd alone; empty where it cannot be read (the names are then simply absent). */
export function readUserNames(file = '/etc/passwd'): UserNames {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    // The first entry for a UID is the one getpwuid(3) would give.
    if (name && uid !== undefined && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
  }
  return names;
}
