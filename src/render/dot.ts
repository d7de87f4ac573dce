// The hierarchy as a Graphviz graph: `userns-overview --format dot | dot -Tsvg > ns.svg`.
// User namespaces are boxes; those that only holders keep alive are dashed; owned namespaces,
// where asked for, are small ellipses joined to their owner by dotted lines.
import { containerLabel } from '../containers/recognise.js';
import { containersOf, type NamespaceTree, type OwnedNamespace, type UserNamespace, type UserNames } from '../model.js';
import { inert } from './inert.js';
import { describeHolder, describeUnplaced, ownerName, processCount, UNPLACED_HEADING } from './words.js';

/** A DOT double-quoted string: controls made inert, backslash and quote escaped, lines as \n. */
const quoted = (text: string): string => `"${text.split('\n').map((line) => inert(line).replace(/[\\"]/g, '\\$&')).join('\\n')}"`;
const userNode = (ns: UserNamespace): string => quoted(`user:${ns.id.ino}`);
const ownedNode = (owned: { type: string; id: { ino: number } }): string => quoted(`${owned.type}:${owned.id.ino}`);

export const renderDot = (tree: NamespaceTree, names: UserNames): string => [...dotChunks(tree, names)].join('');

export function* dotChunks(tree: NamespaceTree, names: UserNames): Generator<string> {
  const comms = tree.processNames;
  yield 'digraph userns {\n  rankdir=TB;\n  node [fontname="monospace"];\n';
  const ownedShown = new Set<string>();
  const owned = (list: readonly OwnedNamespace[], owner: string | null): string => {
    let out = '';
    for (const o of list) {
      const node = ownedNode(o);
      if (!ownedShown.has(node)) {
        ownedShown.add(node);
        out += `  ${node} [shape=ellipse, fontsize=10, label=${quoted(`${o.type} ${o.id.ino}\n${processCount(o.pids.length)}`)}];\n`;
      }
      if (owner !== null) out += `  ${owner} -> ${node} [style=dotted, arrowhead=none];\n`;
    }
    return out;
  };
  function* visit(ns: UserNamespace): Generator<string> {
    const owner = ownerName(ns, names);
    const count = processCount(ns.pids.length);
    const held = ns.pids.length === 0 ? ns.holders.map((h) => `\n${describeHolder(h, comms)}`).join('') : '';
    const style = ns.viaProcesses ? '' : ', style=dashed';
    const marks = [
      ...(ns.details?.mapsHostRoot === true ? ['maps host root'] : []),
      ...(ns.details?.mapsHostRootGroup === true ? ['maps host root group'] : []),
      ...containersOf(ns.pids, tree.processes).map((c) => containerLabel(c)),
    ].map((line) => `\n${line}`).join('');
    const colour = ns.details?.mapsHostRoot === true || ns.details?.mapsHostRootGroup === true ? ', color=red' : '';
    let out = `  ${userNode(ns)} [shape=box${style}, label=${quoted(`${ns.id.ino}\n${owner}\n${count}${marks}${held}`)}${colour}];\n`;
    if (ns.parent !== null) out += `  ${userNode(ns.parent)} -> ${userNode(ns)};\n`;
    yield out + owned(ns.details?.owned ?? [], userNode(ns));
    for (const child of ns.children) yield* visit(child);
  }
  for (const root of tree.roots) yield* visit(root);
  if (tree.ownerNotVisible !== undefined && tree.ownerNotVisible.length > 0) {
    yield `  "owner not visible" [shape=box, style=dotted];\n` + owned(tree.ownerNotVisible, '"owner not visible"');
  }
  if (tree.unplaced.length > 0) {
    yield `  ${quoted(UNPLACED_HEADING)} [shape=box, style=dotted];\n`;
    for (const ns of tree.unplaced) {
      const node = ownedNode(ns);
      yield `  ${node} [shape=box, style=dashed, label=${quoted(describeUnplaced(ns, comms).join('\n'))}];\n  ${quoted(UNPLACED_HEADING)} -> ${node} [style=dotted, arrowhead=none];\n`;
    }
  }
  yield '}\n';
}
