// User names for the owners of namespaces, from /etc/passwd, read once.
import * as fs from 'node:fs';

export type UserNames = ReadonlyMap<number, string>;

/** UID to name; empty where the file cannot be read (the names are then simply absent). */
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
