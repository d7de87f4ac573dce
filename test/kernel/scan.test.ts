// The scanner on real user namespaces, in a private PID namespace, through both backends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderCompat } from '../../src/render/compat.js';
import { expectedTree, hiddenFrom, membersSeenBy } from '../support/expected.js';
import { inPidNamespace, type FixtureFacts, type FixtureSpec } from '../support/fixture.js';
import { NEEDS_ROOT, needsFfiNapi } from '../support/requirements.js';

const BOTH_BACKENDS = [
  { label: 'koffi', args: ['--ffi', 'koffi'] },
  { label: 'ffi-napi', args: ['--ffi', 'ffi-napi'] },
];

/** Every run printed exactly the tree the fixture recorded, with nothing on standard error. */
function assertExactTrees(facts: FixtureFacts, spec: FixtureSpec): void {
  for (const run of spec.runs) {
    const result = facts.runs.get(run.label)!;
    assert.equal(result.stderr, '', `${run.label}: standard error`);
    assert.equal(result.status, 0, `${run.label}: exit status`);
    assert.equal(result.stdout, renderCompat(expectedTree(membersSeenBy(facts, run.label))), `${run.label}: the tree`);
  }
}

describe('scanning real user namespaces', { skip: NEEDS_ROOT }, () => {
  it('shows member-less namespaces between the root and a member, each under its parent', { skip: needsFfiNapi() }, () => {
    const spec: FixtureSpec = {
      chains: [
        { name: 'deep', depth: 3 },
        { name: 'flat', depth: 1 },
        { name: 'middle', depth: 2, members: 2 },
      ],
      runs: BOTH_BACKENDS,
    };
    const facts = inPidNamespace(spec);
    assertExactTrees(facts, spec);
    // The two member-less levels of "deep" appear with an empty PID line.
    const deep = facts.chains.get('deep')!.path;
    const koffi = facts.runs.get('koffi')!.stdout;
    assert.ok(koffi.includes(`    {${deep[0]!.dev} ${deep[0]!.ino}}\n\n        {${deep[1]!.dev} ${deep[1]!.ino}}\n\n`));
  });

  it('climbs the deepest chain the kernel allows: 33 levels below the initial namespace', { skip: needsFfiNapi() }, () => {
    const spec: FixtureSpec = { chains: [{ name: 'deepest', depth: 33, members: 3 }], runs: BOTH_BACKENDS };
    const facts = inPidNamespace(spec);
    assertExactTrees(facts, spec);
    const lines = facts.runs.get('koffi')!.stdout.split('\n');
    assert.ok(lines.some((line) => line.startsWith(' '.repeat(33 * 4) + '{')), 'a namespace at level 33');
  });

  it('lists hundreds of sibling namespaces in the order their members were first met', { skip: needsFfiNapi() }, () => {
    const chains = Array.from({ length: 300 }, (_, i) => ({ name: `sibling${i}`, depth: 1 }));
    const spec: FixtureSpec = { chains, runs: BOTH_BACKENDS };
    const facts = inPidNamespace(spec);
    assertExactTrees(facts, spec);
    assert.equal(facts.runs.get('koffi')!.stdout.match(/^ {4}\{/gm)?.length, 300);
  });

  it('wraps PID lists several times, at the root and deep in the tree', { skip: needsFfiNapi() }, () => {
    const spec: FixtureSpec = {
      rootMembers: 120,
      chains: [{ name: 'crowded', depth: 6, members: 90 }],
      runs: BOTH_BACKENDS,
    };
    const facts = inPidNamespace(spec);
    assertExactTrees(facts, spec);
    const continuation = facts.runs.get('koffi')!.stdout.split('\n').filter((l) => /^ +\d/.test(l) && !l.includes('PIDs:'));
    assert.ok(continuation.length >= 8, `continuation lines: ${continuation.length}`);
  });

  it('as an unprivileged user, shows what that user can see and names what it cannot', () => {
    const nobody = 65534;
    const spec: FixtureSpec = {
      rootMembers: 2,
      chains: [
        { name: 'roots-own', depth: 1 },
        { name: 'nobodys-own', depth: 2, asUser: nobody },
      ],
      runs: [{ label: 'nobody', asUser: nobody }],
    };
    const facts = inPidNamespace(spec);
    const run = facts.runs.get('nobody')!;
    assert.equal(run.status, 0);
    assert.equal(run.stdout, renderCompat(expectedTree(membersSeenBy(facts, 'nobody', nobody))));
    const hidden = hiddenFrom(facts, nobody);
    assert.equal(hidden.length, 4);
    assert.equal(
      run.stderr,
      `userns-overview: left out 4 processes that could not be inspected (permission denied): ` +
        `PIDs ${hidden.join(', ')}; run as root to see them\n`,
    );
  });
});
