// kcmp(2)'s answers in kernel terms: a kernel without it is said once; a process that is not
// ours to inspect is not mistaken for one.
import assert from 'node:assert/strict';
import { constants as osConstants } from 'node:os';
import { describe, it } from 'node:test';
import type { Libc } from '../../src/kernel/libc.js';
import { CANNOT_COMPARE, tasks } from '../../src/kernel/tasks.js';

const kcmpAnswering = (answer: number): Libc => ({ kcmp: () => answer }) as unknown as Libc;
const { ENOSYS, EPERM, EACCES, ESRCH } = osConstants.errno;

describe('whether two threads share a descriptor table', () => {
  it('follows kcmp: 0 shared, 1 or 2 not, a thread gone not', () => {
    assert.equal(tasks(kcmpAnswering(0)).shareDescriptorTable(10, 11), true);
    assert.equal(tasks(kcmpAnswering(1)).shareDescriptorTable(10, 11), false);
    assert.equal(tasks(kcmpAnswering(2)).shareDescriptorTable(10, 11), false);
    assert.equal(tasks(kcmpAnswering(-ESRCH)).shareDescriptorTable(10, 11), false);
  });

  it('cannot tell only where the kernel has no kcmp; a process not ours to inspect counts as shared', () => {
    assert.equal(tasks(kcmpAnswering(-ENOSYS)).shareDescriptorTable(10, 11), CANNOT_COMPARE);
    assert.equal(tasks(kcmpAnswering(-EPERM)).shareDescriptorTable(1, 2), true);
    assert.equal(tasks(kcmpAnswering(-EACCES)).shareDescriptorTable(1, 2), true);
  });
});
