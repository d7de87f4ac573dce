// The original userns_overview.go's text, byte for byte (OUTPUT.md in the project's notes):
// scripts written against that program read this.
import type { NamespaceTree, UserNamespace } from '../model.js';

export function renderCompat(tree: NamespaceTree): string {
  const out: string[] = [];
  for (const root of tree.roots) if (root.viaProcesses) renderNamespace(root, 0, out);
  return out.join('');
}

function renderNamespace(ns: UserNamespace, level: number, out: string[]): void {
  const indent = ' '.repeat(level * 4);
  // Go's fmt.Println of the {device inode} struct.
  out.push(`${indent}{${ns.id.dev} ${ns.id.ino}}\n`);
  out.push(wrapPids(ns.pids, indent), '\n');
  // The original sees only what member processes lead to.
  for (const child of ns.children) if (child.viaProcesses) renderNamespace(child, level + 1, out);
}

/**
 * The original's own wrapping arithmetic, kept exactly: a line is broken once its notional
 * column reaches 80 and has passed base + 32, so deep levels still get 33 columns of PIDs.
 */
export function wrapPids(pids: readonly number[], indent: string): string {
  const base = indent.length + 25;
  let col = base;
  let text = '';
  for (let i = 0; i < pids.length; i++) {
    if (i === 0 || (col >= 80 && col > base + 32)) {
      col = base;
      text += i === 0 ? `${indent}            PIDs: ` : `\n${indent}                  `;
    }
    const pid = String(pids[i]);
    text += pid + ' ';
    col += pid.length + 1;
  }
  return text;
}
