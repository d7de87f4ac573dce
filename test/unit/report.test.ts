// The warning about processes that are not in the tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeftOutProcess } from '../../src/model.js';
import { leftOutWarning } from '../../src/render/warnings.js';

const ROOT = { root: true, insideUserNamespace: false };
const denied = (pid: number): LeftOutProcess => ({ pid, reason: 'permission', code: 'EACCES' });

describe('the left-out warning', () => {
  it('says nothing when every process could be inspected or merely exited', () => {
    assert.equal(leftOutWarning([], ROOT), null);
    assert.equal(leftOutWarning([{ pid: 7, reason: 'vanished', code: 'ENOENT' }], ROOT), null);
  });

  it('names one process that even root may not inspect', () => {
    assert.equal(leftOutWarning([denied(1)], ROOT), 'left out 1 process that could not be inspected (permission denied): PID 1');
  });

  it('names the first five and counts the rest, and tells a non-root user to be root', () => {
    const leftOut = [1, 2, 3, 4, 5, 6, 7].map(denied);
    assert.equal(
      leftOutWarning(leftOut, { root: false, insideUserNamespace: false }),
      'left out 7 processes that could not be inspected (permission denied): PIDs 1, 2, 3, 4, 5 and 2 more; run as root to see them',
    );
  });

  it('names other errors by errno', () => {
    const leftOut: LeftOutProcess[] = [denied(3), { pid: 9, reason: 'error', code: 'EIO' }];
    assert.equal(leftOutWarning(leftOut, ROOT), 'left out 2 processes that could not be inspected (permission denied, EIO): PIDs 3, 9');
  });

  it('says why, inside a user namespace, the processes outside it are left out', () => {
    assert.equal(
      leftOutWarning([denied(1)], { root: true, insideUserNamespace: true }),
      'left out 1 process that could not be inspected (permission denied): PID 1; they are outside the user namespace this tool runs in',
    );
  });
});
