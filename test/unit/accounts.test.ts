// Owners' names (src/kernel/accounts.ts): NSS is asked, through getent, only for what /etc/passwd
// cannot answer for it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lookUpUserNames } from '../../src/kernel/accounts.js';

/** A stand-in for getent that records the UIDs it is asked for and names each "nssUID". */
function fakeGetent(dir: string): { program: string; asked: () => string } {
  const program = path.join(dir, 'getent');
  const log = path.join(dir, 'asked');
  fs.writeFileSync(program, `#!/bin/sh\nshift\necho "$*" >> '${log}'\nfor uid; do echo "nss$uid:x:$uid:$uid::/:/bin/sh"; done\n`, { mode: 0o755 });
  return { program, asked: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '') };
}

describe('owners by name', () => {
  const ROOT = fs.readFileSync('/etc/passwd', 'utf8').match(/^([^:\n]+):[^:\n]*:0:/m)?.[1];

  it('asks NSS only for the UIDs that /etc/passwd does not name, where NSS asks /etc/passwd first', { skip: ROOT === undefined && 'needs an /etc/passwd that names UID 0' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-'));
    try {
      const nsswitch = path.join(dir, 'nsswitch.conf');
      fs.writeFileSync(nsswitch, '# a comment\npasswd:         files systemd\ngroup: files\n');
      const getent = fakeGetent(dir);
      const answer = lookUpUserNames([0, 4242], 5_000, getent.program, nsswitch);
      assert.deepEqual([...answer.names], [[0, ROOT], [4242, 'nss4242']]);
      assert.equal(getent.asked(), '4242\n');
      // Nothing left to ask: no helper started at all.
      lookUpUserNames([0], 5_000, getent.program, nsswitch);
      assert.equal(getent.asked(), '4242\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks NSS for every UID where another source comes first, or nsswitch.conf cannot be read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-'));
    try {
      const nsswitch = path.join(dir, 'nsswitch.conf');
      fs.writeFileSync(nsswitch, 'passwd: sss files\n');
      const getent = fakeGetent(dir);
      assert.deepEqual([...lookUpUserNames([0, 7], 5_000, getent.program, nsswitch).names], [[0, 'nss0'], [7, 'nss7']]);
      assert.deepEqual([...lookUpUserNames([1], 5_000, getent.program, path.join(dir, 'absent')).names], [[1, 'nss1']]);
      assert.equal(getent.asked(), '0 7\n1\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
