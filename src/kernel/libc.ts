// The one module that loads a foreign-function library. It binds the few C library calls that
// Node's fs cannot make (ioctl(2), and syscall(2) for pidfd_open, pidfd_getfd, openat2, kcmp,
// statmount and listmount) and
// answers as the kernel does: a result >= 0, or -errno. Nothing above src/kernel/ sees it.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { errnoCode, tooManyOpenFiles, ToolFailure } from '../failure.js';

/** The libraries this module can load; kernel.ts lists them for the option table. */
export type Backend = 'koffi' | 'ffi-napi';

/** Each call answers its return value, or -errno where it failed. */
export interface Libc {
  ioctl(fd: number, request: number): number;
  /** An ioctl that writes a 32-bit unsigned value (NS_GET_OWNER_UID): the value, or -errno. */
  ioctlUint32Out(fd: number, request: number): number;
  /** pidfd_open(2): a descriptor that refers to the process itself, immune to PID reuse. */
  pidfdOpen(pid: number): number;
  /** pidfd_getfd(2): a duplicate of another process's descriptor, made without open(2). */
  pidfdGetfd(pidfd: number, targetFd: number): number;
  /** openat2(2) with a struct open_how of { flags, mode 0, resolve }; path NUL-terminated. */
  openat2(dirfd: number, path: Buffer, flags: number, resolve: number): number;
  /** pidfd_open(2) with PIDFD_THREAD (Linux 6.9): a descriptor of one thread, whose own descriptor table pidfd_getfd reads. */
  pidfdOpenThread(tid: number): number;
  /** kcmp(2) with no index: 0 where both tasks share the resource `type`, 1 or 2 where not. */
  kcmp(pid1: number, pid2: number, type: number): number;
  /** An ioctl whose argument is a buffer the kernel reads and fills (NS_MNT_GET_INFO). */
  ioctlBuffer(fd: number, request: number, buffer: Buffer): number;
  /** statmount(2) (Linux 6.8): `request` a struct mnt_id_req, `out` the struct statmount and its strings. */
  statmount(request: Buffer, out: Buffer): number;
  /** listmount(2) (Linux 6.8): up to `count` 64-bit mount IDs into `out`; how many. */
  listmount(request: Buffer, out: Buffer, count: number): number;
  /**
   * _exit(2): ends the process at once. Node's own exit first joins its threads, and a thread
   * that waits in the kernel on another user's process would hold it for ever; the kernel ends
   * such a thread with the process (its waits are killable).
   */
  exit(status: number): never;
}

// Syscall numbers from the kernel's unified table, the same on x86-64 and arm64 (asm-generic).
const SYS_PIDFD_OPEN = 434;
const SYS_OPENAT2 = 437;
const SYS_PIDFD_GETFD = 438;
const SYS_STATMOUNT = 457;
const SYS_LISTMOUNT = 458;
// kcmp predates the unified table: x86-64 has its own number.
const SYS_KCMP = process.arch === 'x64' ? 312 : 272;
// PIDFD_THREAD is O_EXCL (include/uapi/linux/pidfd.h).
const PIDFD_THREAD = 0o200;

/** struct open_how (openat2(2)): u64 flags, u64 mode, u64 resolve. */
function openHow(flags: number, resolve: number): Buffer {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  return how;
}

// glibc's syscall(3) is variadic; every argument here is an integer or a pointer, which the
// x86-64 and arm64 calling conventions pass alike in either case, so fixed prototypes serve.

function koffiLibc(tree: InstallTree): Libc {
  // Koffi's own package has an install script that falls back to building from source; its
  // per-machine package holds the same prebuilt native module and runs no script.
  const koffi = requireFromInstallTree(tree, KOFFI_NATIVE) as KoffiNative;
  // null: the symbols already in the process, which include the C library's.
  const c = koffi.load(null);
  const ioctl = c.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
  const ioctlOut = c.func('int ioctl(int fd, unsigned long request, _Out_ uint32_t *value)');
  const syscall2 = c.func('long syscall(long number, long a, long b, long c)');
  const syscallOpen = c.func('long syscall(long number, int dirfd, const uint8_t *path, const uint8_t *how, unsigned long size)');
  const ioctlBuffer = c.func('int ioctl(int fd, unsigned long request, uint8_t *arg)');
  const syscall5 = c.func('long syscall(long number, long a, long b, long c, long d, long e)');
  const syscallMounts = c.func('long syscall(long number, const uint8_t *request, uint8_t *out, unsigned long size, unsigned long flags)');
  const exit = c.func('void _exit(int status)');
  const answer = (ret: number): number => (ret < 0 ? -koffi.errno() : ret);
  return {
    ioctl: (fd, request) => answer(ioctl(fd, request, 0)),
    ioctlUint32Out(fd, request) {
      const value = [0];
      const ret = answer(ioctlOut(fd, request, value));
      return ret < 0 ? ret : (value[0] as number);
    },
    pidfdOpen: (pid) => answer(syscall2(SYS_PIDFD_OPEN, pid, 0, 0)),
    pidfdGetfd: (pidfd, targetFd) => answer(syscall2(SYS_PIDFD_GETFD, pidfd, targetFd, 0)),
    openat2: (dirfd, path, flags, resolve) => answer(syscallOpen(SYS_OPENAT2, dirfd, path, openHow(flags, resolve), 24)),
    pidfdOpenThread: (tid) => answer(syscall2(SYS_PIDFD_OPEN, tid, PIDFD_THREAD, 0)),
    kcmp: (pid1, pid2, type) => answer(syscall5(SYS_KCMP, pid1, pid2, type, 0, 0)),
    ioctlBuffer: (fd, request, buffer) => answer(ioctlBuffer(fd, request, buffer)),
    statmount: (request, out) => answer(syscallMounts(SYS_STATMOUNT, request, out, out.length, 0)),
    listmount: (request, out, count) => answer(syscallMounts(SYS_LISTMOUNT, request, out, count, 0)),
    exit: (status) => (exit(status), process.exit(status)),
  };
}

function ffiNapiLibc(tree: InstallTree): Libc {
  // npx -p installs an alias under its real name, so the forks are looked for by theirs too.
  const ffi = requireFromInstallTree(tree, 'ffi-napi', '@2060.io/ffi-napi') as any;
  const ref = requireFromInstallTree(tree, 'ref-napi', '@2060.io/ref-napi') as any;
  const { int, long, ulong, uint32 } = ref.types;
  const pointer = ref.refType(ref.types.void);
  const ioctl = ffi.Library(null, { ioctl: [int, [int, ulong, ulong]] }).ioctl;
  const ioctlOut = ffi.Library(null, { ioctl: [int, [int, ulong, ref.refType(uint32)]] }).ioctl;
  const syscall2 = ffi.Library(null, { syscall: [long, [long, long, long, long]] }).syscall;
  const syscallOpen = ffi.Library(null, { syscall: [long, [long, int, pointer, pointer, ulong]] }).syscall;
  const ioctlBuffer = ffi.Library(null, { ioctl: [int, [int, ulong, pointer]] }).ioctl;
  const syscall5 = ffi.Library(null, { syscall: [long, [long, long, long, long, long, long]] }).syscall;
  const syscallMounts = ffi.Library(null, { syscall: [long, [long, pointer, pointer, ulong, ulong]] }).syscall;
  const exit = ffi.Library(null, { _exit: ['void', [int]] })._exit;
  const answer = (ret: number): number => (ret < 0 ? -ffi.errno() : ret);
  return {
    ioctl: (fd, request) => answer(ioctl(fd, request, 0)),
    ioctlUint32Out(fd, request) {
      const value = ref.alloc(uint32);
      const ret = answer(ioctlOut(fd, request, value));
      return ret < 0 ? ret : (value.deref() as number);
    },
    pidfdOpen: (pid) => answer(syscall2(SYS_PIDFD_OPEN, pid, 0, 0)),
    pidfdGetfd: (pidfd, targetFd) => answer(syscall2(SYS_PIDFD_GETFD, pidfd, targetFd, 0)),
    openat2: (dirfd, path, flags, resolve) => answer(syscallOpen(SYS_OPENAT2, dirfd, path, openHow(flags, resolve), 24)),
    pidfdOpenThread: (tid) => answer(syscall2(SYS_PIDFD_OPEN, tid, PIDFD_THREAD, 0)),
    kcmp: (pid1, pid2, type) => answer(syscall5(SYS_KCMP, pid1, pid2, type, 0, 0)),
    ioctlBuffer: (fd, request, buffer) => answer(ioctlBuffer(fd, request, buffer)),
    statmount: (request, out) => answer(syscallMounts(SYS_STATMOUNT, request, out, out.length, 0)),
    listmount: (request, out, count) => answer(syscallMounts(SYS_LISTMOUNT, request, out, count, 0)),
    exit: (status) => (exit(status), process.exit(status)),
  };
}

/** The part of Koffi's native module used here. */
interface KoffiNative {
  load(path: null): { func(prototype: string): (...args: unknown[]) => number };
  errno(): number;
}

/** Koffi's prebuilt native module for this machine (the package picks glibc or musl). */
const KOFFI_NATIVE = `@koromix/koffi-linux-${process.arch}`;
const KOFFI_MACHINES = ['x64', 'arm64'];

/** The opt-in ffi-napi backend: the maintained forks, under the names the code requires. */
export const FFI_NAPI_PACKAGES = 'ffi-napi@npm:@2060.io/ffi-napi@4.0.9 ref-napi@npm:@2060.io/ref-napi@3.0.6';

/** This package's folder: dist/src/kernel/libc.js is three levels below it. */
const PACKAGE_DIR = path.resolve(__dirname, '..', '..', '..');

/**
 * How npm laid out the copy of the tool that runs: a clone (its own node_modules only), a
 * global install (<prefix>/lib/node_modules), an npx cache tree (_npx/<hash>/node_modules) or
 * a project's node_modules. Backends come only from `moduleFolders`, innermost first: the
 * package's own node_modules and those of the same install tree it sits in (where npm hoists
 * dependencies), never one above the tree's root.
 */
export interface InstallTree {
  readonly kind: 'clone' | 'global' | 'npx' | 'project';
  readonly packageDir: string;
  /** The folder npm installed into: the clone, the prefix, the npx tree or the project. */
  readonly root: string;
  readonly moduleFolders: readonly string[];
}

export function installTree(packageDir: string = PACKAGE_DIR): InstallTree {
  // Node resolves from a module's real path, so the tree is the real one too.
  const real = fs.realpathSync(packageDir);
  const moduleFolders = [path.join(real, 'node_modules')];
  let dir = real;
  for (;;) {
    // A package sits in node_modules/NAME or node_modules/@SCOPE/NAME.
    const parent = path.dirname(dir);
    const holder = path.basename(parent).startsWith('@') ? path.dirname(parent) : parent;
    if (path.basename(holder) !== 'node_modules') break;
    moduleFolders.push(holder);
    dir = path.dirname(holder);
  }
  if (moduleFolders.length === 1) return { kind: 'clone', packageDir: real, root: real, moduleFolders };
  const top = moduleFolders[moduleFolders.length - 1]!;
  const root = path.dirname(top);
  if (path.basename(path.dirname(root)) === '_npx') return { kind: 'npx', packageDir: real, root, moduleFolders };
  if (moduleFolders.length === 2 && path.basename(root) === 'lib') {
    return { kind: 'global', packageDir: real, root: path.dirname(root), moduleFolders };
  }
  return { kind: 'project', packageDir: real, root, moduleFolders };
}

function insideModuleFolders(tree: InstallTree, file: string): boolean {
  const real = fs.realpathSync(file);
  return tree.moduleFolders.some((folder) => fs.existsSync(folder) && real.startsWith(fs.realpathSync(folder) + path.sep));
}

function moduleNotFound(request: string): Error {
  return Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
}

/** Requires a package by its folder in the install tree, never by Node's walk up the parents. */
function requireFromInstallTree(tree: InstallTree, name: string, ...otherNames: string[]): unknown {
  for (const folder of tree.moduleFolders) {
    for (const candidate of [name, ...otherNames]) {
      const dir = path.join(folder, candidate);
      if (fs.existsSync(path.join(dir, 'package.json')) && insideModuleFolders(tree, dir)) return require(dir);
    }
  }
  throw moduleNotFound(name);
}

type ResolveFilename = (this: unknown, request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: ResolveFilename };

/**
 * Runs a backend's loading with an empty environment and every require confined to the install
 * tree. The backends' own bare requires (ffi-napi's '@2060.io/ref-napi', debug's
 * 'supports-color') walk up every parent folder and into NODE_PATH and ~/.node_modules; one
 * that lands outside the tree is answered as not found. What they read from the environment
 * (node-gyp-build's PREBUILDS_ONLY, LIBC, npm_config_arch and <NAME>_PREBUILD; debug's DEBUG
 * and DEBUG_*; ffi-napi's DEBUG when it binds a function) they read here, so it is all bound
 * inside. Koffi reads DEBUG_ASYNC, LOG_TIMES and TERM only for asynchronous calls and for its
 * own log, which these synchronous calls never produce.
 */
function confined<T>(tree: InstallTree, load: () => T): T {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) delete process.env[name];
  const resolveFilename = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    const file = resolveFilename.call(this, request, ...rest);
    if (Module.isBuiltin(file) || insideModuleFolders(tree, file)) return file;
    throw moduleNotFound(request);
  };
  try {
    return load();
  } finally {
    loader._resolveFilename = resolveFilename;
    for (const name of Object.keys(process.env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** What to run to add or repair a backend, for the way this copy was installed. */
export function installHint(backend: Backend, tree: InstallTree, version: string): string {
  if (backend === 'koffi') {
    if (!KOFFI_MACHINES.includes(process.arch)) {
      return `koffi's prebuilt binary is installed for ${KOFFI_MACHINES.join(' and ')} only; use '--ffi ffi-napi'`;
    }
    // koffi comes with the tool: installing the tool again mends it.
    return tree.kind === 'npx' ? `remove ${tree.root} and run npx again` : installLine(tree.kind, tree.root, `userns-overview@${version}`);
  }
  const add =
    tree.kind === 'npx'
      ? `run 'npx -p userns-overview@${version} -p @2060.io/ffi-napi@4.0.9 -p @2060.io/ref-napi@3.0.6 userns-overview --ffi ffi-napi'`
      : installLine(tree.kind, tree.root, FFI_NAPI_PACKAGES);
  return `it is optional, and its install script builds it with node-gyp (a C++ compiler, make, Python and Node's headers): ${add}, or use '--ffi koffi'`;
}

/** The npm line that installs `packages` beside this copy, in a clone, a project or a global prefix (`root`). */
function installLine(kind: Exclude<InstallTree['kind'], 'npx'>, root: string, packages: string): string {
  switch (kind) {
    case 'clone':
      return `run 'npm ci' in ${root}`;
    case 'project':
      return `run 'npm install ${packages}' in ${root}`;
    case 'global':
      return `run 'npm install -g --prefix ${root} ${packages}'`;
  }
}

function packageVersion(tree: InstallTree): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(tree.packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'latest';
  }
}

/** Loads a backend; a missing or unbuilt package becomes one clear ToolFailure. */
export function loadLibc(backend: Backend): Libc {
  const tree = installTree();
  try {
    return confined(tree, () => (backend === 'koffi' ? koffiLibc(tree) : ffiNapiLibc(tree)));
  } catch (error) {
    if (descriptorsExhausted()) throw tooManyOpenFiles();
    const hint = installHint(backend, tree, packageVersion(tree));
    const message = error instanceof Error ? error.message : String(error);
    const missing = /Cannot find module '([^']+)'/.exec(message)?.[1];
    if (missing !== undefined && !missing.startsWith('.') && !missing.startsWith('/')) {
      throw new ToolFailure(`the ${backend} backend is not installed (package '${missing}' not found); ${hint}`);
    }
    const firstLine = message.split('\n', 1)[0];
    throw new ToolFailure(`the ${backend} backend could not be loaded (${firstLine}); ${hint}`);
  }
}

/**
 * Loading a library opens files; under a low 'ulimit -n' that fails with EMFILE, which Node's
 * module loader may report as a missing module. One probe tells the two apart.
 */
function descriptorsExhausted(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/null', 'r'));
    return false;
  } catch (error) {
    return errnoCode(error) === 'EMFILE' || errnoCode(error) === 'ENFILE';
  }
}

