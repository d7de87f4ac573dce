// The scanner closes every descriptor it opens, and says clearly when the kernel says no.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inPidNamespace } from '../support/fixture';
import { NEEDS_ROOT, needsFfiNapi } from '../support/requirements';

const PROBE = ['node', path.join(__dirname, '..', 'support', 'probe.js')];

describe('descriptors and ioctl failures', { skip: NEEDS_ROOT }, () => {
  it('leaves no descriptor open after scanning a deep and a wide tree, with either backend', { skip: needsFfiNapi() }, () => {
    const chains = [
      { name: 'deep', depth: 33 },
      ...Array.from({ length: 100 }, (_, i) => ({ name: `wide${i}`, depth: 2 })),
    ];
    const facts = inPidNamespace({ chains, runs: [{ label: 'fds', command: [...PROBE, 'fds'] }] });
    const run = facts.runs.get('fds')!;
    assert.equal(run.stderr, '');
    const counted = JSON.parse(run.stdout) as { before: number; after: number; namespaces: number[] };
    assert.equal(counted.after, counted.before);
    // The root, 33 in the deep chain, 2 in each wide one: every one was climbed to.
    assert.deepEqual(counted.namespaces, [234, 234]);
  });

  it('names ENOTTY as a kernel without namespace ioctls, and closes what it opened', () => {
    const facts = inPidNamespace({
      chains: [{ name: 'child', depth: 2 }],
      runs: [
        { label: 'enotty', command: [...PROBE, 'failing-parent', 'ENOTTY'] },
        { label: 'eio', command: [...PROBE, 'failing-parent', 'EIO'] },
      ],
    });
    assert.equal(
      facts.runs.get('enotty')!.stdout,
      'this kernel has no namespace ioctls (NS_GET_PARENT needs Linux 4.9 or later)|0',
    );
    assert.equal(facts.runs.get('eio')!.stdout, 'ioctl(NS_GET_PARENT) failed: EIO|0');
  });
});
