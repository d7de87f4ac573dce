// Step 5: which container each member is in, from what the pass read of it: its cgroup, its
// command line and, where some sandboxing tool runs at all and the cgroup names no container,
// its parent. Names come from the runtimes' command lines first (conmon's -n), then from the
// engines' state files (root's alone), else stay unknown. Each piece of evidence counts only as
// far as whoever could make it may speak (containers/claims.ts): a command line is anyone's to
// write, so a runtime's says what its starter may say, and nothing where it runs inside a
// container itself.
import { Claims, type Claim, type Speaker } from '../containers/claims.js';
import {
  recogniseCgroupPath,
  recogniseCommand,
  unitOf,
  type CgroupMatch,
  type CommandMatch,
} from '../containers/recognise.js';
import { stateNames } from '../containers/state-files.js';
import { isNotRead, PATIENCE_MS, type CommandLine } from '../kernel/command-lines.js';
import type { ProcessCgroups } from '../kernel/process-text.js';
import { lazy } from '../lazy.js';
import { couldNotRead } from '../kernel/procfs.js';
import type { Container, NotRead, ProcessText } from '../model.js';
import { DEADLINE_MS, firstFew, type Discovery } from './state.js';

/** How far up the parents a sandbox is looked for: deeper than any real chain of sandboxes. */
const MAX_ANCESTORS = 64;

interface Read {
  readonly cgroups: ProcessCgroups | null;
  readonly cmdline: readonly string[] | null;
  readonly notRead: NotRead | null;
  readonly command: CommandMatch | null;
}

/** A container that a runtime's command line gives, and the runtime process whose it is. */
interface Said {
  readonly container: Container;
  readonly by: number;
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
  const commandLines = takeCommandLines(d);
  for (const ns of d.placed) {
    for (const pid of ns.pids) {
      const cgroup = d.readings.get(pid)?.cgroup;
      const cmdline = commandLines.get(pid);
      const notRead = isNotRead(cmdline) ? cmdline : null;
      const args = cmdline === undefined || notRead !== null || couldNotRead(cmdline) ? null : (cmdline as readonly string[]);
      const cgroups = cgroup === undefined || couldNotRead(cgroup) ? null : text.cgroupsOf(cgroup);
      read.set(pid, { cgroups, cmdline: args, notRead, command: args === null ? null : commandOf(args, pid) });
    }
  }

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

  // Whose word each runtime process's command line is: who started it (its real UID), where it
  // is still the process the pass read (the same start time: a PID reused in between is not).
  // No one's where it runs inside a container: in another PID namespace than this tool's, under
  // another root directory, or in a container's cgroup (root in Docker's, or in a pod's, with no
  // user namespace of its own, is real UID 0 too). Real runtimes and sandboxing tools run beside
  // this tool. Asked of runtime processes alone.
  const { procfs } = d.kernel;
  /** A process's PID namespace and root directory, as one string; null where not to be had. */
  const placeOf = (pid: number | 'self'): string | null => {
    const pidNamespace = procfs.namespaceLink(pid, 'pid');
    if (couldNotRead(pidNamespace) || pidNamespace === null) return null;
    const root = procfs.openRootPath(pid);
    if (couldNotRead(root)) return null;
    try {
      const { dev, ino } = procfs.identify(root);
      return `${pidNamespace.ino} ${dev}:${ino}`;
    } finally {
      procfs.closeDescriptor(root);
    }
  };
  // Where this tool runs, asked only once a runtime's word is.
  const here = lazy(() => placeOf('self'));
  const speakers = new Map<number, Speaker>();
  const speakerOf = (pid: number): Speaker => {
    let speaker = speakers.get(pid);
    if (speaker === undefined) {
      const uid = text.readRealUid(pid);
      const now = text.readStat(pid);
      const then = d.readings.get(pid)?.stat;
      const same = !couldNotRead(now) && then !== undefined && !couldNotRead(then) && now.started === then.started;
      const beside = here() !== null && placeOf(pid) === here();
      const own = read.get(pid)?.cgroups;
      const inContainer = own != null && engineOfShared(own)?.runtime === false;
      speakers.set(pid, (speaker = couldNotRead(uid) || !same || !beside || inContainer ? null : uid));
    }
    return speaker;
  };

  const sandboxes = new Map<number, CommandMatch>();
  for (const [pid, { command }] of read) if (command?.sandbox === true) sandboxes.set(pid, command);
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

  // LXC names a container's cgroups lxc.payload.NAME-1 where lxc.payload.NAME is still there
  // (left by a container that was killed): its monitor, in lxc.monitor.NAME-1, says the name;
  // believed from a monitor whose starter may have named its cgroup, for that namer's cgroups.
  const lxcNames = new Map<string, string>();
  for (const [pid, { cgroups, command }] of read) {
    const fromCgroup = cgroups === null || command?.container?.engine !== 'lxc' ? null : engineOfShared(cgroups);
    const cgroupName = fromCgroup?.container.engine === 'lxc' ? fromCgroup.container.name : null;
    if (cgroupName !== null && command!.container!.name !== null && speakerOf(pid) === fromCgroup!.speaker) {
      lxcNames.set(`${fromCgroup!.speaker}:${cgroupName}`, command!.container!.name);
    }
  }
  const cgroupMatch = (cgroups: ProcessCgroups | null): CgroupMatch | null => {
    const fromCgroup = cgroups === null ? null : engineOfShared(cgroups);
    const lxcName = fromCgroup?.container.engine === 'lxc' ? lxcNames.get(`${fromCgroup.speaker}:${fromCgroup.container.name ?? ''}`) : undefined;
    return fromCgroup !== null && lxcName !== undefined ? { ...fromCgroup, container: { ...fromCgroup.container, name: lxcName } } : fromCgroup;
  };
  /** The container a command line gives pid (its own runtime's, or a sandbox's above it), with the runtime process that gave it. */
  const commandContainer = (pid: number, command: CommandMatch | null): Said | null => {
    if (command?.container != null) return command.sandbox ? sandboxContainer(pid, sandboxes, parentOf) : { container: command.container, by: pid };
    if (sandboxes.size === 0 || command !== null) return null;
    const sandbox = sandboxAbove(pid);
    return sandbox === null ? null : sandboxContainer(sandbox, sandboxes, parentOf);
  };

  // Every piece of evidence first: whether one is believed depends on who else speaks for it.
  const claims = new Claims();
  const fromCommand = (said: Said | null): Claim | null => (said === null ? null : { container: said.container, speaker: speakerOf(said.by), evidence: 'command' });
  const byCgroup = new Map<number, { readonly match: CgroupMatch | null; readonly claim: Claim | null }>();
  for (const [pid, { cgroups, command }] of read) {
    const match = cgroupMatch(cgroups);
    const claim: Claim | null = match === null ? null : { container: match.container, speaker: match.speaker, evidence: 'cgroup' };
    byCgroup.set(pid, { match, claim });
    for (const evidence of [claim, command?.container == null ? null : fromCommand({ container: command.container, by: pid })]) {
      if (evidence !== null) claims.add(evidence);
    }
  }

  const fromState = stateNames(text.readRootStateFile);
  /** The claim's container, named where it has no name yet. */
  const named = (claim: Claim): Container => {
    const { container } = claim;
    if (container.name !== null || container.id === null) return container;
    const name = claims.nameOf(claim);
    if (name !== null) return { ...container, name };
    const state = fromState(container.engine, container.id);
    return state === null ? container : { ...container, name: state.name, ...(state.pod !== undefined ? { pod: state.pod } : {}) };
  };

  const processes = new Map<number, ProcessText>();
  for (const [pid, { cgroups, cmdline, notRead, command }] of read) {
    const { match, claim } = byCgroup.get(pid)!;
    const believed = [claim, fromCommand(commandContainer(pid, command))].find((evidence) => evidence !== null && claims.believed(evidence));
    processes.set(pid, {
      cgroup: cgroups === null ? null : (cgroups.unified ?? cgroups.v1.join('\n')),
      cmdline,
      ...(notRead !== null ? { notRead: { cmdline: notRead } } : {}),
      container: believed != null ? named(believed) : cgroups === null ? null : unitOfShared(cgroups),
      runtime: match?.runtime === true || command !== null,
    });
  }
  return processes;
}

/**
 * The command lines read since the pass began, taken by the run's deadline (but with time for a
 * stalled read to be noticed and passed, where the run came here late); what was not read is
 * said in one sentence of the cut.
 */
function takeCommandLines(d: Discovery): ReadonlyMap<number, CommandLine> {
  if (d.commandLines === undefined) return new Map();
  const lines = d.commandLines.take(Math.max(d.started + DEADLINE_MS, performance.now() + 3 * PATIENCE_MS));
  const stalled: number[] = [];
  const late: number[] = [];
  for (const [pid, line] of lines) if (isNotRead(line)) (line === 'stalled' ? stalled : late).push(pid);
  const parts: string[] = [];
  if (stalled.length === 1) parts.push(`could not read the command line of 1 process (PID ${stalled[0]}): the read waited on its memory lock, which its owner can hold`);
  if (stalled.length > 1) {
    parts.push(`could not read the command lines of ${stalled.length} processes (PIDs ${firstFew(stalled)}): the reads waited on their memory locks, which their owners can hold`);
  }
  if (late.length > 0) parts.push(`did not read the command line${late.length === 1 ? '' : 's'} of ${late.length} process${late.length === 1 ? '' : 'es'} within ${DEADLINE_MS / 1000} s (PID${late.length === 1 ? '' : 's'} ${firstFew(late)})`);
  if (parts.length > 0) d.cut.push(parts.join('; '));
  return lines;
}

/** The paths of a process's cgroups, unified first, each once (the v1 ones are mostly the same). */
const pathsOf = (cgroups: ProcessCgroups): Set<string> =>
  new Set([...(cgroups.unified === null ? [] : [cgroups.unified]), ...cgroups.v1.map(v1Path)]);

/** The outermost container the unified path names, else one of the v1 paths (a hybrid layout). */
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
function sandboxContainer(pid: number, sandboxes: ReadonlyMap<number, CommandMatch>, parentOf: (pid: number) => number): Said | null {
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
