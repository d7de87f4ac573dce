// Bind mounts of namespace files (as `ip netns add` makes), from the mountinfo of each mount
// namespace, read once through the first process met in it: a mount point means something only
// there. Each is opened, where it must be, from that process's root without following links.
import { couldNotRead, mountPointText } from '../../kernel/procfs';
import type { Holder } from '../../model';
import { held } from '../held';
import type { HolderSource } from '../state';

export const bindMounts: HolderSource = (d) => {
  const read = new Set<number>();
  return ({ pid, own }) => {
    const mnt = own.get('mnt');
    if (mnt === undefined || read.has(mnt)) return;
    read.add(mnt);
    const mounts = d.kernel.procfs.nsfsMounts(pid);
    if (couldNotRead(mounts)) return;
    for (const mount of mounts) {
      const holder: Holder = { kind: 'mount', pid, path: mountPointText(mount.mountPoint), ...(mount.count > 1 ? { count: mount.count } : {}) };
      held(d, mount.link, holder, () => d.kernel.files().openBindMount(pid, mount));
    }
  };
};
