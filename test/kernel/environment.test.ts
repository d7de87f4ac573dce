// The tool runs under sudo: nothing in the current directory, and no environment variable but
// NO_COLOR and COLUMNS, changes what it does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inPidNamespace, LAUNCHER, PROJECT } from '../support/fixture.js';
import { NEEDS_ROOT, needsFfiNapi } from '../support/requirements.js';

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

/** Variables the backends' loaders read (node-gyp-build, debug, ffi-napi) or Node's resolver uses, set to hostile values. */
function hostileBackendEnvironment(planted: string): string[] {
  return [
    'DEBUG=*',
    'DEBUG_COLORS=1',
    'DEBUG_HIDE_DATE=1',
    'PREBUILDS_ONLY=1',
    'LIBC=musl',
    'ARM_VERSION=6',
    'npm_config_arch=arm',
    'npm_config_platform=win32',
    'ELECTRON_RUN_AS_NODE=1',
    `@2060.IO/FFI_NAPI_PREBUILD=${planted}`,
    `@2060.IO/REF_NAPI_PREBUILD=${planted}`,
    `FFI_NAPI_PREBUILD=${planted}`,
    `REF_NAPI_PREBUILD=${planted}`,
  ];
}

/** Packages that leave a mark in `marker` if anything ever loads them, in `folder`/node_modules. */
function plantLookAlikes(folder: string, marker: string): void {
  const names = ['ffi-napi', 'ref-napi', 'koffi', '@koromix/koffi-linux-x64', '@koromix/koffi-linux-arm64', '@2060.io/ref-napi', 'debug', 'node-gyp-build', 'supports-color'];
  for (const name of names) {
    const dir = path.join(folder, 'node_modules', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '6.6.6', main: 'index.js' }));
    fs.writeFileSync(path.join(dir, 'index.js'), `require('fs').appendFileSync(${JSON.stringify(marker)}, '${name}\\n');`);
  }
}

/** A copy of the tool at `dir` with commander only: neither backend is installed. */
function copyWithoutBackends(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(PROJECT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(path.join(PROJECT, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
  fs.copyFileSync(path.join(PROJECT, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(PROJECT, 'node_modules', 'commander'), path.join(dir, 'node_modules', 'commander'), { recursive: true });
  return path.join(dir, 'bin', 'userns-overview.js');
}

describe('where the backends come from', { skip: NEEDS_ROOT }, () => {
  it('only from the install tree: look-alikes in a parent folder, NODE_PATH or ~/.node_modules are never loaded', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-hostile-parent-'));
    try {
      fs.chmodSync(parent, 0o755);
      const marker = path.join(parent, 'loaded');
      plantLookAlikes(parent, marker);
      // Node also looks in $HOME/.node_modules, whatever the require.
      plantLookAlikes(path.join(parent, 'home'), marker);
      fs.renameSync(path.join(parent, 'home', 'node_modules'), path.join(parent, 'home', '.node_modules'));
      // A checkout under the hostile folder, and an install in a project's node_modules below it.
      const clone = copyWithoutBackends(path.join(parent, 'checkout'));
      const project = copyWithoutBackends(path.join(parent, 'project', 'node_modules', 'userns-overview'));
      const hostile = ['NODE_PATH=' + path.join(parent, 'node_modules'), 'HOME=' + path.join(parent, 'home'), ...hostileBackendEnvironment(parent)];
      const runs = [];
      for (const [where, launcher] of [['clone', clone], ['project', project]] as const) {
        for (const backend of ['ffi-napi', 'koffi']) {
          runs.push({ label: `${where}-${backend}`, command: ['sh', '-c', `cd '${parent}' && exec node '${launcher}' --ffi ${backend}`] });
          runs.push({ label: `${where}-${backend}-hostile`, command: ['sh', '-c', `cd '${parent}' && exec env ${hostile.map((v) => `'${v}'`).join(' ')} node '${launcher}' --ffi ${backend}`] });
        }
      }
      const f = inPidNamespace({ chains: [{ name: 'child', depth: 1 }], runs });
      const realParent = fs.realpathSync(parent);
      for (const run of runs) {
        const result = f.runs.get(run.label)!;
        const backend = run.label.includes('ffi-napi') ? 'ffi-napi' : 'koffi';
        const missing = backend === 'ffi-napi' ? 'ffi-napi' : `@koromix/koffi-linux-${process.arch}`;
        assert.equal(result.status, 1, run.label);
        assert.equal(result.stdout, '', run.label);
        assert.match(result.stderr, new RegExp(`^userns-overview: the ${backend} backend is not installed \\(package '${missing}' not found\\); [^\\n]*\\n$`), run.label);
        const plain = f.runs.get(run.label.replace(/-hostile$/, ''))!;
        assert.equal(result.stderr, plain.stderr, run.label);
        if (run.label.startsWith('project')) assert.ok(result.stderr.includes(`in ${realParent}/project`), run.label);
      }
      assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('the same output through both real backends whatever the variables their loaders read', { skip: needsFfiNapi() }, () => {
    const planted = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-hostile-prebuild-'));
    try {
      fs.chmodSync(planted, 0o755);
      const marker = path.join(planted, 'loaded');
      plantLookAlikes(planted, marker);
      const hostile = ['NODE_PATH=' + path.join(planted, 'node_modules'), ...hostileBackendEnvironment(planted)];
      const runs = ['koffi', 'ffi-napi'].flatMap((backend) => [
        { label: backend, command: ['node', LAUNCHER, '--ffi', backend, '--format', 'json'] },
        { label: `${backend}-hostile`, command: ['env', ...hostile, 'node', LAUNCHER, '--ffi', backend, '--format', 'json'] },
      ]);
      const f = inPidNamespace({ chains: [{ name: 'child', depth: 2 }], runs });
      const strip = (label: string): string => {
        const run = f.runs.get(label)!;
        assert.deepEqual([run.status, run.stderr], [0, ''], label);
        // The run's own command line names its backend.
        return run.stdout.replace(new RegExp(`\\b${run.pid}\\b`, 'g'), 'SELF').replace(/"(?:koffi|ffi-napi)"/g, '"BACKEND"');
      };
      for (const backend of ['koffi', 'ffi-napi']) assert.equal(strip(`${backend}-hostile`), strip(backend), backend);
      assert.equal(strip('ffi-napi'), strip('koffi'));
      assert.equal(fs.existsSync(marker), false);
    } finally {
      fs.rmSync(planted, { recursive: true, force: true });
    }
  });
});
