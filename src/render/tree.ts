// The drawn tree, for people at a terminal: one header line a namespace (inode, owner, how
// many processes, UID map), then its processes as "PID comm", folded to the width.
import type { UserNames } from '../accounts';
import type { IdMapRange, NamespaceTree, OwnedNamespace, UserNamespace } from '../model';
import { describeHolder, heldBy, ownerName, processCount, processNames } from './holders';

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

export function renderTree(tree: NamespaceTree, names: UserNames, style: TreeStyle): string {
  const glyphs = style.ascii ? ASCII : UNICODE;
  const out: string[] = [];
  const dim = (text: string): string => paint(style.color, '2', text);
  const comms = processNames(tree);
  const ownedLines = (owned: readonly OwnedNamespace[], lead: string): void => {
    for (const line of owned.map((o) => describeOwned(o, comms))) out.push(dim(lead) + line + '\n');
  };

  const visit = (ns: UserNamespace, lead: string, branch: string, below: string): void => {
    out.push(dim(lead + branch) + header(ns, names, glyphs, style.color) + '\n');
    const under = lead + below;
    const processLead = under + (ns.children.length > 0 ? glyphs.pipe : glyphs.blank);
    for (const line of foldProcesses(ns, style.width - processLead.length, style.color)) {
      out.push(dim(processLead) + line + '\n');
    }
    // A namespace without members is alive because something holds it: say what.
    if (ns.pids.length === 0) for (const holder of heldBy(ns)) out.push(dim(processLead) + describeHolder(holder, comms) + '\n');
    ownedLines(ns.details?.owned ?? [], processLead);
    ns.children.forEach((child, i) => {
      const last = i === ns.children.length - 1;
      visit(child, under, last ? glyphs.last : glyphs.branch, last ? glyphs.blank : glyphs.pipe);
    });
  };
  for (const root of tree.roots) visit(root, '', '', '');
  if (tree.ownerNotVisible !== undefined && tree.ownerNotVisible.length > 0) {
    out.push('(owner not visible)\n');
    ownedLines(tree.ownerNotVisible, glyphs.blank);
  }
  return out.join('');
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
function foldProcesses(ns: UserNamespace, room: number, color: boolean): string[] {
  const processes = ns.details?.processes ?? ns.pids.map((pid) => ({ pid, comm: null }));
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const { pid, comm } of processes) {
    const name = comm === null ? '?' : printable(comm);
    const width = String(pid).length + 1 + name.length;
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

/** A process names itself: never let its name send control sequences to the terminal. */
function printable(comm: string): string {
  return comm.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
