// The mounts of a mount namespace, asked of the kernel by the namespace's ID rather than read
// through one member's /proc/PID/mountinfo: listmount(2) and statmount(2) (Linux 6.8), with the
// ID of another mount namespace from NS_MNT_GET_INFO (Linux 6.11). Mountinfo shows only what
// lies under the reader's root (a chrooted member hides the rest) and needs a task in the
// namespace; these need neither. errno becomes meaning here, as in ioctl-ns.ts.
import { constants as osConstants } from 'node:os';
import { tooManyOpenFiles } from '../failure.js';
import type { Libc } from './libc.js';
import { CouldNotRead, parseNamespaceLink, type NsfsMount, type NsfsMounts } from './procfs.js';

// <linux/nsfs.h>: _IOR(NSIO, 10, struct mnt_ns_info { u32 size; u32 nr_mounts; u64 mnt_ns_id; }).
const NS_MNT_GET_INFO = 0x8010b70a;
const MNT_NS_INFO_SIZE = 16;
// <linux/mount.h>
const LSMT_ROOT = 0xffffffffffffffffn;
const MNT_ID_REQ_SIZE_VER1 = 32;
const STATMOUNT_SB_BASIC = 0x1;
const STATMOUNT_MNT_BASIC = 0x2;
const STATMOUNT_MNT_ROOT = 0x8;
const STATMOUNT_MNT_POINT = 0x10;
const NSFS_MAGIC = 0x6e736673n;
// struct statmount: the offsets of the fields read, and where its strings begin.
const SM_SB_MAGIC = 24;
const SM_MNT_ID = 40;
const SM_MNT_PARENT_ID = 48;
const SM_MNT_ID_OLD = 56;
const SM_MNT_ROOT = 104;
const SM_MNT_POINT = 108;
const SM_STRINGS = 512;

const { ENOSYS, EINVAL, ENOENT, EOVERFLOW, EMFILE, ENFILE } = osConstants.errno;

/** The answer where this kernel cannot list another mount namespace's mounts. */
export const NO_LISTMOUNT = 'no listmount';

export interface MountNamespaces {
  /** NS_MNT_GET_INFO on a mount namespace descriptor: its 64-bit ID, or NO_LISTMOUNT before Linux 6.11. */
  idOf(fd: number): bigint | typeof NO_LISTMOUNT;
  /**
   * The bind mounts of namespace files in mount namespace `id`, one entry for each namespace and
   * mount point (stacked mounts counted, the top one kept), mount points relative to the
   * namespace's root (or the caller's, in the caller's own namespace), asked until `deadline`
   * (a performance.now() time) at the latest.
   */
  nsfsMountsIn(id: bigint, deadline: number): NsfsMounts | CouldNotRead | typeof NO_LISTMOUNT;
}

export function mountNamespaces(libc: Libc): MountNamespaces {
  const request = Buffer.alloc(MNT_ID_REQ_SIZE_VER1);
  let out = Buffer.alloc(SM_STRINGS + 8192);

  /** statmount of one mount; null where it is gone since listed. */
  function statmount(mntNs: bigint, mountId: bigint, mask: number): Buffer | null | CouldNotRead {
    request.writeUInt32LE(MNT_ID_REQ_SIZE_VER1, 0);
    request.writeBigUInt64LE(mountId, 8);
    request.writeBigUInt64LE(BigInt(mask), 16);
    request.writeBigUInt64LE(mntNs, 24);
    for (;;) {
      const answer = libc.statmount(request, out);
      if (answer >= 0) return out;
      // A mount point up to PATH_MAX and more: grow and ask again.
      if (-answer === EOVERFLOW && out.length < 1 << 20) {
        out = Buffer.alloc(out.length * 4);
        continue;
      }
      if (-answer === ENOENT) return null;
      return new CouldNotRead('error', `errno ${-answer}`);
    }
  }

  const text = (buffer: Buffer, offsetField: number): Buffer => {
    const start = SM_STRINGS + buffer.readUInt32LE(offsetField);
    return buffer.subarray(start, buffer.indexOf(0, start));
  };

  return {
    idOf(fd) {
      const info = Buffer.alloc(MNT_NS_INFO_SIZE);
      info.writeUInt32LE(MNT_NS_INFO_SIZE, 0);
      const answer = libc.ioctlBuffer(fd, NS_MNT_GET_INFO, info);
      if (answer >= 0) return info.readBigUInt64LE(8);
      // ENOTTY: no such request before Linux 6.11.
      return NO_LISTMOUNT;
    },
    nsfsMountsIn(id, deadline) {
      const ids: bigint[] = [];
      // listmount(2) is slow over a deep stack of mounts (measured: 4,096 IDs of a stack of
      // 10,000 cost it 0.2 s; one call for 40,000 took seconds): pages of 4,096, and the
      // deadline between them.
      const page = Buffer.alloc(8 * 4096);
      for (let last = 0n; ; ) {
        if (performance.now() >= deadline) return { mounts: [], complete: false };
        request.fill(0);
        request.writeUInt32LE(MNT_ID_REQ_SIZE_VER1, 0);
        request.writeBigUInt64LE(LSMT_ROOT, 8);
        request.writeBigUInt64LE(last, 16);
        request.writeBigUInt64LE(id, 24);
        const count = libc.listmount(request, page, page.length / 8);
        if (count < 0) {
          // ENOSYS: before Linux 6.8; EINVAL: a request this kernel does not know (no mnt_ns_id before 6.11).
          if (-count === ENOSYS || -count === EINVAL) return NO_LISTMOUNT;
          if (-count === EMFILE || -count === ENFILE) throw tooManyOpenFiles();
          // ENOENT: the namespace is gone.
          return new CouldNotRead(-count === ENOENT ? 'vanished' : 'error', `errno ${-count}`);
        }
        for (let i = 0; i < count; i++) ids.push(page.readBigUInt64LE(i * 8));
        if (count < page.length / 8) break;
        last = ids[ids.length - 1]!;
      }
      const found = new Map<string, NsfsMount>();
      // The mount point of each nsfs mount by its ID. A mount stacked on another is mounted on
      // that one's root, so it has the same mount point: asking the kernel for it again would
      // cost a walk down the whole stack (another user can stack thousands), asking it once not.
      const pointOf = new Map<bigint, Buffer>();
      for (const mountId of ids) {
        if (performance.now() >= deadline) return { mounts: [...found.values()], complete: false };
        const basic = statmount(id, mountId, STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC);
        if (basic === null) continue;
        if (basic instanceof CouldNotRead) return basic;
        if (basic.readBigUInt64LE(SM_SB_MAGIC) !== NSFS_MAGIC) continue;
        const below = pointOf.get(basic.readBigUInt64LE(SM_MNT_PARENT_ID));
        const seen = statmount(id, mountId, STATMOUNT_MNT_BASIC | STATMOUNT_MNT_ROOT | (below === undefined ? STATMOUNT_MNT_POINT : 0));
        if (seen === null) continue;
        if (seen instanceof CouldNotRead) return seen;
        // nsfs names each mount's root by its file ("net:[4026532008]"), as mountinfo does.
        const link = parseNamespaceLink(text(seen, SM_MNT_ROOT).toString('latin1'));
        if (link === null) continue;
        const mountPoint = below ?? Buffer.from(text(seen, SM_MNT_POINT));
        pointOf.set(seen.readBigUInt64LE(SM_MNT_ID), mountPoint);
        const key = `${link.ino} ${mountPoint.toString('latin1')}`;
        const count = (found.get(key)?.count ?? 0) + 1;
        // listmount lists a mount stacked on another after it: the last is the one on top.
        found.set(key, { mountId: seen.readUInt32LE(SM_MNT_ID_OLD), link, mountPoint, count });
      }
      return { mounts: [...found.values()], complete: true };
    },
  };
}
