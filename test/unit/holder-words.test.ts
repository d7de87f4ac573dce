// The words for what holds a namespace, on hand-built holders: no kernel needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Holder } from '../../src/model.js';
import { describeHolder } from '../../src/render/words.js';

const names = new Map([
  [3, 'python3'],
  [9, 'sleep'],
]);

describe('the words for a holder', () => {
  it('names a socket, and a descriptor or socket in a thread\'s own table, with the thread', () => {
    assert.equal(describeHolder({ kind: 'socket', pid: 3, fd: 20 }, names), 'held by socket fd 20 of PID 3 (python3)');
    assert.equal(describeHolder({ kind: 'socket', pid: 3, fd: 4, fds: '4-6', count: 3 }, names), 'held by 3 socket fds (4-6) of PID 3 (python3)');
    assert.equal(describeHolder({ kind: 'fd', pid: 3, tid: 5, fd: 6 }, names), 'held by fd 6 of thread 5 of PID 3 (python3)');
    assert.equal(
      describeHolder({ kind: 'socket', pid: 3, tid: 5, fd: 7, via: { type: 'net', ino: 4026532187 } }, names),
      'held through its net 4026532187: socket fd 7 of thread 5 of PID 3 (python3)',
    );
  });

  it('names a bind mount by the task whose mount namespace it is in, or by what holds a mount namespace no process is in', () => {
    assert.equal(
      describeHolder({ kind: 'mount', pid: 3, tid: 5, path: '/run/x', mountNamespace: 4026532190 }, names),
      'held by bind mount /run/x in the mount namespace of thread 5 of PID 3 (python3)',
    );
    const byFd: Holder = { kind: 'fd', pid: 9, fd: 6 };
    const outer: Holder = { kind: 'mount', pid: null, path: '/run/a', mountNamespace: 4026532190, mountNamespaceHeldBy: byFd };
    assert.equal(
      describeHolder({ kind: 'mount', pid: null, path: '/run/x', mountNamespace: 4026532191, mountNamespaceHeldBy: outer }, names),
      'held by bind mount /run/x in mount namespace 4026532191, which no process is in, ' +
        'held by bind mount /run/a in mount namespace 4026532190, which no process is in, held by fd 6 of PID 9 (sleep)',
    );
    assert.equal(
      describeHolder({ kind: 'mount', pid: null, path: '/run/\x1b[7m', mountNamespace: 4026532190, unverified: 'covered by another mount' }, names),
      'held by bind mount /run/\\x1b[7m in mount namespace 4026532190, which no process is in (not opened: covered by another mount)',
    );
  });
});
