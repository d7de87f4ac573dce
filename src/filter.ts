// --pid: the namespaces that hold some processes, with their ancestors. A view of the model.
import { allNamespaces, type NamespaceTree, type UserNamespace } from './model';

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
  return { tree: { roots, report: tree.report, processNames: tree.processNames, unplaced: [] }, missing };
}
