// What a holder leads to: the namespace it keeps alive, placed in the tree (a user namespace)
// or filed under its owner (any other type), and the hold recorded. Shared by every source.
import type { HeldNamespace } from '../kernel/namespace-files.js';
import { NotTheNamespace } from '../kernel/namespace-files.js';
import { OWNER_NOT_VISIBLE } from '../kernel/ioctl-ns.js';
import { NO_LISTMOUNT } from '../kernel/mounts.js';
import { couldNotRead, type NamespaceLink, type OpenNamespace } from '../kernel/procfs.js';
import type { Holder, UserNamespace } from '../model.js';
import { placeOpened } from './hierarchy.js';
import type { Discovery } from './state.js';

/**
 * The namespace named by `link` is kept alive by `holder`. `open` opens it safely, and is
 * called only where the namespace is new: a known one is recognised by the link's inode.
 */
export function held(d: Discovery, link: NamespaceLink, holder: Holder, open: () => HeldNamespace): void {
  if (link.type === 'user') heldUserNamespace(d, link, holder, open);
  else heldOwnedNamespace(d, link, holder, open);
}

function heldUserNamespace(d: Discovery, link: NamespaceLink, holder: Holder, open: () => HeldNamespace): void {
  let ns = d.known({ dev: d.nsfsDev, ino: link.ino });
  if (ns === undefined) {
    const opened = openNamed(d, link, open);
    if (opened === null) return;
    if (opened instanceof NotTheNamespace) return d.unplace(link, { ...holder, unverified: opened.why });
    ns = placeOpened(d, opened);
  }
  hold(ns, holder);
}

function heldOwnedNamespace(d: Discovery, link: NamespaceLink, holder: Holder, open: () => HeldNamespace): void {
  let entry = d.ownedOf(link);
  if (entry === undefined) {
    const opened = openNamed(d, link, open);
    if (opened === null) return;
    if (opened instanceof NotTheNamespace) return d.unplace(link, { ...holder, unverified: opened.why });
    entry = { namespace: { type: link.type, id: opened.id, pids: [], holders: [] }, owner: ownerOf(d, opened.fd), heldOwner: false };
    // Its mounts may hold more: the mount namespaces source reads them by this ID.
    if (link.type === 'mnt') d.heldMountNamespaces.set(link.ino, { id: mountNamespaceId(d, opened.fd), holder, reopen: open });
    d.kernel.procfs.closeDescriptor(opened.fd);
    d.fileOwned(link, entry);
  }
  if (d.options.owned !== undefined) {
    if (holder.kind === 'process' && holder.pid !== null) entry.namespace.pids.push(holder.pid);
    else entry.namespace.holders.push(holder);
  }
  // An owned namespace keeps its owner alive: say so where nothing else visibly does.
  if (entry.owner !== null && entry.owner.pids.length === 0 && !entry.heldOwner) {
    entry.heldOwner = true;
    hold(entry.owner, { ...holder, via: { type: link.type, ino: link.ino } });
  }
}

/**
 * The namespace the link named, opened; null where it is gone since, not ours to open, or
 * (a process's own link, which moves with it) another namespace by now.
 */
function openNamed(d: Discovery, link: NamespaceLink, open: () => HeldNamespace): OpenNamespace | NotTheNamespace | null {
  const opened = open();
  if (couldNotRead(opened)) return null;
  if (opened instanceof NotTheNamespace || opened.id.ino === link.ino) return opened;
  d.kernel.procfs.closeDescriptor(opened.fd);
  return null;
}

function mountNamespaceId(d: Discovery, fd: number): bigint | null {
  const id = d.kernel.mounts().idOf(fd);
  return id === NO_LISTMOUNT ? null : id;
}

/** NS_GET_USERNS: the owning user namespace, placed in the tree; null where not visible. */
function ownerOf(d: Discovery, fd: number): UserNamespace | null {
  const owner = d.kernel.ioctls().ownerNamespaceOf(fd);
  if (owner === OWNER_NOT_VISIBLE) return null;
  return placeOpened(d, { fd: owner, id: d.kernel.procfs.identify(owner) });
}

/** Member processes are kept once, in pids; a holder list holds the rest. */
function hold(ns: UserNamespace, holder: Holder): void {
  if (holder.kind === 'process' && holder.via === undefined) return;
  ns.holders.push(holder);
}
