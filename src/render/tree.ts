// The drawn tree, for people at a terminal: one header line a namespace (inode, owner, how
// many processes, UID map), then its processes as "PID comm", folded to the width.
import type { IdMapRange, NamespaceTree, OwnedNamespace, UserNamespace, UserNames } from '../model';
import { displayWidth } from './columns';
import { inert } from './inert';
import { describeHolder, describeUnplaced, ownerName, processCount, UNPLACED_HEADING } from './words';

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
}

const UNICODE: Glyphs = { branch: '├─ ', last: '└─ ', pipe: '│  ', blank: '   ', arrow: '→', times: '×' };
const ASCII: Glyphs = { branch: '|- ', last: '`- ', pipe: '|  ', blank: '   ', arrow: '->', times: 'x' };

// SGR codes; text is measured before it is coloured.
const paint = (on: boolean, code: string, text: string): string => (on && text !== '' ? `\x1b[${code}m${text}\x1b[0m` : text);

export const renderTree = (tree: NamespaceTree, names: UserNames, style: TreeStyle): string => [...treeChunks(tree, names, style)].join('');

/** The tree, a namespace's lines at a time. */
export function* treeChunks(tree: NamespaceTree, names: UserNames, style: TreeStyle): Generator<string> {
  const glyphs = style.ascii ? ASCII : UNICODE;
  const dim = (text: string): string => paint(style.color, '2', text);
  const comms = tree.processNames;
  const ownedLines = (owned: readonly OwnedNamespace[], lead: string): string =>
    owned.map((o) => dim(lead) + describeOwned(o, comms) + '\n').join('');

  function* visit(ns: UserNamespace, lead: string, branch: string, below: string): Generator<string> {
    let out = dim(lead + branch) + header(ns, names, glyphs, style.color) + '\n';
    const under = lead + below;
    const processLead = under + (ns.children.length > 0 ? glyphs.pipe : glyphs.blank);
    for (const line of foldProcesses(ns, comms, style.width - processLead.length, style.color)) out += dim(processLead) + line + '\n';
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

/** "owns net 4026532008  2 processes", or what holds it where no process is in it. */
function describeOwned(owned: OwnedNamespace, comms: ReadonlyMap<number, string>): string {
  const head = `owns ${owned.type} ${owned.id.ino}`;
  if (owned.pids.length > 0) return `${head}  ${processCount(owned.pids.length)}`;
  const [first, ...rest] = owned.holders;
  if (first === undefined) return head;
  return `${head}  ${describeHolder(first, comms)}${rest.length > 0 ? ` and ${rest.length} more` : ''}`;
}

function header(ns: UserNamespace, names: UserNames, glyphs: Glyphs, color: boolean): string {
  const owner = ownerName(ns, names);
  const processes = processCount(ns.pids.length, 'no processes');
  const uidMap = `uid ${shortMap(ns.details?.uidMap ?? null, glyphs)}`;
  return [paint(color, '1', String(ns.id.ino)), paint(color, '32', owner), paint(color, '2', `${processes}  ${uidMap}`)].join('  ');
}

/** "0→100000 ×65536", ranges joined by commas; "?" where no member's map could be read. */
export function shortMap(map: readonly IdMapRange[] | null, glyphs: Glyphs = UNICODE): string {
  if (map === null) return '?';
  if (map.length === 0) return 'none';
  return map.map((r) => `${r.inside}${glyphs.arrow}${r.outside} ${glyphs.times}${r.count}`).join(', ');
}

/** "PID comm" items, two spaces apart, as many to a line as fit in room (at least one). */
function foldProcesses(ns: UserNamespace, comms: ReadonlyMap<number, string>, room: number, color: boolean): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const pid of ns.pids) {
    const comm = comms.get(pid);
    const name = comm === undefined ? '?' : inert(comm);
    const width = String(pid).length + 1 + displayWidth(name);
    const item = `${paint(color, '33', String(pid))} ${name}`;
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
