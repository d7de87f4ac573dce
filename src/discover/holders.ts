// Step 3: what keeps namespaces alive besides member processes (namespaces(7), "Namespace
// lifetime"), source by source, each in its own file under sources/. Every source visits each
// process in turn, in the order of the PID entries, so that what is found first (and so the
// order of children and holders) does not depend on how the sources are split.
import { descriptors } from './sources/descriptors.js';
import { forChildren } from './sources/for-children.js';
import { mountNamespaces } from './sources/mount-namespaces.js';
import { namespaceLinks } from './sources/namespace-links.js';
import { sockets } from './sources/sockets.js';
import { threads } from './sources/threads.js';
import type { Discovery, HolderSource, ProcessVisit } from './state.js';

/**
 * In this order: namespace links first, since the others compare with the process's own
 * namespaces; descriptors before sockets, which asks the sockets that descriptors met.
 */
const SOURCES: readonly HolderSource[] = [namespaceLinks, forChildren, descriptors, sockets, mountNamespaces, threads];

export function discoverHolders(d: Discovery): void {
  d.phase = 'holders';
  const readers = SOURCES.map((source) => source(d)).filter((reader) => reader !== null);
  for (const [pid, reading] of d.readings) {
    const process: ProcessVisit = { pid, reading, own: new Map(), sockets: [] };
    for (const read of readers) read(process);
  }
  d.finish();
}
