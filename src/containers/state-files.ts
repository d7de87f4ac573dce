// Names that engines keep in their state files, for containers whose cgroup gives only an ID and
// whose runtime's command line is not there to name them. Which file, and what in it, as data;
// the files are read by the kernel layer, only where root alone could have written them.

/** Reads a state file of root's, or null (src/kernel/process-text.ts, readRootStateFile). */
export type StateFileReader = (path: string, limit: number) => string | null;

/** A name, and for Kubernetes the pod, from an engine's state. */
export interface StateName {
  readonly name: string;
  readonly pod?: string;
}

const MiB = 1024 * 1024;

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Docker: /var/lib/docker/containers/ID/config.v2.json, "Name": "/web". */
function dockerName(id: string, read: StateFileReader): StateName | null {
  const name = text(record(parse(read(`/var/lib/docker/containers/${id}/config.v2.json`, 4 * MiB)))?.['Name']);
  return name === null ? null : { name: name.replace(/^\//, '') };
}

/**
 * containerd's Kubernetes containers: the OCI bundle's config.json in the k8s.io namespace, whose
 * annotations the CRI plugin writes (io.kubernetes.cri.container-name, sandbox-name, sandbox-namespace).
 */
function criName(id: string, read: StateFileReader): StateName | null {
  const spec = record(parse(read(`/run/containerd/io.containerd.runtime.v2.task/k8s.io/${id}/config.json`, 4 * MiB)));
  const annotations = record(spec?.['annotations']);
  if (annotations === null) return null;
  const podName = text(annotations['io.kubernetes.cri.sandbox-name']);
  const podNamespace = text(annotations['io.kubernetes.cri.sandbox-namespace']);
  const pod = podName === null ? undefined : podNamespace === null ? podName : `${podNamespace}/${podName}`;
  // The pod's own sandbox (its pause container) has no container name: it is the pod.
  const name = text(annotations['io.kubernetes.cri.container-name']) ?? podName;
  return name === null ? null : { name, ...(pod !== undefined ? { pod } : {}) };
}

/**
 * containers/storage, which podman and CRI-O share: overlay-containers/containers.json lists each
 * container's ID and names. Root's store only: a rootless user's is theirs to write.
 */
function storageNames(read: StateFileReader): Map<string, string> {
  const names = new Map<string, string>();
  const list = parse(read('/var/lib/containers/storage/overlay-containers/containers.json', 16 * MiB));
  if (!Array.isArray(list)) return names;
  for (const entry of list) {
    const id = text(record(entry)?.['id']);
    const first = (record(entry)?.['names'] as unknown[] | undefined)?.[0];
    if (id !== null && text(first) !== null) names.set(id, first as string);
  }
  return names;
}

/** Looks names up by engine and ID, each file read at most once a run. */
export function stateNames(read: StateFileReader): (engine: string, id: string) => StateName | null {
  let storage: Map<string, string> | undefined;
  const cache = new Map<string, StateName | null>();
  return (engine, id) => {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const key = `${engine}:${id}`;
    if (cache.has(key)) return cache.get(key)!;
    let found: StateName | null = null;
    if (engine === 'docker') found = dockerName(id, read);
    else if (engine === 'containerd' || engine === 'kubernetes') found = criName(id, read);
    else if (engine === 'podman' || engine === 'cri-o') {
      storage ??= storageNames(read);
      const name = storage.get(id);
      found = name === undefined ? null : { name };
    }
    cache.set(key, found);
    return found;
  };
}
