// The suite runs on Node 20, 22 and 24; the tool it spawns must run on the same Node as the test
// runner, however it is started. Fixtures start `node` from PATH, as root and as an unprivileged
// user; where a Node under test cannot be reached by that user (in root's home, say), a lookup on
// PATH by that user quietly takes the next `node` on it, and the suite would test another Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { inPidNamespace } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

const NOBODY = 65534;
const VERSION = ['node', '-p', 'process.version'];

describe('the Node under test', { skip: NEEDS_ROOT }, () => {
  it('is the node on PATH for the tool, as root, in a user namespace and as an unprivileged user', () => {
    const outside = spawnSync(VERSION[0]!, VERSION.slice(1), { encoding: 'utf8', timeout: 30_000 });
    assert.equal(outside.stdout.trim(), process.version, 'node on PATH for the tests');
    const f = inPidNamespace({
      runs: [
        { label: 'root', command: VERSION },
        { label: 'namespace', command: ['unshare', '-U', '-r', ...VERSION] },
        { label: 'nobody', command: VERSION, asUser: NOBODY },
      ],
    });
    for (const [label, run] of f.runs) {
      assert.equal(
        run.stdout.trim(),
        process.version,
        `${label}: node on PATH is ${run.stdout.trim() || `not runnable (${run.stderr.trim()})`}, the tests run on ${process.version} ` +
          `(${process.execPath}); put the Node under test where every user can run it`,
      );
    }
  });
});
