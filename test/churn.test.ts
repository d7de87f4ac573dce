// Processes and namespaces that come and go during the scan: every run still succeeds, quietly,
// and every long-lived process is in its namespace under the right chain of parents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allNamespaces, parseCompat } from './support/parse-compat';
import { inPidNamespace } from './support/fixture';

describe('a scan under churn', () => {
  it('exits 0 with a well-formed tree and no message, 30 runs out of 30, through both backends', () => {
    const runs = Array.from({ length: 30 }, (_, i) => ({
      label: `run${i}`,
      args: ['--ffi', i % 2 === 0 ? 'koffi' : 'ffi-napi'],
    }));
    const facts = inPidNamespace({
      churn: true,
      chains: [
        { name: 'steady', depth: 3, members: 4 },
        { name: 'shallow', depth: 1 },
      ],
      runs,
    });
    for (const { label } of runs) {
      const run = facts.runs.get(label)!;
      assert.equal(run.status, 0, `${label}: status`);
      assert.equal(run.stderr, '', `${label}: standard error`);
      const tree = parseCompat(run.stdout);
      assert.equal(tree.roots.length, 1, `${label}: one root`);
      const byIno = new Map(allNamespaces(tree).map((ns) => [ns.id.ino, ns]));
      for (const [name, chain] of facts.chains) {
        let expectedParent = tree.roots[0]!;
        for (const id of chain.path) {
          const ns = byIno.get(id.ino);
          assert.ok(ns, `${label}: ${name}'s namespace ${id.ino} is shown`);
          assert.equal(ns.parent, expectedParent, `${label}: ${name}'s namespace ${id.ino} under its parent`);
          expectedParent = ns;
        }
        for (const pid of chain.pids) assert.ok(expectedParent.pids.includes(pid), `${label}: PID ${pid} of ${name}`);
      }
    }
  });
});
