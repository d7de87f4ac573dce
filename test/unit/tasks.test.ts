// kcmp(2)'s answers in kernel terms: a kernel without it is said once; a process that is not
// ours to inspect is not mistaken for one; and the order kcmp keeps, which tells many tables
// apart by a binary search.
import assert from 'node:assert/strict';
import { constants as osConstants } from 'node:os';
import { describe, it } from 'node:test';
import { placeAmong } from '../../src/discover/sources/descriptors.js';
import type { Libc } from '../../src/kernel/libc.js';
import { CANNOT_COMPARE, tasks, type TableOrder } from '../../src/kernel/tasks.js';

const kcmpAnswering = (answer: number): Libc => ({ kcmp: () => answer }) as unknown as Libc;
const { ENOSYS, EPERM, EACCES, ESRCH } = osConstants.errno;

describe('how two threads\' descriptor tables compare', () => {
  it('follows kcmp: 0 the same, 1 the second after, 2 before, 3 different but not ordered, and a thread that has gone', () => {
    const order = (answer: number): ReturnType<ReturnType<typeof tasks>['orderDescriptorTables']> => tasks(kcmpAnswering(answer)).orderDescriptorTables(10, 11);
    assert.deepEqual([0, 1, 2, 3, -ESRCH].map(order), ['same', 'after', 'before', 'different', 'gone']);
  });

  it('cannot tell only where the kernel has no kcmp; a process not ours to inspect counts as shared', () => {
    assert.equal(tasks(kcmpAnswering(-ENOSYS)).orderDescriptorTables(10, 11), CANNOT_COMPARE);
    assert.equal(tasks(kcmpAnswering(-EPERM)).orderDescriptorTables(1, 2), 'same');
    assert.equal(tasks(kcmpAnswering(-EACCES)).orderDescriptorTables(1, 2), 'same');
  });
});

describe('telling many tables apart', () => {
  // Threads 1..n, thread t's table is table[t]; kcmp orders tables by a number of the kernel's.
  const ordering = (table: (tid: number) => number, calls: { count: number }) => (a: number, b: number): TableOrder => {
    calls.count++;
    const [x, y] = [table(a), table(b)];
    return x === y ? 'same' : x < y ? 'after' : 'before';
  };

  it('finds each of 5,000 threads with a table of its own, in about log2 comparisons each, not one against each', () => {
    // The kernel's numbers for the tables, in no order of the threads'.
    const key = (tid: number): number => (tid * 7919) % 100_003;
    const calls = { count: 0 };
    const tables = [1];
    let read = 1;
    for (let tid = 2; tid <= 5000; tid++) {
      const place = placeAmong(tables, tid, ordering(key, calls));
      assert.equal(typeof place, 'number', `thread ${tid}`);
      tables.splice(place as number, 0, tid);
      read++;
    }
    assert.equal(read, 5000);
    assert.deepEqual(tables.map(key), [...tables.map(key)].sort((a, b) => a - b));
    // At most ceil(log2(k + 1)) a thread: 5000 x 13, where each against each would be 12.5 million.
    assert.ok(calls.count <= 5000 * 13, `${calls.count} comparisons`);
  });

  it('reads a table that threads share once, and one that kcmp cannot order without keeping it', () => {
    // Threads 1-100 share table 0, except 50 and 75, which share table 9.
    const table = (tid: number): number => (tid === 50 || tid === 75 ? 9 : 0);
    const calls = { count: 0 };
    const tables = [1];
    const readFor: number[] = [];
    for (let tid = 2; tid <= 100; tid++) {
      const place = placeAmong(tables, tid, ordering(table, calls));
      if (place === 'shared' || place === 'gone') continue;
      readFor.push(tid);
      if (place !== 'unordered') tables.splice(place, 0, tid);
    }
    assert.deepEqual(readFor, [50]);
    assert.equal(placeAmong([1, 50], 77, () => 'different'), 'unordered');
  });

  it('drops a thread of the list that has ended and searches again, and skips one that ends before it is placed', () => {
    // 1,000 threads share the main thread's table; 4 have their own, and one of those ends once
    // its table is read, where it sits in the middle of the list: 3, 5, 7, 1 (the main one), 9.
    const own = new Map([[3, 10], [5, 20], [7, 30], [9, 70]]);
    const gone = new Set<number>();
    const calls = { count: 0 };
    const order = (a: number, b: number): TableOrder => (gone.has(a) || gone.has(b) ? 'gone' : ordering((tid) => own.get(tid) ?? 40, calls)(a, b));
    const tables = [1];
    const readFor: number[] = [];
    for (let tid = 2; tid <= 1005; tid++) {
      if (tid === 600) gone.add(own.has(tid) ? tid : 7);
      const place = placeAmong(tables, tid, order);
      if (place === 'shared' || place === 'gone') continue;
      readFor.push(tid);
      if (place !== 'unordered') tables.splice(place as number, 0, tid);
    }
    assert.deepEqual(readFor, [3, 5, 7, 9]);
    assert.deepEqual(tables, [3, 5, 1, 9]);
    gone.add(2000);
    assert.equal(placeAmong(tables, 2000, order), 'gone');
  });
});
