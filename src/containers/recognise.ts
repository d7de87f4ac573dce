// Which container a process belongs to, from what the kernel shows of it: the path of its cgroup
// (engines name their cgroups after the container) and the command lines of the runtimes'
// processes (conmon's -n NAME, nspawn's -M NAME, "[lxc monitor] PATH NAME"). Pure: no /proc
// here, so every rule is tested on samples from real machines. A name is only ever one that the
// machine holds; where nothing names the container, its name is null, never guessed.
import type { Container } from '../model.js';

/** What a cgroup path says: the outermost container it names, and whether the runtime's part. */
export interface CgroupMatch {
  readonly container: Container;
  /** The runtime's own cgroup (conmon's, the LXC monitor's, nspawn's supervisor), not the payload's. */
  readonly runtime: boolean;
  /**
   * Who may have named the cgroup: the user of the user@UID.service above it, to whom systemd
   * delegates that subtree (rootless containers live there, and the user may name anything
   * there), else root.
   */
  readonly speaker: number;
}

interface CgroupRule {
  readonly engine: string;
  /**
   * Matched anywhere in the path, at the start of a component and up to the end of one; named
   * groups give the ID (id), the name (name) and the Kubernetes pod's UID (pod). The outermost
   * match in the path wins; where two start at the same place, the one earlier in the table.
   */
  readonly pattern: RegExp;
  readonly runtime?: boolean;
  /** The name as the cgroup writes it is escaped the way systemd escapes unit names (\x2d). */
  readonly unitEscaped?: boolean;
}

const HEX64 = '[0-9a-f]{64}';
const HEX_ID = new RegExp(`^${HEX64}$`);
/** Whether an ID is one of the 64-hex IDs that podman, CRI-O, Docker and Kubernetes draw from one space. */
export const isHexId = (id: string): boolean => HEX_ID.test(id);
// The start of a path component, and the end of one.
const at = (body: string): RegExp => new RegExp(`(?:^|/)${body}(?=/|$)`, 'g');

/** The engines that name cgroups, as data: each rule a pattern of real paths (README, "Containers"). */
export const CGROUP_RULES: readonly CgroupRule[] = [
  // podman, root or rootless, systemd's cgroup manager: machine.slice/libpod-ID.scope, and conmon
  // in libpod-conmon-ID.scope; cgroupfs's: /libpod_parent/libpod-ID.
  { engine: 'podman', runtime: true, pattern: at(`libpod-conmon-(?<id>${HEX64})\\.scope`) },
  { engine: 'podman', pattern: at(`libpod-(?<id>${HEX64})(?:\\.scope)?`) },
  // --cgroups=split (Quadlet's default): the payload in UNIT/libpod-payload-ID.
  { engine: 'podman', pattern: at(`libpod-payload-(?<id>${HEX64})`) },
  // Kubernetes through containerd (systemd driver): kubepods.slice/…-pod<UID>.slice/cri-containerd-ID.scope.
  { engine: 'containerd', pattern: at(`cri-containerd-(?<id>${HEX64})\\.scope`) },
  // CRI-O: crio-ID.scope, and its conmon in crio-conmon-ID.scope (no .scope with cgroupfs).
  { engine: 'cri-o', runtime: true, pattern: at(`crio-conmon-(?<id>${HEX64})(?:\\.scope)?`) },
  { engine: 'cri-o', pattern: at(`crio-(?<id>${HEX64})(?:\\.scope)?`) },
  // Kubernetes with the cgroupfs driver: /kubepods/burstable/pod<UID>/ID, whichever CRI runtime.
  { engine: 'kubernetes', pattern: at(`kubepods(?:/[a-z]+)?/pod(?<pod>[0-9a-f-]{36})/(?<id>${HEX64})`) },
  // Docker: system.slice/docker-ID.scope (systemd driver), /docker/ID (cgroupfs driver).
  { engine: 'docker', pattern: at(`docker-(?<id>${HEX64})\\.scope`) },
  { engine: 'docker', pattern: at(`docker/(?<id>${HEX64})`) },
  // LXC 4 and later (and LXD, Incus): lxc.payload.NAME, and the monitor's lxc.monitor.NAME; before, lxc/NAME.
  { engine: 'lxc', runtime: true, pattern: at('lxc\\.monitor\\.(?<name>[^/]+)') },
  { engine: 'lxc', pattern: at('lxc\\.payload\\.(?<name>[^/]+)') },
  { engine: 'lxc', pattern: at('lxc/(?<name>[^/]+)') },
  // Machines registered with systemd-machined: libvirt's machine-qemu\x2dN\x2dNAME.scope;
  // systemd-nspawn's machine-NAME.scope, with the payload and nspawn's supervisor beneath it.
  { engine: 'libvirt', unitEscaped: true, pattern: at('machine-qemu\\\\x2d\\d+\\\\x2d(?<name>[^/]+)\\.scope') },
  { engine: 'nspawn', unitEscaped: true, runtime: true, pattern: at('machine-(?<name>[^/]+)\\.scope/supervisor') },
  { engine: 'nspawn', unitEscaped: true, pattern: at('machine-(?<name>[^/]+)\\.scope') },
  // Flatpak: app-flatpak-APPID-INSTANCE.scope in the user's manager.
  { engine: 'flatpak', pattern: at('app-flatpak-(?<name>[^/]+)-(?<id>\\d+)\\.scope') },
  // Snap: snap.NAME.APP.service, snap.NAME.APP-UUID.scope (snap.NAME.hook.… too).
  { engine: 'snap', pattern: at('snap\\.(?<name>[^./]+)\\.[^/]+\\.(?:scope|service)') },
];

/** systemd's unit-name escaping (systemd-escape(1)): \xNN for a byte. */
export function unescapeUnitName(text: string): string {
  const bytes = Buffer.from(text.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return bytes.toString('utf8');
}

/** Kubernetes' pod UID where the systemd driver names the pod's slice (…-pod<UID with _>.slice). */
const POD_SLICE = /(?:^|\/)kubepods[^/]*-pod(?<pod>[0-9a-f_]{36})\.slice(?=\/|$)/;

/**
 * The outermost container a cgroup path names, or null. Not the innermost: a container's root
 * may own a subtree of its own (an unprivileged LXC container's, one with a writable cgroupfs)
 * and name cgroups in it as it likes, while the container around it was named by whoever runs
 * it. Docker in an LXC container is that LXC container, a kind node's pods are that node.
 */
export function recogniseCgroupPath(path: string): CgroupMatch | null {
  let best: { index: number; rule: CgroupRule; groups: Record<string, string | undefined> } | null = null;
  for (const rule of CGROUP_RULES) {
    for (const match of path.matchAll(rule.pattern)) {
      if (best === null || match.index! < best.index) best = { index: match.index!, rule, groups: match.groups ?? {} };
    }
  }
  if (best === null) return null;
  const { rule, groups } = best;
  const rawName = groups['name'];
  const name = rawName === undefined ? null : rule.unitEscaped === true ? unescapeUnitName(rawName) : rawName;
  const pod = groups['pod'] ?? POD_SLICE.exec(path)?.groups?.['pod']?.replace(/_/g, '-');
  const container: Container = { engine: rule.engine, id: groups['id'] ?? null, name, ...(pod !== undefined ? { pod } : {}) };
  // The outermost: below it the user may name a cgroup user@0.service too.
  const delegated = DELEGATED.exec(path.slice(0, best.index))?.[1];
  return { container, runtime: rule.runtime === true, speaker: delegated === undefined ? 0 : Number(delegated) };
}

/** systemd's per-user manager, whose subtree it delegates to the user (Delegate=yes). */
const DELEGATED = /(?:^|\/)user@(\d+)\.service(?=\/|$)/;

/**
 * The systemd unit a path lies in: its outermost service or scope (user@1000.service rather than
 * the app scopes inside it, session-2.scope, ssh.service), or null (the root, a bare slice).
 */
export function unitOf(path: string): Container | null {
  for (const part of path.split('/')) {
    if (/^[^/]+\.(?:service|scope)$/.test(part)) return { engine: 'unit', id: null, name: part };
  }
  return null;
}

/** What a process's command line says: a runtime's process, and which container it serves. */
export interface CommandMatch {
  /** null where the process serves no one container (catatonit -P, slirp4netns). */
  readonly container: Container | null;
  readonly runtime: true;
  /**
   * The process sandboxes what it starts: its descendants belong to its container where their
   * cgroups name none (bubblewrap, firejail, unshare --fork, nspawn --register=no, conmon).
   */
  readonly sandbox: boolean;
}

interface CommandRule {
  /** Matched against the program's file name (the last part of argv[0]). */
  readonly program: RegExp;
  readonly sandbox: boolean;
  /** The container it serves; pid is the process's own. */
  readonly container: (args: readonly string[], pid: number) => Container | null;
}

/**
 * The value of an option in a command line: "-n NAME", "-nNAME" (one-letter options), "--name NAME",
 * "--name=NAME". The first occurrence: a runtime's own options come before those of the program it
 * runs. Only the options before the first argument that is not an option, where `untilOperand`.
 */
export function optionValue(args: readonly string[], names: readonly string[], untilOperand = false): string | null {
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (untilOperand && !arg.startsWith('-')) return null;
    for (const name of names) {
      if (arg === name) return args[i + 1] ?? null;
      if (name.startsWith('--') && arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      if (/^-[A-Za-z]$/.test(name) && arg.startsWith(name) && !arg.startsWith('--') && arg.length > 2) return arg.slice(2);
    }
  }
  return null;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** A container ID as podman and CRI-O make them (64 hex digits), else null. */
const hexId = (value: string | null): string | null => (value !== null && isHexId(value) ? value : null);
/** A containerd ID (Docker's are 64 hex digits; `ctr run IMAGE redis` names one redis): its identifiers' grammar. */
const containerdId = (value: string | null): string | null =>
  value !== null && value.length <= 76 && /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/.test(value) ? value : null;

/** The runtimes and sandboxing tools, by program, as data. */
export const COMMAND_RULES: readonly CommandRule[] = [
  // conmon, the monitor of one podman or CRI-O container: --cid ID, --name NAME.
  {
    program: /^conmon$/,
    sandbox: true,
    // Without an ID an engine makes, it monitors no container this tool can tell.
    container: (args) => {
      const id = hexId(optionValue(args, ['-c', '--cid']));
      return id === null ? null : { engine: args.some((arg) => baseName(arg) === 'podman') ? 'podman' : 'cri-o', id, name: optionValue(args, ['-n', '--name']) };
    },
  },
  // containerd's shims: -namespace moby (Docker's) or k8s.io (Kubernetes'), -id ID.
  {
    program: /^containerd-shim/,
    sandbox: true,
    container: (args) => {
      const id = containerdId(optionValue(args, ['-id', '--id']));
      return id === null ? null : { engine: optionValue(args, ['-namespace', '--namespace']) === 'moby' ? 'docker' : 'containerd', id, name: null };
    },
  },
  // lxc-start in the foreground is the monitor itself: -n NAME.
  { program: /^lxc-start$/, sandbox: true, container: (args) => ({ engine: 'lxc', id: null, name: optionValue(args, ['-n', '--name']) }) },
  // systemd-nspawn: the machine's name is -M NAME, else the last part of -D DIR, else -i IMAGE's
  // file name without its .raw (systemd-nspawn(1)).
  {
    program: /^systemd-nspawn$/,
    sandbox: true,
    container: (args) => {
      const machine = optionValue(args, ['-M', '--machine']);
      const directory = optionValue(args, ['-D', '--directory']);
      const image = optionValue(args, ['-i', '--image']);
      const from = (path: string | null, suffix?: RegExp): string | null => {
        const last = path === null ? '' : baseName(path.replace(/\/+$/, ''));
        return last === '' ? null : suffix === undefined ? last : last.replace(suffix, '');
      };
      return { engine: 'nspawn', id: null, name: machine ?? from(directory) ?? from(image, /\.raw$/) };
    },
  },
  // Sandboxes with no name of their own: known by the sandboxing process's PID, as firejail --list does.
  { program: /^bwrap$/, sandbox: true, container: (_, pid) => ({ engine: 'bubblewrap', id: String(pid), name: null }) },
  {
    program: /^firejail$/,
    sandbox: true,
    container: (args, pid) => ({ engine: 'firejail', id: String(pid), name: optionValue(args, ['--name'], true) }),
  },
  // unshare(1) is an ancestor of what it runs only with --fork; without, it became the program.
  { program: /^unshare$/, sandbox: true, container: (_, pid) => ({ engine: 'unshare', id: String(pid), name: null }) },
  // The helpers of rootless containers: each serves the user's containers, none in particular.
  { program: /^(?:slirp4netns|pasta|passt|rootlessport|rootlesskit|aardvark-dns)$/, sandbox: false, container: () => null },
];

const LXC_MONITOR = /^\[lxc monitor\] (?<path>.*) (?<name>[^ ]+)$/;

/** The runtime or sandboxing tool that a command line is, or null for anything else. */
export function recogniseCommand(args: readonly string[], pid: number): CommandMatch | null {
  if (args.length === 0) return null;
  // The LXC monitor rewrites its command line to "[lxc monitor] PATH NAME" (one or more arguments).
  const monitor = LXC_MONITOR.exec(args.join(' ').replace(/ +$/, ''));
  if (monitor !== null) return { container: { engine: 'lxc', id: null, name: monitor.groups!['name']! }, runtime: true, sandbox: true };
  const program = baseName(args[0]!);
  // Rootless podman's pause process, which holds its user namespace: catatonit -P.
  if (program === 'catatonit' && args.includes('-P')) return { container: null, runtime: true, sandbox: false };
  for (const rule of COMMAND_RULES) {
    if (rule.program.test(program)) return { container: rule.container(args, pid), runtime: true, sandbox: rule.sandbox };
  }
  return null;
}

/** Whether two containers are the same one. */
export const sameContainer = (a: Container, b: Container): boolean => a.engine === b.engine && a.id === b.id && a.name === b.name;

/** "podman web 3f2a9c…", "lxc bb1", "nspawn nsa", "unit user@1000.service", "bubblewrap 4242". */
export function containerLabel(container: Container, ellipsis = '…'): string {
  const id = container.id === null ? null : isHexId(container.id) ? `${container.id.slice(0, 6)}${ellipsis}` : container.id;
  return [container.engine, container.name, id].filter((part) => part !== null).join(' ');
}

/** Whether `wanted` names this container: its name exactly, or the start of its ID. */
export function containerMatches(container: Container, wanted: string): boolean {
  return container.name === wanted || (wanted !== '' && container.id !== null && container.id.startsWith(wanted));
}
