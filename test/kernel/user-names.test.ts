// Owners' names come from the system's user database (NSS), as ps and lsns show them, not from
// /etc/passwd alone: an account that only NSS knows (LDAP, sssd, systemd-userdb) is named.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { JsonDocument } from '../../src/render/json.js';
import { fixtureScript, inPidNamespace, LAUNCHER } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

// Debian's libnss-wrapper: NSS answers from the files named in NSS_WRAPPER_PASSWD/GROUP.
const NSS_WRAPPER = ['/usr/lib/x86_64-linux-gnu/libnss_wrapper.so', '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so'].find((file) => fs.existsSync(file));

describe('owners by name', { skip: NEEDS_ROOT || (NSS_WRAPPER === undefined && 'needs libnss-wrapper (Debian package) to stand in for a directory service') }, () => {
  it('takes the name NSS gives, where the FFI library is loaded', () => {
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
});
