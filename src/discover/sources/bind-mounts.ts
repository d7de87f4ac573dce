// Bind mounts of namespace files (as `ip netns add` makes), from the mountinfo of each mount
// namespace, read once through the first process met in it: a mount point means something only
// there. Each is opened, where it must be, from that process's root without following links.
import { couldNotRead, mountPointText } from '../../kernel/procfs';
import type { Holder } from '../../model';
import { held } from '../held';
import type { HolderSource } from '../state';

/** How long a run reads mountinfo in all, at most (see nsfsMounts: a deep stack is slow to read). */
export const MOUNTINFO_SECONDS = 2;

export const bindMounts: HolderSource = (d) => {
  const read = new Set<number>();
  const deadline = performance.now() + MOUNTINFO_SECONDS * 1000;
  const cutShort: number[] = [];
  d.whenDone(() => {
    if (cutShort.length === 0) return;
    const pids = `${cutShort.slice(0, 5).join(', ')}${cutShort.length > 5 ? ', ...' : ''}`;
    d.cut.push(
      `read mountinfo for ${MOUNTINFO_SECONDS} s, as long as a run reads it, and stopped: the bind mounts of the mount ` +
        `namespaces of PID ${pids} were read in part or not at all; a namespace that only they hold is not shown`,
    );
  });
  return ({ pid, own }) => {
    const mnt = own.get('mnt');
    if (mnt === undefined || read.has(mnt)) return;
    read.add(mnt);
    const found = d.kernel.procfs.nsfsMounts(pid, deadline);
    if (couldNotRead(found)) return;
    if (!found.complete) cutShort.push(pid);
    for (const mount of found.mounts) {
      const holder: Holder = { kind: 'mount', pid, path: mountPointText(mount.mountPoint), ...(mount.count > 1 ? { count: mount.count } : {}) };
      held(d, mount.link, holder, () => d.kernel.files().openBindMount(pid, mount));
    }
  };
};
