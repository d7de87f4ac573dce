// The package as users get it: what `npm pack` ships, and an install from the tarball that runs
// no install script and needs no compiler (koffi is prebuilt; ffi-napi is an opt-in peer), on a
// machine with no compiler, with scripts ignored, and with the opt-in ffi-napi added.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FFI_NAPI_PACKAGES } from '../../src/kernel/libc.js';
import { inPidNamespace, PROJECT } from '../support/fixture.js';
import { NEEDS_ROOT, needsFfiNapi, needsPrograms } from '../support/requirements.js';

interface PackedFile {
  path: string;
}

// npm may have to reach the registry; an unreachable one fails the test instead of hanging it.
const NPM_TIMEOUT = 180_000;

/** A PATH with Node, npm and a shell, and none of cc, gcc, g++, make or python3. */
function pathWithoutCompiler(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const npmCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npxCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(npxCli, path.join(bin, 'npx'));
  for (const tool of ['sh', 'env', 'cat', 'mkdir', 'rm', 'ls', 'uname']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found !== '') fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const compiler of ['cc', 'gcc', 'g++', 'make', 'python3', 'python']) {
    assert.notEqual(spawnSync('sh', ['-c', `command -v ${compiler}`], { env: { PATH: bin } }).status, 0, `${compiler} hidden`);
  }
  return bin;
}

describe('the packed package', { skip: NEEDS_ROOT }, () => {
  let work: string;
  let tarball: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-install-'));
    fs.chmodSync(work, 0o755);
    // The suite's own build is what is packed: a rebuild now would pull dist/ from under the running tests.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: PROJECT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: NPM_TIMEOUT }),
    ) as { filename: string; files: PackedFile[] }[];
    tarball = path.join(work, packed[0]!.filename);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('holds only the compiled code (with its package.json), the launcher, the man page, the completion, the README, the licence, package.json and npm-shrinkwrap.json', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const unexpected = listed.filter(
      (f) => !/^(LICENSE|README\.md|package\.json|npm-shrinkwrap\.json|bin\/userns-overview\.js|dist\/src\/.+\.js|dist\/src\/package\.json|man\/userns-overview\.8|completion\/userns-overview\.bash)$/.test(f),
    );
    assert.deepEqual(unexpected, []);
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'npm-shrinkwrap.json', 'bin/userns-overview.js', 'dist/src/cli.js', 'dist/src/discover/discover.js', 'dist/src/package.json', 'man/userns-overview.8']) {
      assert.ok(listed.includes(needed), needed);
    }
  });

  /** Installs the tarball into an empty folder; returns the installed launcher. */
  function install(name: string, env: NodeJS.ProcessEnv, extra: string[] = []): { folder: string; launcher: string } {
    const folder = path.join(work, name);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'package.json'), '{"name": "consumer", "version": "1.0.0", "private": true}\n');
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...extra, tarball], { cwd: folder, env, encoding: 'utf8', timeout: NPM_TIMEOUT });
    assert.equal(result.status, 0, `npm install: ${result.stderr}`);
    return { folder, launcher: path.join(folder, 'node_modules', 'userns-overview', 'bin', 'userns-overview.js') };
  }

  /** The installed packages that have a script npm runs at install time. */
  function withInstallScripts(folder: string, env: NodeJS.ProcessEnv): string[] {
    return ['preinstall', 'install', 'postinstall'].flatMap((script) => {
      const query = spawnSync('npm', ['query', `:attr(scripts, [${script}])`], { cwd: folder, env, encoding: 'utf8', timeout: NPM_TIMEOUT });
      assert.equal(query.status, 0, `npm query: ${query.stderr}`);
      return (JSON.parse(query.stdout) as { location: string }[]).map((p) => `${p.location} (${script})`);
    });
  }

  it('installs without running an install script or a compiler: koffi is prebuilt, ffi-napi is not installed', () => {
    const { folder } = install('no-scripts', process.env);
    assert.deepEqual(withInstallScripts(folder, process.env), []);
    for (const absent of ['ffi-napi', 'ref-napi', '@2060.io', 'koffi', 'node-gyp-build']) {
      assert.equal(fs.existsSync(path.join(folder, 'node_modules', absent)), false, absent);
    }
  });

  it('installs with no compiler: npx prints the tree through koffi, and --ffi ffi-napi says what to add where', () => {
    const bin = pathWithoutCompiler(work);
    const env = { PATH: bin, HOME: process.env['HOME'] ?? '/root' };
    const { folder, launcher } = install('no-compiler', env);
    assert.equal(fs.existsSync(path.join(folder, 'node_modules', 'ffi-napi')), false);

    const npx = spawnSync('npx', ['--no-install', 'userns-overview', '--quiet'], { cwd: folder, env, encoding: 'utf8', timeout: NPM_TIMEOUT });
    assert.deepEqual([npx.status, npx.stderr], [0, '']);
    assert.match(npx.stdout, /^\{\d+ \d+\}\n/);

    const f = inPidNamespace({
      chains: [{ name: 'child', depth: 2 }],
      runs: [
        { label: 'koffi', command: [process.execPath, launcher] },
        { label: 'ffi-napi', command: [process.execPath, launcher, '--ffi', 'ffi-napi'] },
      ],
    });
    assert.deepEqual([f.runs.get('koffi')!.status, f.runs.get('koffi')!.stderr], [0, '']);
    const ffi = f.runs.get('ffi-napi')!;
    assert.equal(ffi.status, 1);
    assert.equal(
      ffi.stderr,
      "userns-overview: the ffi-napi backend is not installed (package 'ffi-napi' not found); it is optional, and its " +
        "install script builds it with node-gyp (a C++ compiler, make, Python and Node's headers): " +
        `run 'npm install ${FFI_NAPI_PACKAGES}' in ${fs.realpathSync(folder)}, or use '--ffi koffi'\n`,
    );
  });

  it('installs with install scripts ignored, as under a strict script policy, and works through koffi', () => {
    const { launcher } = install('ignore-scripts', process.env, ['--ignore-scripts']);
    const f = inPidNamespace({ chains: [{ name: 'child', depth: 2 }], runs: [{ label: 'koffi', command: [process.execPath, launcher] }] });
    assert.deepEqual([f.runs.get('koffi')!.status, f.runs.get('koffi')!.stderr], [0, '']);
    assert.equal(f.runs.get('koffi')!.stdout.split('\n').filter((l) => l.includes('{')).length, 3);
  });

  it('adds ffi-napi with the line the hint gives, where a compiler is: both backends work and agree', { skip: needsPrograms('g++', 'make', 'python3') || needsFfiNapi() }, () => {
    const { folder, launcher } = install('with-compiler', process.env);
    const added = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...FFI_NAPI_PACKAGES.split(' ')], { cwd: folder, encoding: 'utf8', timeout: NPM_TIMEOUT });
    assert.equal(added.status, 0, `npm install: ${added.stderr}`);
    const f = inPidNamespace({
      chains: [{ name: 'child', depth: 2 }],
      runs: [
        { label: 'koffi', command: [process.execPath, launcher, '--quiet'] },
        { label: 'ffi-napi', command: [process.execPath, launcher, '--quiet', '--ffi', 'ffi-napi'] },
      ],
    });
    const koffi = f.runs.get('koffi')!;
    const ffi = f.runs.get('ffi-napi')!;
    assert.deepEqual([koffi.status, ffi.status, ffi.stderr], [0, 0, '']);
    assert.equal(ffi.stdout.replace(` ${ffi.pid} `, ' SELF '), koffi.stdout.replace(` ${koffi.pid} `, ' SELF '));
  });
});
