// The line a missing or broken backend's message ends with: what to run, for each backend and
// each way the tool can have been installed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FFI_NAPI_PACKAGES, installHint, type InstallTree } from '../../src/kernel/libc.js';

const tree = (kind: InstallTree['kind']): InstallTree => ({ kind, packageDir: '/p', root: '/r', moduleFolders: [] });
const BUILDS = "it is optional, and its install script builds it with node-gyp (a C++ compiler, make, Python and Node's headers): ";

describe('the install hint', () => {
  it('mends koffi by installing the tool again, the way it was installed', () => {
    assert.equal(installHint('koffi', tree('clone'), '1.2.3'), "run 'npm ci' in /r");
    assert.equal(installHint('koffi', tree('project'), '1.2.3'), "run 'npm install userns-overview@1.2.3' in /r");
    assert.equal(installHint('koffi', tree('global'), '1.2.3'), "run 'npm install -g --prefix /r userns-overview@1.2.3'");
    assert.equal(installHint('koffi', tree('npx'), '1.2.3'), 'remove /r and run npx again');
  });

  it('adds ffi-napi beside the tool, saying what its build needs and that koffi needs none', () => {
    const hint = (kind: InstallTree['kind']): string => installHint('ffi-napi', tree(kind), '1.2.3');
    assert.equal(hint('clone'), `${BUILDS}run 'npm ci' in /r, or use '--ffi koffi'`);
    assert.equal(hint('project'), `${BUILDS}run 'npm install ${FFI_NAPI_PACKAGES}' in /r, or use '--ffi koffi'`);
    assert.equal(hint('global'), `${BUILDS}run 'npm install -g --prefix /r ${FFI_NAPI_PACKAGES}', or use '--ffi koffi'`);
    assert.equal(
      hint('npx'),
      `${BUILDS}run 'npx -p userns-overview@1.2.3 -p @2060.io/ffi-napi@4.0.9 -p @2060.io/ref-napi@3.0.6 userns-overview --ffi ffi-napi', or use '--ffi koffi'`,
    );
  });

  it('sends a machine koffi has no binary for to ffi-napi', () => {
    const arch = Object.getOwnPropertyDescriptor(process, 'arch')!;
    Object.defineProperty(process, 'arch', { ...arch, value: 'riscv64' });
    try {
      assert.equal(installHint('koffi', tree('clone'), '1.2.3'), "koffi's prebuilt binary is installed for x64 and arm64 only; use '--ffi ffi-napi'");
    } finally {
      Object.defineProperty(process, 'arch', arch);
    }
  });
});
