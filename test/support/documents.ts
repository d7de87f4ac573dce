// The JSON document as the tests read it.
import type { JsonDocument, JsonNamespace } from '../../src/render/json.js';

/** Every user namespace of the document by inode, wherever it is in the tree. */
export function byInode(doc: JsonDocument): Map<number, JsonNamespace> {
  const all = new Map<number, JsonNamespace>();
  const walk = (list: JsonNamespace[]): void => list.forEach((ns) => (all.set(ns.ino, ns), walk(ns.children)));
  walk(doc.roots);
  return all;
}
