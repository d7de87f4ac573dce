// Step 5: which container each member is in, from what the pass read of it: its cgroup, its
// command line and, where some sandboxing tool runs at all and the cgroup names no container,
// its parent. Names come from the runtimes' command lines first (conmon's -n), then from the
// engines' state files (root's alone), else stay unknown.
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
  for (const ns of d.placed) {
    for (const pid of ns.pids) {
      const { cgroup, cmdline } = d.readings.get(pid) ?? {};
      const args = cmdline === undefined || couldNotRead(cmdline) ? null : cmdline;
      const cgroups = cgroup === undefined || couldNotRead(cgroup) ? null : text.cgroupsOf(cgroup);
      read.set(pid, { cgroups, cmdline: args, command: args === null ? null : commandOf(args, pid) });
    }
  }

  // The names runtimes give on their command lines (conmon -c ID -n NAME), by engine and ID.
  const namedByRuntime = new Map<string, string>();
  const sandboxes = new Map<number, CommandMatch>();
  for (const [pid, { command }] of read) {
    if (command === null) continue;
    if (command.sandbox) sandboxes.set(pid, command);
    const c = command.container;
    if (c?.id != null && c.name !== null) namedByRuntime.set(`${c.engine}:${c.id}`, c.name);
  }
  const fromState = stateNames(text.readRootStateFile);
  const named = (container: Container): Container => {
    if (container.name !== null || container.id === null) return container;
    const name = namedByRuntime.get(`${container.engine}:${container.id}`);
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
  const processes = new Map<number, ProcessText>();
  for (const [pid, { cgroups, cmdline, command }] of read) {
    let fromCgroup = cgroups === null ? null : engineOfShared(cgroups);
    const lxcName = fromCgroup?.container.engine === 'lxc' ? lxcNames.get(fromCgroup.container.name ?? '') : undefined;
    if (fromCgroup !== null && lxcName !== undefined) fromCgroup = { ...fromCgroup, container: { ...fromCgroup.container, name: lxcName } };
    let container: Container | null = null;
    if (fromCgroup !== null) container = fromCgroup.container;
    else if (command?.container != null) container = command.sandbox ? sandboxContainer(pid, sandboxes, parentOf) : command.container;
    else if (sandboxes.size > 0 && command === null) {
      const sandbox = sandboxAbove(pid);
      if (sandbox !== null) container = sandboxContainer(sandbox, sandboxes, parentOf);
    }
    container ??= cgroups === null ? null : unitOfShared(cgroups);
    processes.set(pid, {
      cgroup: cgroups === null ? null : (cgroups.unified ?? cgroups.v1.join('\n')),
      cmdline,
      container: container === null ? null : named(container),
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

/**
 * A sandbox's container, named after its outermost process where it runs as several of the same
 * program (bwrap inside bwrap as the sandbox's PID 1; firejail's child): one sandbox, one ID.
 */
function sandboxContainer(pid: number, sandboxes: ReadonlyMap<number, CommandMatch>, parentOf: (pid: number) => number): Container | null {
  let outer = pid;
  const engine = sandboxes.get(pid)?.container?.engine;
  for (let steps = 0; steps < MAX_ANCESTORS; steps++) {
    const parent = parentOf(outer);
    const above = sandboxes.get(parent)?.container;
    if (parent <= 0 || above == null || above.engine !== engine || !PER_PROCESS.has(engine)) break;
    outer = parent;
  }
  return sandboxes.get(outer)?.container ?? null;
}

// The sandboxes known by their process's PID: only these are one sandbox over several processes.
const PER_PROCESS = new Set<string | undefined>(['bubblewrap', 'firejail', 'unshare']);
