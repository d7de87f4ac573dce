// Processes and namespaces that come and go during the scan: every run still succeeds, quietly,
// and every long-lived process is in its namespace under the right chain of parents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runUnderChurn } from '../support/churn.js';
import { NEEDS_ROOT, needsFfiNapi } from '../support/requirements.js';

describe('a scan under churn', { skip: NEEDS_ROOT }, () => {
  it('exits 0 with a well-formed tree and no message in 50 runs of 50, compat and JSON, both backends', { skip: needsFfiNapi() }, () => {
    const outcome = runUnderChurn(50);
    assert.deepEqual(outcome.failures, []);
  });
});
