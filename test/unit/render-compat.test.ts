// The original's text format, on hand-built models.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderCompat } from '../../src/render/compat.js';
import { atDepth, ns, tree } from '../support/models.js';
import { parseCompat } from '../support/parse-compat.js';

describe('the compat renderer', () => {
  it("prints the contract's example byte for byte", () => {
    const model = tree(ns(4026531837, [1, 4, 9, 17], [ns(4026532179, [], [ns(4026532180, [10, 11])])]));
    assert.equal(
      renderCompat(model),
      '{4 4026531837}\n' +
        '            PIDs: 1 4 9 17 \n' +
        '    {4 4026532179}\n' +
        '\n' +
        '        {4 4026532180}\n' +
        '                    PIDs: 10 11 \n',
    );
  });

  it('counts columns by digits, for PIDs of 1 to 7 digits', () => {
    const pids = [1, 22, 333, 4444, 55555, 666666, 1000000, 1234567, 7654321, 7777777, 9999999];
    assert.equal(
      renderCompat(tree(ns(4026531837, pids))),
      '{4 4026531837}\n' +
        '            PIDs: 1 22 333 4444 55555 666666 1000000 1234567 7654321 7777777 \n' +
        '                  9999999 \n',
    );
  });

  it('wraps at level 0 once the column reaches 80', () => {
    // base 25; 18 PIDs of two digits take the column to 79, the 19th to 82.
    const pids = Array.from({ length: 21 }, (_, i) => 10 + i);
    assert.equal(
      renderCompat(tree(ns(4026531837, pids))),
      '{4 4026531837}\n' +
        '            PIDs: 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 \n' +
        '                  29 30 \n',
    );
  });

  it('at a deep level lets col > base + 32 decide: column 80 does not wrap at level 6', () => {
    // Level 6: indent 24, base 49, so a break needs col > 81. Seven 2-digit and two 4-digit
    // PIDs bring col to exactly 80: the next PID stays on the line, the one after wraps.
    const leaf = ns(4026532999, [10, 11, 12, 13, 14, 15, 16, 1000, 1001, 1002, 1003]);
    const text = renderCompat(tree(ns(4026531837, [1], [atDepth(5, leaf)])));
    const indent = ' '.repeat(24);
    assert.ok(
      text.endsWith(
        `${indent}{4 4026532999}\n` +
          `${indent}            PIDs: 10 11 12 13 14 15 16 1000 1001 1002 \n` +
          `${indent}                  1003 \n`,
      ),
      text,
    );
  });

  it('prints an empty line for a namespace without members', () => {
    assert.equal(renderCompat(tree(ns(4026532179, []))), '{4 4026532179}\n\n');
  });

  it('prints each root in turn, in the order given', () => {
    const model = tree(ns(4026532300, [5], [ns(4026532301, [6])]), ns(4026532200, [7]));
    assert.equal(
      renderCompat(model),
      '{4 4026532300}\n' +
        '            PIDs: 5 \n' +
        '    {4 4026532301}\n' +
        '                PIDs: 6 \n' +
        '{4 4026532200}\n' +
        '            PIDs: 7 \n',
    );
  });

  it('prints st_dev raw, not split into major and minor', () => {
    const model = tree({ ...ns(4026531837, [1]), id: { dev: 2097152 + 14, ino: 4026531837 } });
    assert.equal(renderCompat(model), '{2097166 4026531837}\n            PIDs: 1 \n');
  });
});

describe('the strict compat reader used by the churn tests', () => {
  it('reads back what the renderer wrote, and rejects what the contract does not allow', () => {
    const model = tree(ns(4026531837, [1, 2], [ns(4026532179, [], [ns(4026532180, Array.from({ length: 40 }, (_, i) => 100 + i))])]));
    const text = renderCompat(model);
    assert.equal(renderCompat(parseCompat(text)), text);
    assert.throws(() => parseCompat(text.replace('PIDs: 1 2 ', 'PIDs: 2 1 ')), /not sorted/);
    assert.throws(() => parseCompat(text + text), /appears twice/);
    assert.throws(() => parseCompat(text.slice(0, -1)), /newline/);
    assert.throws(() => parseCompat('{4 1}\n\n        {4 2}\n\n'), /level 2 below level 0/);
  });
});
