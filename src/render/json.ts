// The JSON view, for scripts and jq. Key names and their order are part of the interface
// (README, "JSON output"); change them only with the major version. The document is written
// as it is made, a namespace at a time, and every string is escaped by jsonInert.
import {
  containersOf,
  type Container,
  type Holder,
  type IdMapRange,
  type LeftOutReason,
  type NamespaceTree,
  type NamespaceType,
  type NotRead,
  type OwnedNamespace,
  type UnplacedNamespace,
  type UserNamespace,
  type UserNames,
} from '../model.js';
import { jsonInert } from './inert.js';
import { persistentNetnsName } from './words.js';

/** One namespace of the document; `roots` and `children` are lists of these. */
export interface JsonNamespace {
  dev: number;
  ino: number;
  parent: { dev: number; ino: number } | null;
  level: number;
  owner: { uid: number; user: string | null } | null;
  uidMap: readonly IdMapRange[] | null;
  gidMap: readonly IdMapRange[] | null;
  /** Below a root, a map that maps some ID to host UID 0 (GID 0). */
  mapsHostRoot: boolean;
  mapsHostRootGroup: boolean;
  pids: readonly number[];
  processes: readonly JsonProcess[];
  /** The distinct containers of its members (not counting runtime processes), in order of first member. */
  containers: readonly Container[];
  holders: readonly Holder[];
  owned?: JsonOwned[];
  children: JsonNamespace[];
}

export interface JsonProcess {
  pid: number;
  comm: string | null;
  /** Where the view gathered them: the unified cgroup path (else the v1 lines), the command line. */
  cgroup?: string | null;
  cmdline?: readonly string[] | null;
  container?: Container | null;
  runtime?: boolean;
  /** What was not read in time (its value null above), and why: "stalled" or "deadline". */
  notRead?: { cmdline: NotRead };
}

export interface JsonOwned {
  type: NamespaceType;
  dev: number;
  ino: number;
  pids: readonly number[];
  holders: readonly Holder[];
  /** A network namespace bind-mounted at /run/netns/NAME (ip netns): NAME. */
  netns?: string;
}

export interface JsonUnplaced {
  type: NamespaceType;
  dev: number;
  ino: number;
  holders: readonly Holder[];
}

export interface JsonDocument {
  roots: JsonNamespace[];
  /** With --owned only: namespaces whose owner is outside what the tool can see. */
  ownerNotVisible?: JsonOwned[];
  /** Only where there are any: namespaces that holders name but that could not be opened safely. */
  unplaced?: JsonUnplaced[];
  scan: { seen: number; shown: number; leftOut: Record<LeftOutReason, number[]>; cut?: string[] };
}

/** Members first, as holders of kind process, then what else holds it. */
const holdersOf = (pids: readonly number[], others: readonly Holder[]): Holder[] => [
  ...pids.map((pid): Holder => ({ kind: 'process', pid })),
  ...others,
];

function ownedJson(owned: OwnedNamespace): JsonOwned {
  const netns = persistentNetnsName(owned);
  return {
    type: owned.type,
    dev: owned.id.dev,
    ino: owned.id.ino,
    pids: owned.pids,
    holders: holdersOf(owned.pids, owned.holders),
    ...(netns !== null ? { netns } : {}),
  };
}

const unplacedJson = (ns: UnplacedNamespace): JsonUnplaced => ({ type: ns.type, dev: ns.id.dev, ino: ns.id.ino, holders: ns.holders });

function processJson(pid: number, tree: NamespaceTree): JsonProcess {
  const comm = tree.processNames.get(pid) ?? null;
  if (tree.processes === undefined) return { pid, comm };
  const text = tree.processes.get(pid);
  const json: JsonProcess = { pid, comm, cgroup: text?.cgroup ?? null, cmdline: text?.cmdline ?? null, container: text?.container ?? null, runtime: text?.runtime ?? false };
  if (text?.notRead !== undefined) json.notRead = text.notRead;
  return json;
}

export const renderJson = (tree: NamespaceTree, names: UserNames): string => [...jsonChunks(tree, names)].join('');

/** The document as JSON.stringify(document, null, 2) would write it, a namespace at a time. */
export function* jsonChunks(tree: NamespaceTree, names: UserNames): Generator<string> {
  let shown = 0;
  // Each namespace's own keys at once; its children as they come.
  function* namespace(ns: UserNamespace, level: number, indent: string): Generator<string> {
    shown += ns.pids.length;
    const details = ns.details;
    const uid = details?.ownerUid ?? null;
    const own: Omit<JsonNamespace, 'children'> = {
      dev: ns.id.dev,
      ino: ns.id.ino,
      parent: ns.parent === null ? null : { dev: ns.parent.id.dev, ino: ns.parent.id.ino },
      level,
      owner: uid === null ? null : { uid, user: names.get(uid) ?? null },
      uidMap: details?.uidMap ?? null,
      gidMap: details?.gidMap ?? null,
      mapsHostRoot: details?.mapsHostRoot ?? false,
      mapsHostRootGroup: details?.mapsHostRootGroup ?? false,
      pids: ns.pids,
      processes: ns.pids.map((pid) => processJson(pid, tree)),
      containers: containersOf(ns.pids, tree.processes),
      holders: holdersOf(ns.pids, ns.holders),
      ...(details?.owned != null ? { owned: details.owned.map(ownedJson) } : {}),
    };
    const inner = indent + '  ';
    // Its keys, the closing brace left off for "children".
    yield* stringifyChunks(own, indent, false);
    yield `,\n${inner}"children": `;
    yield* list(ns.children, inner, (child, at) => namespace(child, level + 1, at));
    yield `\n${indent}}`;
  }
  yield '{\n  "roots": ';
  yield* list(tree.roots, '  ', (root, at) => namespace(root, 0, at));
  if (tree.ownerNotVisible !== undefined) yield `,\n  "ownerNotVisible": ${stringify(tree.ownerNotVisible.map(ownedJson), '  ')}`;
  if (tree.unplaced.length > 0) yield `,\n  "unplaced": ${stringify(tree.unplaced.map(unplacedJson), '  ')}`;
  const leftOut: JsonDocument['scan']['leftOut'] = { permission: [], vanished: [], error: [] };
  for (const process of tree.report.leftOut) leftOut[process.reason].push(process.pid);
  const scan: JsonDocument['scan'] = { seen: tree.report.visited, shown, leftOut };
  if (tree.report.cut.length > 0) scan.cut = [...tree.report.cut];
  yield `,\n  "scan": ${stringify(scan, '  ')}\n}\n`;
}

/** JSON.stringify(value, null, 2) for a value that starts at `indent` (an even number of spaces). */
function stringify(value: unknown, indent: string): string {
  // Wrapped in one list for each level, JSON.stringify indents it natively, where a replace of
  // each newline would cost as much again as the stringify (measured: 21 ms a megabyte).
  const depth = indent.length / 2;
  let wrapped = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const text = jsonInert(JSON.stringify(wrapped, null, 2));
  // Each level i (1..depth) adds "[\n" and 2i spaces before, "\n", 2(i-1) spaces and "]" after.
  const before = 2 * depth + depth * (depth + 1);
  const after = 2 * depth + depth * (depth - 1);
  return text.slice(before, text.length - after);
}

/** Lists longer than this are written a part at a time: a namespace may own one with every process in it. */
const LONG = 1000;

const big = (value: unknown): boolean =>
  Array.isArray(value) ? value.length > LONG || value.some(big) : value !== null && typeof value === 'object' && Object.values(value).some(big);

/**
 * stringify(value, indent) in parts, each of them small where the value holds long lists; an
 * object's closing brace left off where `close` is false.
 */
function* stringifyChunks(value: unknown, indent: string, close = true): Generator<string> {
  if (!big(value)) {
    // One JSON.stringify; an object left open loses its "\n" + indent + "}".
    const text = stringify(value, indent);
    return yield close ? text : text.slice(0, -(indent.length + 2));
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    // LONG items at a time, each slice one JSON.stringify without its brackets; an item that
    // holds a long list itself in parts.
    for (let i = 0; i < value.length; ) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      if (big(value[i])) {
        yield* stringifyChunks(value[i], inner);
        i += 1;
        continue;
      }
      let end = i + 1;
      while (end < value.length && end - i < LONG && !big(value[end])) end++;
      const slice = stringify(value.slice(i, end), indent);
      yield slice.slice(2 + inner.length, slice.length - 2 - indent.length);
      i = end;
    }
    return yield `\n${indent}]`;
  }
  // As JSON.stringify does: keys whose value is undefined are left out.
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return yield '{}';
  for (const [i, [key, v]] of entries.entries()) {
    yield `${i === 0 ? '{' : ','}\n${inner}${jsonInert(JSON.stringify(key))}: `;
    yield* stringifyChunks(v, inner);
  }
  if (close) yield `\n${indent}}`;
}

/** A JSON list whose items are written by `item`, each starting at the list's indent + 2. */
function* list<T>(items: readonly T[], indent: string, item: (value: T, indent: string) => Generator<string>): Generator<string> {
  if (items.length === 0) return yield '[]';
  const inner = indent + '  ';
  for (const [i, value] of items.entries()) {
    yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
    yield* item(value, inner);
  }
  yield `\n${indent}]`;
}
