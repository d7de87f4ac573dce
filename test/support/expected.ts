// The tree a fixture should produce, built from what the fixture recorded about itself and
// the contract's ordering rules, not from the scanner.
import { newUserNamespace, type NamespaceId, type NamespaceTree, type UserNamespace } from '../../src/model.js';
import type { FixtureFacts } from './fixture.js';
import { tree } from './models.js';

interface Member {
  readonly pid: number;
  /** From the root down to the process's own namespace. */
  readonly path: readonly NamespaceId[];
}

/** The members a run of the tool should see: all of them, or those of one unprivileged user. */
export function membersSeenBy(facts: FixtureFacts, run: string, uid?: number): Member[] {
  const members: Member[] = [{ pid: facts.runs.get(run)!.pid, path: [facts.root] }];
  if (uid === undefined) members.push(...facts.rootPids.map((pid) => ({ pid, path: [facts.root] })));
  for (const chain of facts.chains.values()) {
    if (uid !== undefined && chain.asUser !== uid) continue;
    members.push(...chain.pids.map((pid) => ({ pid, path: [facts.root, ...chain.path] })));
  }
  return members;
}

/** PIDs that a run as this unprivileged user cannot inspect, sorted. */
export function hiddenFrom(facts: FixtureFacts, uid: number): number[] {
  const hidden = [...facts.rootPids];
  for (const chain of facts.chains.values()) if (chain.asUser !== uid) hidden.push(...chain.pids);
  return hidden.sort((a, b) => a - b);
}

/**
 * Children in the order first met while /proc/PID is visited in byte-wise order of the names;
 * PIDs sorted numerically.
 */
export function expectedTree(members: readonly Member[]): NamespaceTree {
  const nodes = new Map<string, UserNamespace>();
  const roots: UserNamespace[] = [];
  const key = (id: NamespaceId): string => `${id.dev}:${id.ino}`;
  const byteOrder = [...members].sort((a, b) => (String(a.pid) < String(b.pid) ? -1 : 1));
  for (const member of byteOrder) {
    let parent: UserNamespace | null = null;
    for (const id of member.path) {
      let node = nodes.get(key(id));
      if (node === undefined) {
        node = newUserNamespace(id);
        node.parent = parent;
        nodes.set(key(id), node);
        (parent === null ? roots : parent.children).push(node);
      }
      parent = node;
    }
    parent!.pids.push(member.pid);
  }
  for (const node of nodes.values()) node.pids.sort((a, b) => a - b);
  const expected = tree(...roots);
  return { ...expected, report: { ...expected.report, visited: members.length } };
}

/**
 * A fixture setup line that records, as the fact `nodeName`, the name /proc/PID/comm gives a
 * process of the Node that runs the tool there: `node` up to Node 22, `MainThread` from Node 24,
 * which names its main thread so. A tree lists the tool's own process under that name.
 */
export const RECORD_NODE_NAME = `fact nodeName "$(node -e 'process.stdout.write(require("fs").readFileSync("/proc/self/comm", "utf8").trim())')"`;

export function nodeName(facts: FixtureFacts): string {
  const name = facts.extra.get('nodeName');
  if (name === undefined || name === '') throw new Error('the fixture recorded no nodeName (setup: RECORD_NODE_NAME)');
  return name;
}
