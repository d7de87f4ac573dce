// A strict reader of the compat format, for checking runs whose exact output cannot be known
// in advance (processes coming and going). Throws on any line the contract does not allow.
import { newUserNamespace, type NamespaceTree, type UserNamespace } from '../../src/model.js';
import { tree } from './models.js';

const ID_LINE = /^((?: {4})*)\{(\d+) (\d+)\}$/;

export function parseCompat(text: string): NamespaceTree {
  if (!text.endsWith('\n')) throw new Error('output does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const roots: UserNamespace[] = [];
  const stack: UserNamespace[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < lines.length) {
    const id = ID_LINE.exec(lines[i]!);
    if (id === null) throw new Error(`line ${i + 1}: expected a namespace line: ${JSON.stringify(lines[i])}`);
    const level = id[1]!.length / 4;
    if (level > stack.length) throw new Error(`line ${i + 1}: level ${level} below level ${stack.length - 1}`);
    const key = `${id[2]} ${id[3]}`;
    if (seen.has(key)) throw new Error(`line ${i + 1}: namespace {${key}} appears twice`);
    seen.add(key);
    const ns = newUserNamespace({ dev: Number(id[2]), ino: Number(id[3]) });
    stack.length = level;
    const parent = stack[level - 1] ?? null;
    ns.parent = parent;
    (parent === null ? roots : parent.children).push(ns);
    stack.push(ns);
    i += 1;
    i = readPids(lines, i, id[1]!, ns.pids);
  }
  return tree(...roots);
}

/** The PID lines after a namespace line: exactly one empty line, or the wrapped list. */
function readPids(lines: string[], i: number, indent: string, pids: number[]): number {
  const first = lines[i];
  if (first === undefined) throw new Error(`line ${i + 1}: missing PID line`);
  if (first === '') return i + 1;
  const head = `${indent}            PIDs: `;
  const more = `${indent}                  `;
  if (!first.startsWith(head)) throw new Error(`line ${i + 1}: expected "PIDs:" at indent ${indent.length}`);
  let line: string | undefined = first.slice(head.length);
  for (;;) {
    if (!/^(\d+ )+$/.test(line)) throw new Error(`line ${i + 1}: malformed PID list ${JSON.stringify(line)}`);
    pids.push(...line.trim().split(' ').map(Number));
    i += 1;
    line = lines[i];
    if (line === undefined || !line.startsWith(more) || !/^\d/.test(line.slice(more.length))) break;
    line = line.slice(more.length);
  }
  for (let k = 1; k < pids.length; k++) {
    if (pids[k]! <= pids[k - 1]!) throw new Error(`PIDs not sorted: ${pids[k - 1]} before ${pids[k]}`);
  }
  return i;
}
