// The kernel as discovery sees it: procfs through Node's fs, and the calls that need the FFI
// library, which is loaded only when a namespace must be opened or climbed. Tests put a fake
// procfs or a failing library here to make rare kernel answers happen on demand.
import { lazy } from '../lazy';
import { namespaceIoctls, type NamespaceIoctls } from './ioctl-ns';
import { loadLibc, type Backend, type Libc } from './libc';
import { namespaceFiles, type NamespaceFiles } from './namespace-files';
import * as processText from './process-text';
import * as procfs from './procfs';
import type { UserNames } from '../model';
import { readUserNames, userDatabase } from './accounts';

export type Procfs = typeof procfs;
export type ProcessTextFiles = typeof processText;

export interface Kernel {
  readonly procfs: Procfs;
  /** Cgroups, command lines, parents and engines' state files; tests may leave it out. */
  readonly processText?: ProcessTextFiles;
  /** Loads the FFI library on first use. */
  readonly ioctls: () => NamespaceIoctls;
  readonly files: () => NamespaceFiles;
  /**
   * User names through the system's user database (NSS: LDAP, sssd, systemd-userdb, as ps
   * shows them) where the FFI library is loaded already; else from /etc/passwd.
   */
  readonly userNames: () => UserNames;
}

/** The running kernel, through `backend`; `adapt` wraps the library (tests only). */
export function systemKernel(backend: Backend, options: { procfs?: Procfs; processText?: ProcessTextFiles; adapt?: (libc: Libc) => Libc } = {}): Kernel {
  let library: Libc | undefined;
  const libc = (): Libc => (library ??= (options.adapt ?? ((real: Libc) => real))(loadLibc(backend)));
  return {
    procfs: options.procfs ?? procfs,
    processText: options.processText ?? processText,
    ioctls: lazy(() => namespaceIoctls(libc())),
    files: lazy(() => namespaceFiles(libc())),
    // A run that climbed nowhere loaded no library, and is not made to load one for names.
    userNames: lazy(() => (library !== undefined ? userDatabase(library) : readUserNames())),
  };
}
