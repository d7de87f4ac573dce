// The one module that talks to a foreign-function library and reads errno. It makes the
// ioctl_ns(2) requests that Node's fs cannot, and hands typed results upward.
import { constants as osConstants } from 'node:os';
import * as fs from 'node:fs';
import { errnoCode, ToolFailure } from '../failure';
import type { NamespaceType } from '../model';

export const BACKENDS = ['koffi', 'ffi-napi'] as const;
export type Backend = (typeof BACKENDS)[number];

// Request numbers from <linux/nsfs.h>: _IO(0xb7, n).
const NS_GET_USERNS = 0xb701;
const NS_GET_PARENT = 0xb702;
const NS_GET_NSTYPE = 0xb703;
const NS_GET_OWNER_UID = 0xb704;

/** A failed request, by errno name ('EPERM', 'ENOTTY', ...). */
export interface IoctlFailure {
  readonly ok: false;
  readonly errno: string;
}
export type FdResult = { readonly ok: true; readonly fd: number } | IoctlFailure;
export type NamespaceTypeResult = { readonly ok: true; readonly type: NamespaceType } | IoctlFailure;
export type UidResult = { readonly ok: true; readonly uid: number } | IoctlFailure;


// NS_GET_NSTYPE answers with the CLONE_NEW* flag of the namespace's type.
const TYPE_OF_CLONE_FLAG: ReadonlyMap<number, NamespaceType> = new Map([
  [0x00020000, 'mnt'],
  [0x02000000, 'cgroup'],
  [0x04000000, 'uts'],
  [0x08000000, 'ipc'],
  [0x10000000, 'user'],
  [0x20000000, 'pid'],
  [0x40000000, 'net'],
  [0x00000080, 'time'],
]);

/** The ioctl_ns(2) requests, on a descriptor of a namespace file. */
export interface NamespaceIoctls {
  readonly backend: Backend;
  /** NS_GET_PARENT: a new descriptor for the parent; EPERM at the top of the caller's scope. */
  parentOf(fd: number): FdResult;
  /** NS_GET_USERNS: a new descriptor for the user namespace that owns this one. */
  ownerNamespaceOf(fd: number): FdResult;
  /** NS_GET_NSTYPE */
  typeOf(fd: number): NamespaceTypeResult;
  /** NS_GET_OWNER_UID, for a user namespace: the UID of its creator. */
  ownerUidOf(fd: number): UidResult;
}

/** What each backend provides: the raw call, answering [return value, errno]. */
interface RawIoctl {
  plain(fd: number, request: number): [number, number];
  withUidOut(fd: number, request: number): [number, number, number];
}

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));
const failure = (errno: number): IoctlFailure => ({ ok: false, errno: errnoNames.get(errno) ?? `errno ${errno}` });

function typedIoctls(backend: Backend, raw: RawIoctl): NamespaceIoctls {
  const fdRequest = (fd: number, request: number): FdResult => {
    const [ret, errno] = raw.plain(fd, request);
    return ret >= 0 ? { ok: true, fd: ret } : failure(errno);
  };
  return {
    backend,
    parentOf: (fd) => fdRequest(fd, NS_GET_PARENT),
    ownerNamespaceOf: (fd) => fdRequest(fd, NS_GET_USERNS),
    typeOf(fd) {
      const [ret, errno] = raw.plain(fd, NS_GET_NSTYPE);
      if (ret < 0) return failure(errno);
      const type = TYPE_OF_CLONE_FLAG.get(ret);
      return type ? { ok: true, type } : { ok: false, errno: `unknown namespace type ${ret}` };
    },
    ownerUidOf(fd) {
      const [ret, errno, uid] = raw.withUidOut(fd, NS_GET_OWNER_UID);
      return ret >= 0 ? { ok: true, uid } : failure(errno);
    },
  };
}

// The backends are required lazily: a run that never asks for a parent loads neither.

function koffiIoctl(): RawIoctl {
  const koffi = require('koffi');
  // null: the symbols already in the process, which include the C library's.
  const libc = koffi.load(null);
  const plain = libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
  const withUid = libc.func('int ioctl(int fd, unsigned long request, _Out_ uint32_t *uid)');
  return {
    plain(fd, request) {
      const ret: number = plain(fd, request, 0);
      return [ret, ret < 0 ? koffi.errno() : 0];
    },
    withUidOut(fd, request) {
      const uid = [0];
      const ret: number = withUid(fd, request, uid);
      return [ret, ret < 0 ? koffi.errno() : 0, uid[0] as number];
    },
  };
}

function ffiNapiIoctl(): RawIoctl {
  const ffi = require('ffi-napi');
  const ref = require('ref-napi');
  const { int, ulong, uint32 } = ref.types;
  const plain = ffi.Library(null, { ioctl: [int, [int, ulong, ulong]] }).ioctl;
  const withUid = ffi.Library(null, { ioctl: [int, [int, ulong, ref.refType(uint32)]] }).ioctl;
  return {
    plain(fd, request) {
      const ret: number = plain(fd, request, 0);
      return [ret, ret < 0 ? ffi.errno() : 0];
    },
    withUidOut(fd, request) {
      const uid = ref.alloc(uint32);
      const ret: number = withUid(fd, request, uid);
      return [ret, ret < 0 ? ffi.errno() : 0, uid.deref()];
    },
  };
}

const INSTALL_HINT: Record<Backend, string> = {
  koffi: "reinstall userns-overview, or run 'npm install koffi' in its folder",
  'ffi-napi':
    "it is optional and needs a C++ compiler to build: run 'npm install ffi-napi@npm:@2060.io/ffi-napi@4.0.9 " +
    "ref-napi@npm:@2060.io/ref-napi@3.0.6' in the folder of userns-overview, or use '--ffi koffi'",
};

/** Loads a backend; a missing or unbuilt package becomes one clear ToolFailure. */
export function loadIoctls(backend: Backend): NamespaceIoctls {
  try {
    return typedIoctls(backend, backend === 'koffi' ? koffiIoctl() : ffiNapiIoctl());
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
