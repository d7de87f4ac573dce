// The kernel as discovery sees it: procfs through Node's fs, and the calls that need the FFI
// library, which is loaded only when a namespace must be opened or climbed. Tests put a fake
// procfs or a failing library here to make rare kernel answers happen on demand.
import { lazy } from '../lazy';
import { namespaceIoctls, type NamespaceIoctls } from './ioctl-ns';
import { loadLibc, type Backend, type Libc } from './libc';
import { mountNamespaces, type MountNamespaces } from './mounts';
import { namespaceFiles, type NamespaceFiles } from './namespace-files';
import * as procfs from './procfs';
import { socketNamespaces, type SocketNamespaces } from './sockets';
import { tasks, type Tasks } from './tasks';

export type Procfs = typeof procfs;

export interface Kernel {
  readonly procfs: Procfs;
  /** Loads the FFI library on first use. */
  readonly ioctls: () => NamespaceIoctls;
  readonly files: () => NamespaceFiles;
  readonly sockets: () => SocketNamespaces;
  readonly mounts: () => MountNamespaces;
  readonly tasks: () => Tasks;
}

/** The running kernel, through `backend`; `adapt` wraps the library (tests only). */
export function systemKernel(backend: Backend, options: { procfs?: Procfs; adapt?: (libc: Libc) => Libc } = {}): Kernel {
  const libc = lazy(() => (options.adapt ?? ((real: Libc) => real))(loadLibc(backend)));
  return {
    procfs: options.procfs ?? procfs,
    ioctls: lazy(() => namespaceIoctls(libc())),
    files: lazy(() => namespaceFiles(libc())),
    sockets: lazy(() => socketNamespaces(libc())),
    mounts: lazy(() => mountNamespaces(libc())),
    tasks: lazy(() => tasks(libc())),
  };
}
