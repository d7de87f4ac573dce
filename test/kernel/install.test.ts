// The package as users get it: what `npm pack` ships, and an install from the tarball on a
// machine with no compiler (the optional ffi-napi build fails quietly, koffi works) and with one.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inPidNamespace, PROJECT } from '../support/fixture';
import { NEEDS_ROOT, needsPrograms } from '../support/requirements';

interface PackedFile {
  path: string;
}

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
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: PROJECT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as { filename: string; files: PackedFile[] }[];
    tarball = path.join(work, packed[0]!.filename);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('holds only the compiled code, the launcher, the man page, the completion, the README, the licence and package.json', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const unexpected = listed.filter(
      (f) => !/^(LICENSE|README\.md|package\.json|bin\/userns-overview\.js|dist\/src\/.+\.js|man\/userns-overview\.8|completion\/userns-overview\.bash)$/.test(f),
    );
    assert.deepEqual(unexpected, []);
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'bin/userns-overview.js', 'dist/src/cli.js', 'dist/src/discover/discover.js', 'man/userns-overview.8']) {
      assert.ok(listed.includes(needed), needed);
    }
  });

  /** Installs the tarball into an empty folder; returns the installed launcher. */
  function install(name: string, env: NodeJS.ProcessEnv, extra: string[] = []): { folder: string; launcher: string } {
    const folder = path.join(work, name);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'package.json'), '{"name": "consumer", "version": "1.0.0", "private": true}\n');
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...extra, tarball], { cwd: folder, env, encoding: 'utf8' });
    assert.equal(result.status, 0, `npm install: ${result.stderr}`);
    return { folder, launcher: path.join(folder, 'node_modules', 'userns-overview', 'bin', 'userns-overview.js') };
  }

  it('installs with no compiler: npx prints the tree through koffi, and --ffi ffi-napi says what to add', () => {
    const bin = pathWithoutCompiler(work);
    const env = { PATH: bin, HOME: process.env['HOME'] ?? '/root' };
    const { folder, launcher } = install('no-compiler', env);
    assert.equal(fs.existsSync(path.join(folder, 'node_modules', 'ffi-napi', 'build', 'Release', 'ffi_bindings.node')), false);

    const npx = spawnSync('npx', ['--no-install', 'userns-overview', '--quiet'], { cwd: folder, env, encoding: 'utf8' });
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
    assert.match(ffi.stderr, /^userns-overview: the ffi-napi backend is not installed \(package 'ffi-napi' not found\); .*\n$/);
  });

  it('installs with install scripts ignored, as under a strict script policy, and works through koffi', () => {
    const { launcher } = install('ignore-scripts', process.env, ['--ignore-scripts']);
    const f = inPidNamespace({ chains: [{ name: 'child', depth: 2 }], runs: [{ label: 'koffi', command: [process.execPath, launcher] }] });
    assert.deepEqual([f.runs.get('koffi')!.status, f.runs.get('koffi')!.stderr], [0, '']);
    assert.equal(f.runs.get('koffi')!.stdout.split('\n').filter((l) => l.includes('{')).length, 3);
  });

  it('installs with a compiler: both backends work and agree', { skip: needsPrograms('g++', 'make', 'python3') }, () => {
    const { launcher } = install('with-compiler', process.env);
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
