// The drawn tree, for people at a terminal: one header line a namespace (inode, owner, how
// many processes, UID map, what audit should look at, its containers), then its processes as
// "PID comm", folded to the width.
import { containerLabel } from '../containers/recognise.js';
import { containersOf, type IdMapRange, type NamespaceTree, type OwnedNamespace, type ProcessText, type UserNamespace, type UserNames } from '../model.js';
import { displayWidth } from './columns.js';
import { inert } from './inert.js';
import { describeHolder, describeUnplaced, ownerName, persistentNetnsName, processCount, UNPLACED_HEADING } from './words.js';

export interface TreeStyle {
  /** Columns to fold process lists to. */
  readonly width: number;
  readonly color: boolean;
  /** Plain ASCII glyphs instead of box drawing. */
  readonly ascii: boolean;
}

interface Glyphs {
  readonly branch: string;
  readonly last: string;
  readonly pipe: string;
  readonly blank: string;
  readonly arrow: string;
  readonly times: string;
  readonly ellipsis: string;
}

const UNICODE: Glyphs = { branch: '├─ ', last: '└─ ', pipe: '│  ', blank: '   ', arrow: '→', times: '×', ellipsis: '…' };
const ASCII: Glyphs = { branch: '|- ', last: '`- ', pipe: '|  ', blank: '   ', arrow: '->', times: 'x', ellipsis: '...' };

/** The audit marks of a header: words, so that they show without colour too. */
export const MAPS_HOST_ROOT = 'maps host root';
export const MAPS_HOST_ROOT_GROUP = 'maps host root group';

// SGR codes; text is measured before it is coloured.
const paint = (on: boolean, code: string, text: string): string => (on && text !== '' ? `\x1b[${code}m${text}\x1b[0m` : text);

export const renderTree = (tree: NamespaceTree, names: UserNames, style: TreeStyle): string => [...treeChunks(tree, names, style)].join('');

/** The tree, a namespace's lines at a time. */
export function* treeChunks(tree: NamespaceTree, names: UserNames, style: TreeStyle): Generator<string> {
  const glyphs = style.ascii ? ASCII : UNICODE;
  const dim = (text: string): string => paint(style.color, '2', text);
  const comms = tree.processNames;
  const ownedLines = (owned: readonly OwnedNamespace[], lead: string): string =>
    owned.map((o) => dim(lead) + inert(describeOwned(o, comms)) + '\n').join('');

  function* visit(ns: UserNamespace, lead: string, branch: string, below: string): Generator<string> {
    let out = dim(lead + branch) + header(ns, names, glyphs, style.color, tree.processes) + '\n';
    const under = lead + below;
    const processLead = under + (ns.children.length > 0 ? glyphs.pipe : glyphs.blank);
    const notes = processNotes(ns, tree.processes, glyphs);
    for (const line of foldProcesses(ns, comms, notes, style.width - processLead.length, style.color)) out += dim(processLead) + line + '\n';
    // A namespace without members is alive because something holds it: say what.
    if (ns.pids.length === 0) for (const holder of ns.holders) out += dim(processLead) + describeHolder(holder, comms) + '\n';
    yield out + ownedLines(ns.details?.owned ?? [], processLead);
    for (const [i, child] of ns.children.entries()) {
      const last = i === ns.children.length - 1;
      yield* visit(child, under, last ? glyphs.last : glyphs.branch, last ? glyphs.blank : glyphs.pipe);
    }
  }
  for (const root of tree.roots) yield* visit(root, '', '', '');
  if (tree.ownerNotVisible !== undefined && tree.ownerNotVisible.length > 0) {
    yield '(owner not visible)\n' + ownedLines(tree.ownerNotVisible, glyphs.blank);
  }
  if (tree.unplaced.length > 0) {
    yield UNPLACED_HEADING + '\n';
    for (const ns of tree.unplaced) {
      const [head, ...holders] = describeUnplaced(ns, comms);
      yield dim(glyphs.blank) + head + '\n' + holders.map((line) => dim(glyphs.blank + glyphs.blank) + line + '\n').join('');
    }
  }
}

/**
 * "owns net 4026532008  netns blue  2 processes: 5 sleep, 21 sleep", or what holds it where no
 * process is in it. Foreign text: the caller makes it inert.
 */
function describeOwned(owned: OwnedNamespace, comms: ReadonlyMap<number, string>): string {
  const netns = persistentNetnsName(owned);
  const head = `owns ${owned.type} ${owned.id.ino}${netns === null ? '' : `  netns ${netns}`}`;
  if (owned.pids.length > 0) {
    const members = owned.pids.map((pid) => `${pid} ${comms.get(pid) ?? '?'}`).join(', ');
    return `${head}  ${processCount(owned.pids.length)}: ${members}`;
  }
  const [first, ...rest] = owned.holders;
  if (first === undefined) return head;
  return `${head}  ${describeHolder(first, comms)}${rest.length > 0 ? ` and ${rest.length} more` : ''}`;
}

function header(ns: UserNamespace, names: UserNames, glyphs: Glyphs, color: boolean, processes?: ReadonlyMap<number, ProcessText>): string {
  const owner = ownerName(ns, names);
  const count = processCount(ns.pids.length, 'no processes');
  const uidMap = `uid ${shortMap(ns.details?.uidMap ?? null, glyphs)}`;
  const parts = [paint(color, '1', String(ns.id.ino)), paint(color, '32', owner), paint(color, '2', `${count}  ${uidMap}`)];
  // Audit marks in red: whoever is that ID inside is root on the host.
  if (ns.details?.mapsHostRoot === true) parts.push(paint(color, '31', MAPS_HOST_ROOT));
  if (ns.details?.mapsHostRootGroup === true) parts.push(paint(color, '31', MAPS_HOST_ROOT_GROUP));
  const containers = containersOf(ns.pids, processes).map((c) => inert(containerLabel(c, glyphs.ellipsis)));
  if (containers.length > 0) parts.push(paint(color, '36', containers.join(', ')));
  return parts.join('  ');
}

/**
 * What an item of the process list says besides "PID comm": "runtime" for the runtime's own
 * processes, and, where the namespace holds several containers, which one.
 */
function processNotes(ns: UserNamespace, processes: ReadonlyMap<number, ProcessText> | undefined, glyphs: Glyphs): ReadonlyMap<number, string> {
  const notes = new Map<number, string>();
  if (processes === undefined) return notes;
  const several = containersOf(ns.pids, processes).length > 1;
  for (const pid of ns.pids) {
    const text = processes.get(pid);
    if (text === undefined) continue;
    const words = [
      ...(text.runtime ? ['runtime'] : []),
      ...(several && text.container !== null ? [inert(containerLabel(text.container, glyphs.ellipsis))] : []),
    ];
    if (words.length > 0) notes.set(pid, `(${words.join(', ')})`);
  }
  return notes;
}

/** "0→100000 ×65536", ranges joined by commas; "?" where no member's map could be read. */
export function shortMap(map: readonly IdMapRange[] | null, glyphs: Glyphs = UNICODE): string {
  if (map === null) return '?';
  if (map.length === 0) return 'none';
  return map.map((r) => `${r.inside}${glyphs.arrow}${r.outside} ${glyphs.times}${r.count}`).join(', ');
}

/** "PID comm" items, two spaces apart, as many to a line as fit in room (at least one). */
function foldProcesses(ns: UserNamespace, comms: ReadonlyMap<number, string>, notes: ReadonlyMap<number, string>, room: number, color: boolean): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const pid of ns.pids) {
    const comm = comms.get(pid);
    const name = comm === undefined ? '?' : inert(comm);
    const note = notes.get(pid);
    const width = String(pid).length + 1 + displayWidth(name) + (note === undefined ? 0 : 1 + displayWidth(note));
    const item = `${paint(color, '33', String(pid))} ${name}${note === undefined ? '' : ` ${paint(color, '2', note)}`}`;
    if (used > 0 && used + 2 + width > room) {
      lines.push(line);
      line = '';
      used = 0;
    }
    line += used > 0 ? `  ${item}` : item;
    used += (used > 0 ? 2 : 0) + width;
  }
  if (used > 0) lines.push(line);
  return lines;
}
