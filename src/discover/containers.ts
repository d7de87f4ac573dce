// Step 5: which container each member is in, from what the pass read of it: its cgroup, its
// command line and, where some sandboxing tool runs at all and the cgroup names no container,
// its parent. Names come from the runtimes' command lines first (conmon's -n), then from the
// engines' state files (root's alone), else stay unknown.
//
// A command line is its process's own to write (exec -a), so what one says of a container is
// believed only as far as its writer may speak: a runtime process that root started may name any
// container, one that another user started only a container in a user namespace of that user's
// (a rootless runtime); and no such process may take the identity (engine and ID, or engine and
// name) that a cgroup or a runtime of root's gave another container.
import {
  recogniseCgroupPath,
  recogniseCommand,
  unitOf,
  type CgroupMatch,
  type CommandMatch,
} from '../containers/recognise.js';
import { stateNames } from '../containers/state-files.js';
import type { ProcessCgroups } from '../kernel/process-text.js';
import { couldNotRead } from '../kernel/procfs.js';
import type { Container, ProcessText } from '../model.js';
import type { Discovery } from './state.js';

/** How far up the parents a sandbox is looked for: deeper than any real chain of sandboxes. */
const MAX_ANCESTORS = 64;

interface Read {
  readonly cgroups: ProcessCgroups | null;
  readonly cmdline: readonly string[] | null;
  readonly command: CommandMatch | null;
}

export function discoverContainers(d: Discovery): Map<number, ProcessText> {
  const text = d.kernel.processText();
  const read = new Map<number, Read>();
  // Processes side by side often share one command line, read once (process-text.ts): one
  // that names no runtime is looked at once.
  const unrecognised = new WeakSet<readonly string[]>();
  const commandOf = (args: readonly string[], pid: number): CommandMatch | null => {
    if (unrecognised.has(args)) return null;
    const match = recogniseCommand(args, pid);
    if (match === null) unrecognised.add(args);
    return match;
  };
  // The UID that owns each member's user namespace: a root's never asked is the initial one, root's.
  const ownerOf = new Map<number, number | null>();
  for (const ns of d.placed) {
    const owner = d.ownerUids.get(ns) ?? (d.roots.includes(ns) && !d.ownerUids.has(ns) ? 0 : null);
    for (const pid of ns.pids) {
      ownerOf.set(pid, owner);
      const { cgroup, cmdline } = d.readings.get(pid) ?? {};
      const args = cmdline === undefined || couldNotRead(cmdline) ? null : cmdline;
      const cgroups = cgroup === undefined || couldNotRead(cgroup) ? null : text.cgroupsOf(cgroup);
      read.set(pid, { cgroups, cmdline: args, command: args === null ? null : commandOf(args, pid) });
    }
  }

  // Who started each runtime process (its real UID), asked of those alone.
  const starters = new Map<number, number | null>();
  const starterOf = (pid: number): number | null => {
    let uid = starters.get(pid);
    if (uid === undefined) {
      const answer = text.readRealUid(pid);
      starters.set(pid, (uid = couldNotRead(answer) ? null : answer));
    }
    return uid;
  };
  /** Whether the runtime process `runtime` may speak for a container whose namespace `owner` owns. */
  const speaksFor = (runtime: number, owner: number | null | undefined): boolean => {
    const starter = starterOf(runtime);
    return starter === 0 || (starter !== null && starter === owner);
  };

  // The names runtimes give on their command lines (conmon -c ID -n NAME), by engine and ID,
  // with the process that gave each.
  const namedByRuntime = new Map<string, { readonly name: string; readonly by: number }[]>();
  const sandboxes = new Map<number, CommandMatch>();
  for (const [pid, { command }] of read) {
    if (command === null) continue;
    if (command.sandbox) sandboxes.set(pid, command);
    const c = command.container;
    if (c?.id != null && c.name !== null) {
      const key = `${c.engine}:${c.id}`;
      namedByRuntime.set(key, [...(namedByRuntime.get(key) ?? []), { name: c.name, by: pid }]);
    }
  }
  const fromState = stateNames(text.readRootStateFile);
  /** The container, named where it has no name yet; `owner` owns the namespace of the process it is for. */
  const named = (container: Container, owner: number | null | undefined): Container => {
    if (container.name !== null || container.id === null) return container;
    const claims = namedByRuntime.get(`${container.engine}:${container.id}`) ?? [];
    const name = (claims.find(({ by }) => starterOf(by) === 0) ?? claims.find(({ by }) => speaksFor(by, owner)))?.name;
    if (name !== undefined) return { ...container, name };
    const state = fromState(container.engine, container.id);
    return state === null ? container : { ...container, name: state.name, ...(state.pod !== undefined ? { pod: state.pod } : {}) };
  };

  const parents = new Map<number, number>();
  const parentOf = (pid: number): number => {
    let ppid = parents.get(pid);
    if (ppid === undefined) {
      const stat = d.readings.get(pid)?.stat;
      const answer = stat === undefined || couldNotRead(stat) ? text.readParentPid(pid) : stat.parent;
      ppid = couldNotRead(answer) ? 0 : answer;
      parents.set(pid, ppid);
    }
    return ppid;
  };
  const sandboxAbove = nearestSandbox(sandboxes, parentOf);

  // Processes share cgroups: each distinct set is recognised once (the parse is shared too).
  const engines = new Map<ProcessCgroups, CgroupMatch | null>();
  const engineOfShared = (cgroups: ProcessCgroups): CgroupMatch | null => {
    let match = engines.get(cgroups);
    if (match === undefined) engines.set(cgroups, (match = engineOf(cgroups)));
    return match;
  };
  const units = new Map<ProcessCgroups, Container | null>();
  const unitOfShared = (cgroups: ProcessCgroups): Container | null => {
    let unit = units.get(cgroups);
    if (unit === undefined) units.set(cgroups, (unit = unitOfCgroups(cgroups)));
    return unit;
  };
  // LXC names a container's cgroups lxc.payload.NAME-1 where lxc.payload.NAME is still there
  // (left by a container that was killed): its monitor, in lxc.monitor.NAME-1, says the name.
  const lxcNames = new Map<string, string>();
  for (const { cgroups, command } of read.values()) {
    const fromCgroup = cgroups === null || command?.container?.engine !== 'lxc' ? null : engineOfShared(cgroups);
    const cgroupName = fromCgroup?.container.engine === 'lxc' ? fromCgroup.container.name : null;
    if (cgroupName !== null && command!.container!.name !== null) lxcNames.set(cgroupName, command!.container!.name);
  }
  const cgroupContainer = (cgroups: ProcessCgroups | null): CgroupMatch | null => {
    const fromCgroup = cgroups === null ? null : engineOfShared(cgroups);
    const lxcName = fromCgroup?.container.engine === 'lxc' ? lxcNames.get(fromCgroup.container.name ?? '') : undefined;
    return fromCgroup !== null && lxcName !== undefined ? { ...fromCgroup, container: { ...fromCgroup.container, name: lxcName } } : fromCgroup;
  };
  /** The container a command line gives pid (its own runtime's, or a sandbox's above it), with the runtime process that gave it. */
  const commandContainer = (pid: number, command: CommandMatch | null): Claim | null => {
    if (command?.container != null) return command.sandbox ? sandboxContainer(pid, sandboxes, parentOf) : { container: command.container, by: pid };
    if (sandboxes.size === 0 || command !== null) return null;
    const sandbox = sandboxAbove(pid);
    return sandbox === null ? null : sandboxContainer(sandbox, sandboxes, parentOf);
  };

  // The identities that cgroups and root's runtimes give, with the UID whose they are.
  const established = new Map<string, number | null>();
  for (const [pid, { cgroups, command }] of read) {
    const fromCgroup = cgroupContainer(cgroups);
    if (fromCgroup !== null) established.set(identity(fromCgroup.container), ownerOf.get(pid) ?? null);
    else if (command?.container != null && starterOf(pid) === 0) established.set(identity(command.container), 0);
  }
  /** A claim of a runtime that root did not start stands where it takes no identity of another user's. */
  const believed = (claim: Claim | null): Container | null => {
    if (claim === null || starterOf(claim.by) === 0) return claim?.container ?? null;
    const owner = established.get(identity(claim.container));
    return owner === undefined || owner === starterOf(claim.by) ? claim.container : null;
  };

  const processes = new Map<number, ProcessText>();
  for (const [pid, { cgroups, cmdline, command }] of read) {
    const fromCgroup = cgroupContainer(cgroups);
    const container = fromCgroup?.container ?? believed(commandContainer(pid, command)) ?? (cgroups === null ? null : unitOfShared(cgroups));
    processes.set(pid, {
      cgroup: cgroups === null ? null : (cgroups.unified ?? cgroups.v1.join('\n')),
      cmdline,
      container: container === null ? null : named(container, ownerOf.get(pid)),
      runtime: fromCgroup?.runtime === true || command !== null,
    });
  }
  return processes;
}

/** The paths of a process's cgroups, unified first, each once (the v1 ones are mostly the same). */
const pathsOf = (cgroups: ProcessCgroups): Set<string> =>
  new Set([...(cgroups.unified === null ? [] : [cgroups.unified]), ...cgroups.v1.map(v1Path)]);

/** The innermost container the unified path names, else one of the v1 paths (a hybrid layout). */
function engineOf(cgroups: ProcessCgroups): CgroupMatch | null {
  for (const path of pathsOf(cgroups)) {
    const match = recogniseCgroupPath(path);
    if (match !== null) return match;
  }
  return null;
}

function unitOfCgroups(cgroups: ProcessCgroups): Container | null {
  for (const path of pathsOf(cgroups)) {
    const unit = unitOf(path);
    if (unit !== null) return unit;
  }
  return null;
}

/** "ID:CONTROLLERS:PATH" to PATH. */
const v1Path = (line: string): string => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);

/**
 * The nearest sandboxing process above pid, or null; each process's answer kept, so that a
 * parent's chain is climbed once however many children it has.
 */
function nearestSandbox(sandboxes: ReadonlyMap<number, CommandMatch>, parentOf: (pid: number) => number): (pid: number) => number | null {
  const answers = new Map<number, number | null>();
  return (pid) => {
    const climbed: number[] = [];
    let found: number | null = null;
    for (let up = parentOf(pid), steps = 0; up > 0 && steps < MAX_ANCESTORS; up = parentOf(up), steps++) {
      const known = answers.get(up);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (sandboxes.has(up)) {
        found = up;
        break;
      }
      climbed.push(up);
    }
    for (const up of climbed) answers.set(up, found);
    return found;
  };
}

/** A container as a command line gives it, and the runtime process whose command line it is. */
interface Claim {
  readonly container: Container;
  readonly by: number;
}

/**
 * What tells a container from the others: its engine and ID; its engine and name where it has no
 * ID (nspawn's and LXC's machines). Names alone are not unique: two users may each have a "web".
 */
const identity = (container: Container): string =>
  container.id !== null ? `${container.engine}:${container.id}` : `${container.engine} named ${container.name ?? ''}`;

/**
 * A sandbox's container, named after its outermost process where it runs as several of the same
 * program (bwrap inside bwrap as the sandbox's PID 1; firejail's child): one sandbox, one ID.
 */
function sandboxContainer(pid: number, sandboxes: ReadonlyMap<number, CommandMatch>, parentOf: (pid: number) => number): Claim | null {
  let outer = pid;
  const engine = sandboxes.get(pid)?.container?.engine;
  for (let steps = 0; steps < MAX_ANCESTORS; steps++) {
    const parent = parentOf(outer);
    const above = sandboxes.get(parent)?.container;
    if (parent <= 0 || above == null || above.engine !== engine || !PER_PROCESS.has(engine)) break;
    outer = parent;
  }
  const container = sandboxes.get(outer)?.container;
  return container == null ? null : { container, by: outer };
}

// The sandboxes known by their process's PID: only these are one sandbox over several processes.
const PER_PROCESS = new Set<string | undefined>(['bubblewrap', 'firejail', 'unshare']);
