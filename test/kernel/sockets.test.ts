// Sockets are asked for their network namespace within a budget (src/discover/sources/sockets.ts):
// another user's hundreds of thousands of sockets cost the run at most SOCKET_BUDGET questions,
// and the run says whose sockets it did not ask.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SOCKET_BUDGET } from '../../src/discover/sources/sockets.js';
import type { JsonDocument } from '../../src/render/json.js';
import { inPidNamespace, PROJECT } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

const PYTHON = '/usr/bin/python3';

describe('sockets within a budget', { skip: NEEDS_ROOT || (!fs.existsSync(PYTHON) && `needs ${PYTHON}`) }, () => {
  it("asks no more than the budget of nobody's 59,700 sockets, says whose it did not ask, and ends with status 0", () => {
    const flood = fs.readFileSync(path.join(PROJECT, 'bench', 'floods', 'sockets.sh'), 'utf8');
    const f = inPidNamespace({
      setup: `FLOODERS=3 SOCKETS=19900\n${flood}`,
      timeoutMs: 120_000,
      runs: [
        { label: 'json', args: ['--json'] },
        { label: 'tree', args: ['--format', 'tree', '--owned'] },
      ],
    });
    // The first two hold 39,800 sockets; the budget ends in the third.
    assert.ok(2 * 19_900 < SOCKET_BUDGET && 3 * 19_900 > SOCKET_BUDGET);
    const third = Number(f.extra.get('flooder2'));
    const line = new RegExp(
      `^userns-overview: asked the first ${SOCKET_BUDGET} sockets for their network namespace, as many as a run asks, and stopped: ` +
        `the sockets of PID ${third}\\b[^\\n]* were asked in part or not at all; a network namespace that only they hold is not shown\\n$`,
    );
    for (const label of ['json', 'tree']) {
      const run = f.runs.get(label)!;
      assert.equal(run.status, 0, label);
      assert.match(run.stderr, line, label);
    }
    const doc = JSON.parse(f.runs.get('json')!.stdout) as JsonDocument;
    assert.equal(doc.scan.cut!.length, 1);
    assert.ok(doc.roots[0]!.pids.includes(third));
  });
});
