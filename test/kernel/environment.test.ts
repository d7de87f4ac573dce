// The tool runs under sudo: nothing in the current directory, and no environment variable but
// NO_COLOR and COLUMNS, changes what it does.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inPidNamespace, LAUNCHER } from '../support/fixture';
import { NEEDS_ROOT } from '../support/requirements';

describe('what the tool takes from where it runs', { skip: NEEDS_ROOT }, () => {
  it('loads nothing from the current directory, and ignores variables it does not document', () => {
    const hostile = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-hostile-cwd-'));
    try {
      // Look-alike packages and files that would leave a mark if the tool ever loaded them.
      const marker = path.join(hostile, 'loaded');
      for (const name of ['koffi', 'commander', 'ffi-napi']) {
        fs.mkdirSync(path.join(hostile, 'node_modules', name), { recursive: true });
        fs.writeFileSync(path.join(hostile, 'node_modules', name, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, '${name}');`);
      }
      fs.writeFileSync(path.join(hostile, 'package.json'), '{"name": "hostile", "version": "6.6.6"}');
      fs.chmodSync(hostile, 0o755);
      const inside = (args: string): string[] => ['sh', '-c', `cd '${hostile}' && LANG=xx LC_ALL=xx TERM=dumb USERNS_OVERVIEW=1 exec node '${LAUNCHER}' ${args}`];
      const f = inPidNamespace({
        chains: [{ name: 'child', depth: 2 }],
        runs: [
          { label: 'plain', command: ['node', LAUNCHER] },
          { label: 'hostile', command: inside('') },
          { label: 'hostile-options', command: inside('--ffi koffi --quiet') },
          { label: 'version', command: inside('--version') },
        ],
      });
      const strip = (label: string): string => {
        const run = f.runs.get(label)!;
        return run.stdout.replace(` ${run.pid} `, ' SELF ');
      };
      assert.equal(f.runs.get('hostile')!.status, 0);
      assert.equal(strip('hostile'), strip('plain'));
      assert.equal(strip('hostile-options'), strip('plain'));
      assert.notEqual(f.runs.get('version')!.stdout, '6.6.6\n');
      assert.equal(fs.existsSync(marker), false);
    } finally {
      fs.rmSync(hostile, { recursive: true, force: true });
    }
  });
});
