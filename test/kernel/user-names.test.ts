// Owners' names come from the system's user database (NSS), as ps and lsns show them, not from
// /etc/passwd alone: an account that only NSS knows (LDAP, sssd, systemd-userdb) is named. A
// database that never answers costs the run its deadline, not its end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { JsonDocument } from '../../src/render/json.js';
import { fixtureScript, inPidNamespace, LAUNCHER } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

// Debian's libnss-wrapper: NSS answers from the files named in NSS_WRAPPER_PASSWD/GROUP.
const NSS_WRAPPER = ['/usr/lib/x86_64-linux-gnu/libnss_wrapper.so', '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so'].find((file) => fs.existsSync(file));

describe('owners by name', { skip: NEEDS_ROOT || (NSS_WRAPPER === undefined && 'needs libnss-wrapper (Debian package) to stand in for a directory service') }, () => {
  it('takes the name NSS gives', () => {
    const f = inPidNamespace({
      chains: [{ name: 'child', depth: 1 }],
      setup: fixtureScript('nss-directory.sh'),
      runs: [
        {
          label: 'nss',
          command: ['sh', '-c', `LD_PRELOAD=${NSS_WRAPPER} NSS_WRAPPER_PASSWD="$DIR/passwd" NSS_WRAPPER_GROUP="$DIR/group" exec node '${LAUNCHER}' --json --quiet`],
        },
        { label: 'plain', command: ['node', LAUNCHER, '--json', '--quiet'] },
      ],
    });
    const owner = (label: string): unknown => (JSON.parse(f.runs.get(label)!.stdout) as JsonDocument).roots[0]!.owner;
    assert.deepEqual(owner('nss'), { uid: 0, user: 'directoryroot' });
    assert.deepEqual(owner('plain'), { uid: 0, user: 'root' });
  });

  it('shows owners by UID, says so and ends with status 0 where the user database never answers', () => {
    // NSS_WRAPPER_PASSWD names a FIFO that nobody writes: the lookup waits in open(2) for ever.
    const silent = (args: string): string[] => ['sh', '-c', `LD_PRELOAD=${NSS_WRAPPER} NSS_WRAPPER_PASSWD="$DIR/silent" NSS_WRAPPER_GROUP="$DIR/silent" exec node '${LAUNCHER}' ${args}`];
    const f = inPidNamespace({
      chains: [{ name: 'child', depth: 1 }],
      setup: 'mkfifo "$DIR/silent"',
      runs: [
        { label: 'json', command: silent('--json') },
        { label: 'tree', command: silent('--format tree --width 300') },
      ],
    });
    const line = "owners' names not read: the user database did not answer within 2 s; owners are shown by UID";
    for (const label of ['json', 'tree']) {
      const run = f.runs.get(label)!;
      assert.deepEqual([label, run.status, run.stderr], [label, 0, `userns-overview: ${line}\n`]);
      assert.ok(run.seconds < 10, `${label}: ${run.seconds} s`);
    }
    const doc = JSON.parse(f.runs.get('json')!.stdout) as JsonDocument;
    assert.deepEqual([doc.roots[0]!.owner, doc.scan.cut], [{ uid: 0, user: null }, [line]]);
    assert.match(f.runs.get('tree')!.stdout, new RegExp(`^${f.root.ino}  0  `));
  });
});
