// The churn scenario, shared by its test (50 runs) and `npm run stress` (500): long-lived
// processes in known namespaces, while short-lived processes and namespaces come and go.
import { inPidNamespace, type FixtureFacts, type FixtureSpec } from './fixture.js';
import { parseCompat } from './parse-compat.js';
import { allNamespaces, newUserNamespace, type NamespaceTree } from '../../src/model.js';
import { tree } from './models.js';
import type { JsonDocument, JsonNamespace } from '../../src/render/json.js';

const STEADY = [
  { name: 'steady', depth: 3, members: 4 },
  { name: 'shallow', depth: 1 },
  { name: 'deep', depth: 12, members: 2 },
];

export interface ChurnOutcome {
  readonly runs: number;
  /** One line per failed run, saying what was wrong. */
  readonly failures: string[];
  readonly worstSeconds: number;
}

/** Runs the tool `runs` times under churn, alternating compat and JSON and the two backends. */
export function runUnderChurn(runs: number): ChurnOutcome {
  const spec: FixtureSpec = {
    churn: true,
    chains: STEADY,
    timeoutMs: 60_000 + runs * 1_000,
    runs: Array.from({ length: runs }, (_, i) => ({
      label: `run${i}`,
      args: [...(i % 4 < 2 ? [] : ['--json']), '--ffi', i % 2 === 0 ? 'koffi' : 'ffi-napi'],
    })),
  };
  const facts = inPidNamespace(spec);
  const failures: string[] = [];
  let worstSeconds = 0;
  for (const run of spec.runs) {
    const result = facts.runs.get(run.label)!;
    worstSeconds = Math.max(worstSeconds, result.seconds);
    const problem = checkRun(facts, run.label, run.args?.includes('--json') === true);
    if (problem !== null) failures.push(`${run.label} (${run.args?.join(' ')}): ${problem}`);
  }
  return { runs, failures, worstSeconds };
}

/** What is wrong with one run, or null. */
function checkRun(facts: FixtureFacts, label: string, json: boolean): string | null {
  const result = facts.runs.get(label)!;
  if (result.status !== 0) return `exit status ${result.status}: ${result.stderr.trim()}`;
  if (result.stderr !== '') return `standard error: ${result.stderr.trim()}`;
  let tree: NamespaceTree;
  try {
    tree = json ? treeFromJson(result.stdout) : parseCompat(result.stdout);
  } catch (error) {
    return `malformed output: ${(error as Error).message}`;
  }
  if (tree.roots.length !== 1) return `${tree.roots.length} roots`;
  const byIno = new Map(allNamespaces(tree).map((ns) => [ns.id.ino, ns]));
  for (const [name, chain] of facts.chains) {
    let parent = tree.roots[0]!;
    for (const id of chain.path) {
      const ns = byIno.get(id.ino);
      if (ns === undefined) return `${name}: namespace ${id.ino} missing`;
      if (ns.parent !== parent) return `${name}: namespace ${id.ino} under the wrong parent`;
      parent = ns;
    }
    for (const pid of chain.pids) if (!parent.pids.includes(pid)) return `${name}: PID ${pid} missing`;
  }
  return null;
}


/** The JSON document as a model, failing on anything out of shape or shown twice. */
function treeFromJson(text: string): NamespaceTree {
  const doc = JSON.parse(text) as JsonDocument;
  const seen = new Set<string>();
  const build = (node: JsonNamespace, parent: NamespaceTree['roots'][number] | null): NamespaceTree['roots'][number] => {
    const key = `${node.dev} ${node.ino}`;
    if (seen.has(key)) throw new Error(`namespace {${key}} appears twice`);
    seen.add(key);
    if (!Array.isArray(node.pids) || !Array.isArray(node.children)) throw new Error(`namespace {${key}} is out of shape`);
    const ns = { ...newUserNamespace({ dev: node.dev, ino: node.ino }), parent, pids: node.pids };
    ns.children.push(...node.children.map((child) => build(child, ns)));
    return ns;
  };
  return tree(...doc.roots.map((root) => build(root, null)));
}
