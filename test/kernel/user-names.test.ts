// Owners' names come from the system's user database (NSS), as ps and lsns show them, not from
// /etc/passwd alone: an account that only NSS knows (LDAP, sssd, systemd-userdb) is named. A
// database that never answers costs the run its deadline, not its end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { JsonDocument } from '../../src/render/json.js';
import { fixtureScript, inPidNamespace, LAUNCHER, type RunResult } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';

// Debian's libnss-wrapper: NSS answers from the files named in NSS_WRAPPER_PASSWD/GROUP.
const NSS_WRAPPER = ['/usr/lib/x86_64-linux-gnu/libnss_wrapper.so', '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so'].find((file) => fs.existsSync(file));

// An owner that /etc/passwd does not name: NSS is asked for it (where NSS asks /etc/passwd first,
// as here, what /etc/passwd names needs no other source).
const DIRECTORY_UID = 4242;

describe('owners by name', { skip: NEEDS_ROOT || (NSS_WRAPPER === undefined && 'needs libnss-wrapper (Debian package) to stand in for a directory service') }, () => {
  const withNss = (passwd: string, args: string): string[] => [
    'sh',
    '-c',
    `LD_PRELOAD=${NSS_WRAPPER} NSS_WRAPPER_PASSWD="$DIR/${passwd}" NSS_WRAPPER_GROUP="$DIR/${passwd === 'passwd' ? 'group' : passwd}" exec node '${LAUNCHER}' ${args}`,
  ];
  const owners = (run: RunResult): unknown[] => {
    const doc = JSON.parse(run.stdout) as JsonDocument;
    return [doc.roots[0]!.owner, doc.roots[0]!.children.find((ns) => ns.owner?.uid === DIRECTORY_UID)?.owner];
  };

  it('takes the name NSS gives', () => {
    const f = inPidNamespace({
      chains: [{ name: 'directory', depth: 1, asUser: DIRECTORY_UID }],
      setup: fixtureScript('nss-directory.sh'),
      runs: [
        { label: 'nss', command: withNss('passwd', '--json --quiet') },
        { label: 'plain', command: ['node', LAUNCHER, '--json', '--quiet'] },
      ],
    });
    assert.deepEqual(owners(f.runs.get('nss')!), [{ uid: 0, user: 'root' }, { uid: DIRECTORY_UID, user: 'directoryuser' }]);
    assert.deepEqual(owners(f.runs.get('plain')!), [{ uid: 0, user: 'root' }, { uid: DIRECTORY_UID, user: null }]);
  });

  it('shows owners by UID, says so and ends with status 0 where the user database never answers', () => {
    // NSS_WRAPPER_PASSWD names a FIFO that nobody writes: the lookup waits in open(2) for ever.
    const f = inPidNamespace({
      chains: [{ name: 'directory', depth: 1, asUser: DIRECTORY_UID }],
      setup: 'mkfifo "$DIR/silent"',
      runs: [
        { label: 'json', command: withNss('silent', '--json') },
        { label: 'tree', command: withNss('silent', '--format tree --width 300') },
      ],
    });
    const line = "owners' names not read: the user database did not answer within 2 s; those owners are shown by UID";
    for (const label of ['json', 'tree']) {
      const run = f.runs.get(label)!;
      assert.deepEqual([label, run.status, run.stderr], [label, 0, `userns-overview: ${line}\n`]);
      assert.ok(run.seconds < 10, `${label}: ${run.seconds} s`);
    }
    assert.deepEqual(owners(f.runs.get('json')!), [{ uid: 0, user: 'root' }, { uid: DIRECTORY_UID, user: null }]);
    assert.deepEqual((JSON.parse(f.runs.get('json')!.stdout) as JsonDocument).scan.cut, [line]);
    assert.match(f.runs.get('tree')!.stdout, new RegExp(`^[├└]─ ${f.chains.get('directory')!.path[0]!.ino}  ${DIRECTORY_UID}  `, 'm'));
  });
});
