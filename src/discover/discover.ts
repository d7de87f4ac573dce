// Discovery: the steps that turn the kernel's view into the model, run in order over one
// shared state. The order says what depends on what: processes, then their namespaces'
// places (hierarchy), then what else keeps namespaces alive (holders), then what the views
// show of each (details), then which container each member is in (containers), then what the
// warnings need to know (viewer).
import type { Kernel } from '../kernel/kernel.js';
import { lazy } from '../lazy.js';
import { byTypeThenInode, type NamespaceTree, type OwnedNamespace, type UnplacedNamespace, type Viewer } from '../model.js';
import { discoverHierarchy } from './hierarchy.js';
import { discoverProcesses } from './processes.js';
import { DEADLINE_MS, Discovery, type DiscoveryOptions } from './state.js';

/** The least a lookup of names is given: a helper takes a few ms to start. */
const NAMES_WAIT_MS = 250;

// compat needs neither: loading them would only slow its start-up.
const holdersStep = lazy(() => require('./holders.js') as typeof import('./holders.js'));
const detailsStep = lazy(() => require('./details.js') as typeof import('./details.js'));
const containersStep = lazy(() => require('./containers.js') as typeof import('./containers.js'));

export type { DiscoveryOptions } from './state.js';

export function discover(kernel: Kernel, options: DiscoveryOptions): NamespaceTree {
  const d = new Discovery(kernel, options);
  discoverProcesses(d);
  discoverHierarchy(d);
  if (options.holders || options.owned !== undefined) holdersStep().discoverHolders(d);
  const processNames = options.details ? detailsStep().discoverDetails(d) : new Map<number, string>();
  const processes = options.containers === true ? containersStep().discoverContainers(d) : undefined;
  const userNames = options.details ? discoverUserNames(d) : undefined;
  for (const ns of d.placed) ns.pids.sort((a, b) => a - b);
  d.leftOut.sort((a, b) => a.pid - b.pid);
  const tree: NamespaceTree = {
    roots: d.roots,
    report: { visited: d.pidEntries.length, leftOut: d.leftOut, viewer: discoverViewer(d), cut: d.cut },
    processNames,
    ...(userNames !== undefined ? { userNames } : {}),
    ...(processes !== undefined ? { processes } : {}),
    unplaced: unplaced(d),
  };
  return options.owned === undefined ? tree : { ...tree, ownerNotVisible: ownerNotVisible(d) };
}

/**
 * The owners' names, looked up before anything is shown, by the run's deadline (with time for a
 * helper to start, where the run came here late): a user database that does not answer leaves
 * the owners shown by UID, and says so.
 */
function discoverUserNames(d: Discovery): ReadonlyMap<number, string> {
  const uids = new Set<number>();
  for (const ns of d.placed) if (ns.details?.ownerUid != null) uids.add(ns.details.ownerUid);
  const waitMs = Math.max(d.started + DEADLINE_MS - performance.now(), NAMES_WAIT_MS);
  const { names, late } = d.kernel.userNames([...uids].sort((a, b) => a - b), waitMs);
  if (late) d.cut.push(`owners' names not read: the user database did not answer within ${DEADLINE_MS / 1000} s; those owners are shown by UID`);
  return names;
}

/** Step 6: who looked, as far as it explains what could not be seen. */
function discoverViewer(d: Discovery): Viewer {
  const root = process.getuid?.() === 0;
  return {
    root,
    // Each costs a read, asked only where a warning could use it.
    insideUserNamespace: d.leftOut.length > 0 && d.kernel.procfs.insideUserNamespace(),
    hidesOtherUsers: !root && d.kernel.procfs.hidesOtherUsers(),
  };
}

/**
 * Namespaces that holders named but that could not be opened safely. One placed after all
 * (through another holder) takes its holders there; the rest are listed as unplaced (other
 * types only where --owned asks for them).
 */
function unplaced(d: Discovery): UnplacedNamespace[] {
  const left: UnplacedNamespace[] = [];
  for (const entry of d.unplaced.values()) {
    if (entry.type === 'user') {
      const ns = d.known(entry.id);
      if (ns !== undefined) ns.holders.push(...entry.holders);
      else left.push(entry);
      continue;
    }
    const owned = d.ownedOf({ type: entry.type, ino: entry.id.ino });
    if (owned !== undefined) owned.namespace.holders.push(...entry.holders);
    else if (d.options.owned?.has(entry.type) === true) left.push(entry);
  }
  return left;
}

function ownerNotVisible(d: Discovery): OwnedNamespace[] {
  const list: OwnedNamespace[] = [];
  for (const { namespace, owner } of d.owned.values()) {
    if (owner === null && d.options.owned!.has(namespace.type)) list.push({ ...namespace, pids: namespace.pids.sort((a, b) => a - b) });
  }
  return list.sort(byTypeThenInode);
}
