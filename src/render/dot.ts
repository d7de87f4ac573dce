// The hierarchy as a Graphviz graph: `userns-overview --format dot | dot -Tsvg > ns.svg`.
// User namespaces are boxes; those that only holders keep alive are dashed; owned namespaces,
// where asked for, are small ellipses joined to their owner by dotted lines.
import type { UserNames } from '../accounts';
import type { NamespaceTree, OwnedNamespace, UserNamespace } from '../model';
import { describeHolder, heldBy, ownerName, processCount, processNames } from './holders';

/** A DOT double-quoted string: backslash and quote escaped, newlines as \n. */
const quoted = (text: string): string => `"${text.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
const userNode = (ns: UserNamespace): string => quoted(`user:${ns.id.ino}`);
const ownedNode = (owned: OwnedNamespace): string => quoted(`${owned.type}:${owned.id.ino}`);

export function renderDot(tree: NamespaceTree, names: UserNames): string {
  const comms = processNames(tree);
  const out = ['digraph userns {', '  rankdir=TB;', '  node [fontname="monospace"];'];
  const ownedShown = new Set<string>();
  const owned = (list: readonly OwnedNamespace[], owner: string | null): void => {
    for (const o of list) {
      const node = ownedNode(o);
      if (!ownedShown.has(node)) {
        ownedShown.add(node);
        out.push(`  ${node} [shape=ellipse, fontsize=10, label=${quoted(`${o.type} ${o.id.ino}\n${processCount(o.pids.length)}`)}];`);
      }
      if (owner !== null) out.push(`  ${owner} -> ${node} [style=dotted, arrowhead=none];`);
    }
  };
  const visit = (ns: UserNamespace): void => {
    const owner = ownerName(ns, names);
    const count = processCount(ns.pids.length);
    const held = ns.pids.length === 0 ? heldBy(ns).map((h) => `\n${describeHolder(h, comms)}`).join('') : '';
    const style = ns.viaProcesses ? '' : ', style=dashed';
    out.push(`  ${userNode(ns)} [shape=box${style}, label=${quoted(`${ns.id.ino}\n${owner}\n${count}${held}`)}];`);
    if (ns.parent !== null) out.push(`  ${userNode(ns.parent)} -> ${userNode(ns)};`);
    owned(ns.details?.owned ?? [], userNode(ns));
    ns.children.forEach(visit);
  };
  tree.roots.forEach(visit);
  if (tree.ownerNotVisible !== undefined && tree.ownerNotVisible.length > 0) {
    out.push(`  "owner not visible" [shape=box, style=dotted];`);
    owned(tree.ownerNotVisible, '"owner not visible"');
  }
  out.push('}');
  return out.join('\n') + '\n';
}
