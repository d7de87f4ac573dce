// --pid and --container: the namespaces that hold some processes, with their ancestors. A view
// of the model.
import { containerMatches } from './containers/recognise.js';
import { allNamespaces, type NamespaceTree, type UserNamespace } from './model.js';

export interface PidFilterResult {
  readonly tree: NamespaceTree;
  /** Asked-for PIDs that are in no namespace of the tree. */
  readonly missing: readonly number[];
}

export function namespacesHolding(tree: NamespaceTree, pids: readonly number[]): PidFilterResult {
  const holder = new Map<number, UserNamespace>();
  for (const ns of allNamespaces(tree)) for (const pid of ns.pids) holder.set(pid, ns);
  const keep = new Set<UserNamespace>();
  const missing: number[] = [];
  for (const pid of pids) {
    const ns = holder.get(pid);
    if (ns === undefined) missing.push(pid);
    for (let up: UserNamespace | null = ns ?? null; up !== null && !keep.has(up); up = up.parent) keep.add(up);
  }
  const copy = (ns: UserNamespace, parent: UserNamespace | null): UserNamespace => {
    const kept: UserNamespace = { ...ns, parent, children: [] };
    for (const child of ns.children) if (keep.has(child)) kept.children.push(copy(child, kept));
    return kept;
  };
  const roots = tree.roots.filter((root) => keep.has(root)).map((root) => copy(root, null));
  const processes = tree.processes !== undefined ? { processes: tree.processes } : {};
  const userNames = tree.userNames !== undefined ? { userNames: tree.userNames } : {};
  return { tree: { roots, report: tree.report, processNames: tree.processNames, ...userNames, ...processes, unplaced: [] }, missing };
}

export interface ContainerFilterResult {
  readonly tree: NamespaceTree;
  /** Asked-for containers that no process is in. */
  readonly missing: readonly string[];
}

/** The namespaces of the processes in these containers (by name, or the start of an ID). */
export function namespacesOfContainers(tree: NamespaceTree, wanted: readonly string[]): ContainerFilterResult {
  const pids: number[] = [];
  const found = new Set<string>();
  for (const [pid, text] of tree.processes ?? []) {
    const container = text.container;
    if (container === null) continue;
    const matched = wanted.filter((w) => containerMatches(container, w));
    if (matched.length === 0) continue;
    pids.push(pid);
    for (const w of matched) found.add(w);
  }
  return { tree: namespacesHolding(tree, pids).tree, missing: wanted.filter((w) => !found.has(w)) };
}
