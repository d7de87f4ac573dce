// The one module that loads a foreign-function library. It binds the few C library calls that
// Node's fs cannot make (ioctl(2), and syscall(2) for pidfd_open, pidfd_getfd and openat2) and
// answers as the kernel does: a result >= 0, or -errno. Nothing above src/kernel/ sees it.
import * as fs from 'node:fs';
import { errnoCode, ToolFailure } from '../failure';

export const BACKENDS = ['koffi', 'ffi-napi'] as const;
export type Backend = (typeof BACKENDS)[number];

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
}

// Syscall numbers from the kernel's unified table, the same on x86-64 and arm64 (asm-generic).
const SYS_PIDFD_OPEN = 434;
const SYS_OPENAT2 = 437;
const SYS_PIDFD_GETFD = 438;

/** struct open_how (openat2(2)): u64 flags, u64 mode, u64 resolve. */
function openHow(flags: number, resolve: number): Buffer {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  return how;
}

// glibc's syscall(3) is variadic; every argument here is an integer or a pointer, which the
// x86-64 and arm64 calling conventions pass alike in either case, so fixed prototypes serve.

function koffiLibc(): Libc {
  const koffi = require('koffi');
  // null: the symbols already in the process, which include the C library's.
  const c = koffi.load(null);
  const ioctl = c.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
  const ioctlOut = c.func('int ioctl(int fd, unsigned long request, _Out_ uint32_t *value)');
  const syscall2 = c.func('long syscall(long number, long a, long b, long c)');
  const syscallOpen = c.func('long syscall(long number, int dirfd, const uint8_t *path, const uint8_t *how, unsigned long size)');
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
  };
}

function ffiNapiLibc(): Libc {
  const ffi = require('ffi-napi');
  const ref = require('ref-napi');
  const { int, long, ulong, uint32 } = ref.types;
  const pointer = ref.refType(ref.types.void);
  const ioctl = ffi.Library(null, { ioctl: [int, [int, ulong, ulong]] }).ioctl;
  const ioctlOut = ffi.Library(null, { ioctl: [int, [int, ulong, ref.refType(uint32)]] }).ioctl;
  const syscall2 = ffi.Library(null, { syscall: [long, [long, long, long, long]] }).syscall;
  const syscallOpen = ffi.Library(null, { syscall: [long, [long, int, pointer, pointer, ulong]] }).syscall;
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
  };
}

const INSTALL_HINT: Record<Backend, string> = {
  koffi: "reinstall userns-overview, or run 'npm install koffi' in its folder",
  'ffi-napi':
    "it is optional and needs a C++ compiler to build: run 'npm install ffi-napi@npm:@2060.io/ffi-napi@4.0.9 " +
    "ref-napi@npm:@2060.io/ref-napi@3.0.6' in the folder of userns-overview, or use '--ffi koffi'",
};

/** Loads a backend; a missing or unbuilt package becomes one clear ToolFailure. */
export function loadLibc(backend: Backend): Libc {
  try {
    return backend === 'koffi' ? koffiLibc() : ffiNapiLibc();
  } catch (error) {
    if (descriptorsExhausted()) throw tooManyOpenFiles();
    const message = error instanceof Error ? error.message : String(error);
    const missing = /Cannot find module '([^']+)'/.exec(message)?.[1];
    if (missing !== undefined && !missing.startsWith('.') && !missing.startsWith('/')) {
      throw new ToolFailure(`the ${backend} backend is not installed (package '${missing}' not found); ${INSTALL_HINT[backend]}`);
    }
    const firstLine = message.split('\n', 1)[0];
    throw new ToolFailure(`the ${backend} backend could not be loaded (${firstLine}); ${INSTALL_HINT[backend]}`);
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

export function tooManyOpenFiles(): ToolFailure {
  return new ToolFailure("too many open files: Node and this tool need about 20 descriptors; raise 'ulimit -n'");
}
