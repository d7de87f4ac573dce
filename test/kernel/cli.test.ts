// How a full run ends, and the FFI backends, on real namespaces (as root).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tool } from '../support/tool.js';
import { inPidNamespace, LAUNCHER, PROJECT } from '../support/fixture.js';
import { NEEDS_ROOT } from '../support/requirements.js';



describe('how a run ends', { skip: NEEDS_ROOT }, () => {
  it('ends quietly with status 0 when the reader has closed the pipe', async () => {
    const child = spawn('node', [LAUNCHER, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the tool has even started Node: its one write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 0);
    assert.equal(stderr, '');
  });

  it('ends with status 0 under `| head -1`, whatever the size of the tree', () => {
    const facts = inPidNamespace({
      rootMembers: 40,
      chains: Array.from({ length: 200 }, (_, i) => ({ name: `c${i}`, depth: 3 })),
      runs: [{ label: 'head', command: ['bash', '--norc', '--noprofile', '-c', `node '${LAUNCHER}' --quiet | head -1; echo "\${PIPESTATUS[0]}" >&2`] }],
    });
    const run = facts.runs.get('head')!;
    assert.match(run.stdout, /^\{\d+ 4026531837\}\n$/);
    assert.equal(run.stderr, '0\n');
  });

  it('writes all of a large document to a non-blocking pipe whose reader is slow', () => {
    const wrapper = path.join(__dirname, '..', 'support', 'nonblocking-stdout.js');
    const facts = inPidNamespace({
      rootMembers: 1000,
      runs: [
        {
          label: 'slow-reader',
          // The reader starts late: the 64 KiB pipe fills, and the writer meets EAGAIN.
          command: ['sh', '-c', `node '${wrapper}' --json | (sleep 0.5; cat > "$DIR/document"); echo "$(wc -c < "$DIR/document")"`],
        },
      ],
    });
    const run = facts.runs.get('slow-reader')!;
    assert.deepEqual([run.status, run.stderr], [0, '']);
    assert.ok(Number(run.stdout) > 128 * 1024, `document of ${run.stdout.trim()} bytes`);
  });

  it('says so in one line, with status 1, when standard output cannot be written', () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const run = tool(['--quiet'], { stdout: full });
      assert.equal(run.status, 1);
      assert.equal(run.stderr, 'userns-overview: cannot write to standard output (ENOSPC)\n');
    } finally {
      fs.closeSync(full);
    }
  });

  it('refuses a /proc that is not procfs, in one line with status 1', () => {
    // A private mount namespace, so the machine's /proc is untouched.
    const run = spawnSync('unshare', ['--mount', 'sh', '-c', `mount -t tmpfs none /proc && exec node '${LAUNCHER}'`], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'userns-overview: /proc is not a procfs mount (filesystem type 0x1021994)\n');
  });

  it('refuses a missing /proc in one line with status 1', () => {
    const run = spawnSync('unshare', ['--mount', 'sh', '-c', `umount -l /proc && exec node '${LAUNCHER}'`], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^userns-overview: \/proc is not a procfs mount \(filesystem type 0x[0-9a-f]+\)\n$/);
  });

  it('warns about a process that even root may not inspect, after the tree, unless --quiet', () => {
    // PID 1 of these machines refuses even root; elsewhere there may be nothing to warn about.
    const pid1Hidden = (() => {
      try {
        fs.statSync('/proc/1/ns/user');
        return false;
      } catch {
        return true;
      }
    })();
    const loud = tool([]);
    const quiet = tool(['--quiet']);
    assert.equal(loud.status, 0);
    assert.equal(quiet.stderr, '');
    if (pid1Hidden) assert.match(loud.stderr, /^userns-overview: left out \d+ process(es)? that could not be inspected \(permission denied\): PIDs? 1\b.*\n$/);
  });
});

describe('the FFI backends', { skip: NEEDS_ROOT }, () => {
  /** A copy of the installed tool whose node_modules lacks ffi-napi and ref-napi. */
  function copyWithoutFfiNapi(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-no-ffi-napi-'));
    fs.cpSync(path.join(PROJECT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    fs.cpSync(path.join(PROJECT, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
    fs.copyFileSync(path.join(PROJECT, 'package.json'), path.join(dir, 'package.json'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    for (const name of ['commander', '@koromix']) {
      fs.symlinkSync(path.join(PROJECT, 'node_modules', name), path.join(dir, 'node_modules', name));
    }
    fs.chmodSync(dir, 0o755);
    return dir;
  }

  it('loads no backend while no parent must be asked for, and names a missing one when it must', () => {
    const copy = copyWithoutFfiNapi();
    try {
      const command = ['node', path.join(copy, 'bin', 'userns-overview.js'), '--ffi', 'ffi-napi'];
      const alone = inPidNamespace({ runs: [{ label: 'alone', command }] });
      assert.equal(alone.runs.get('alone')!.status, 0);
      assert.equal(alone.runs.get('alone')!.stderr, '');

      const nested = inPidNamespace({ chains: [{ name: 'child', depth: 1 }], runs: [{ label: 'nested', command }] });
      const run = nested.runs.get('nested')!;
      assert.equal(run.status, 1);
      assert.equal(run.stdout, '');
      assert.equal(
        run.stderr,
        "userns-overview: the ffi-napi backend is not installed (package 'ffi-napi' not found); it is optional, and its " +
          "install script builds it with node-gyp (a C++ compiler, make, Python and Node's headers): " +
          `run 'npm ci' in ${fs.realpathSync(copy)}, or use '--ffi koffi'\n`,
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
