// The JSON view, for scripts and jq. Key names and their order are part of the interface
// (README, "JSON output"); change them only with the major version.
import type { UserNames } from '../accounts';
import type { Holder, IdMapRange, LeftOutReason, NamespaceTree, NamespaceType, OwnedNamespace, UserNamespace } from '../model';

/** One namespace of the document; `roots` and `children` are lists of these. */
export interface JsonNamespace {
  dev: number;
  ino: number;
  parent: { dev: number; ino: number } | null;
  level: number;
  owner: { uid: number; user: string | null } | null;
  uidMap: readonly IdMapRange[] | null;
  gidMap: readonly IdMapRange[] | null;
  pids: readonly number[];
  processes: readonly { pid: number; comm: string | null }[];
  holders: readonly Holder[];
  owned?: JsonOwned[];
  children: JsonNamespace[];
}

export interface JsonOwned {
  type: NamespaceType;
  dev: number;
  ino: number;
  pids: readonly number[];
  holders: readonly Holder[];
}

export interface JsonDocument {
  roots: JsonNamespace[];
  /** With --owned only: namespaces whose owner is outside what the tool can see. */
  ownerNotVisible?: JsonOwned[];
  scan: { seen: number; shown: number; leftOut: Record<LeftOutReason, number[]> };
}

const ownedJson = (owned: OwnedNamespace): JsonOwned => ({
  type: owned.type,
  dev: owned.id.dev,
  ino: owned.id.ino,
  pids: owned.pids,
  holders: owned.holders,
});

export function renderJson(tree: NamespaceTree, names: UserNames): string {
  const leftOut: JsonDocument['scan']['leftOut'] = { permission: [], vanished: [], error: [] };
  for (const process of tree.report.leftOut) leftOut[process.reason].push(process.pid);
  let shown = 0;
  const toJson = (ns: UserNamespace, level: number): JsonNamespace => {
    shown += ns.pids.length;
    const details = ns.details;
    const uid = details?.ownerUid ?? null;
    return {
      dev: ns.id.dev,
      ino: ns.id.ino,
      parent: ns.parent === null ? null : { dev: ns.parent.id.dev, ino: ns.parent.id.ino },
      level,
      owner: uid === null ? null : { uid, user: names.get(uid) ?? null },
      uidMap: details?.uidMap ?? null,
      gidMap: details?.gidMap ?? null,
      pids: ns.pids,
      processes: details?.processes ?? ns.pids.map((pid) => ({ pid, comm: null })),
      holders: details?.holders ?? ns.pids.map((pid) => ({ kind: 'process', pid })),
      ...(details?.owned != null ? { owned: details.owned.map(ownedJson) } : {}),
      children: ns.children.map((child) => toJson(child, level + 1)),
    };
  };
  const roots = tree.roots.map((root) => toJson(root, 0));
  const document: JsonDocument = {
    roots,
    ...(tree.ownerNotVisible !== undefined ? { ownerNotVisible: tree.ownerNotVisible.map(ownedJson) } : {}),
    scan: { seen: tree.report.visited, shown, leftOut },
  };
  return JSON.stringify(document, null, 2) + '\n';
}
