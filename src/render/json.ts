// The JSON view, for scripts and jq. Key names and their order are part of the interface
// (README, "JSON output"); change them only with the major version.
import type { UserNames } from '../accounts';
import type { IdMapRange, LeftOutReason, NamespaceTree, UserNamespace } from '../model';

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
  children: JsonNamespace[];
}

export interface JsonDocument {
  roots: JsonNamespace[];
  scan: { seen: number; shown: number; leftOut: Record<LeftOutReason, number[]> };
}

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
      children: ns.children.map((child) => toJson(child, level + 1)),
    };
  };
  const roots = tree.roots.map((root) => toJson(root, 0));
  const document: JsonDocument = { roots, scan: { seen: tree.report.visited, shown, leftOut } };
  return JSON.stringify(document, null, 2) + '\n';
}
