// Hand-built models for the renderers' tests: no kernel involved.
import { newUserNamespace, type NamespaceTree, type UserNamespace } from '../../src/model.js';

/** A namespace on nsfs device 4 with the given inode, members and children. */
export function ns(ino: number, pids: number[], children: UserNamespace[] = []): UserNamespace {
  const node = newUserNamespace({ dev: 4, ino });
  node.pids.push(...pids);
  for (const child of children) {
    child.parent = node;
    node.children.push(child);
  }
  return node;
}

/** A tree of these roots, with an empty report, no process names and nothing unplaced. */
export function tree(...roots: UserNamespace[]): NamespaceTree {
  return {
    roots,
    report: { visited: 0, leftOut: [], viewer: { root: true, insideUserNamespace: false, hidesOtherUsers: false }, cut: [] },
    processNames: new Map(),
    unplaced: [],
  };
}

/** A namespace `depth` levels below a member-less chain from the root. */
export function atDepth(depth: number, leaf: UserNamespace): UserNamespace {
  let node = leaf;
  for (let level = depth - 1; level >= 0; level--) node = ns(4026532000 + level, [], [node]);
  return node;
}
