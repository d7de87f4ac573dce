// Runs inside a benchmark fixture's PID namespace: times whole commands, interleaved, and the
// scan alone in this process. Prints one JSON document. Called by bench.ts, not by people.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { discover } from '../src/discover/discover.js';
import { DESCRIPTOR_BUDGET } from '../src/discover/state.js';
import { systemKernel } from '../src/kernel/kernel.js';
import { listPidEntries } from '../src/kernel/procfs.js';
import { readProcesses } from '../src/kernel/reading-threads.js';
import { renderCompat } from '../src/render/compat.js';

export interface MeasureConfig {
  readonly warmup: number;
  readonly runs: number;
  readonly commands: readonly { readonly name: string; readonly argv: readonly string[] }[];
  /** Also time the scanner in-process against a bare loop of fs.statSync. */
  readonly scanAlone: boolean;
  /** Also count the descriptors that the fixture's processes hold, before the runs. */
  readonly countDescriptors?: boolean;
}

export interface CommandTimes {
  readonly name: string;
  readonly seconds: number[];
  /** Peak resident set, from /usr/bin/time; null where that is not installed. */
  readonly peakKiB: number | null;
  readonly failures: number;
}

export interface Measured {
  readonly processes: number;
  readonly commands: CommandTimes[];
  readonly scan: {
    scanner: number[];
    statLoop: number[];
    render: number[];
    /** The views' reads alone (one pass over every process), in this thread and shared with a worker. */
    passAlone: number[];
    passShared: number[];
    /** The views' whole discovery (tree and JSON discover the same). */
    views: number[];
  } | null;
  /** Every process's descriptors, this one's included; null where not asked for. */
  readonly descriptors: number | null;
}

const OUTPUT = '/tmp/userns-bench-output';
const GNU_TIME = '/usr/bin/time';

function timeOnce(argv: readonly string[]): { seconds: number; ok: boolean } {
  const out = fs.openSync(OUTPUT, 'w');
  try {
    const start = process.hrtime.bigint();
    const result = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', out, 'ignore'] });
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, ok: result.status === 0 };
  } finally {
    fs.closeSync(out);
  }
}

function peakKiB(argv: readonly string[]): number | null {
  if (!fs.existsSync(GNU_TIME)) return null;
  const result = spawnSync(GNU_TIME, ['-f', '%M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const last = result.stderr.trim().split('\n').pop() ?? '';
  return /^\d+$/.test(last) ? Number(last) : null;
}

const pidEntries = (): string[] => fs.readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));

function timeInProcess(work: () => unknown, warmup: number, runs: number): number[] {
  const seconds: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    work();
    if (i >= warmup) seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return seconds;
}

/** What the views read: each process's table (the fixture's processes have one thread each). */
const descriptorCount = (): number =>
  pidEntries().reduce((sum, pid) => {
    try {
      return sum + fs.readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      return sum; // gone since the listing
    }
  }, 0);

/** What the tree and JSON views read of each process. */
const VIEW_READS = { holders: true, stat: true, text: true };

function measure(config: MeasureConfig): Measured {
  const descriptors = config.countDescriptors === true ? descriptorCount() : null;
  const times = config.commands.map((c) => ({ name: c.name, seconds: [] as number[], failures: 0 }));
  // Interleaved, A B C A B C ..., so that drift in the machine touches every command alike.
  for (let round = 0; round < config.warmup + config.runs; round++) {
    config.commands.forEach((command, i) => {
      const { seconds, ok } = timeOnce(command.argv);
      if (round >= config.warmup) times[i]!.seconds.push(seconds);
      if (!ok) times[i]!.failures += 1;
    });
  }
  const commands = times.map((t, i) => ({ ...t, peakKiB: peakKiB(config.commands[i]!.argv) }));
  let scan: Measured['scan'] = null;
  if (config.scanAlone) {
    const kernel = systemKernel('koffi');
    const compat = { details: false, holders: false };
    const tree = discover(kernel, compat);
    scan = {
      scanner: timeInProcess(() => discover(kernel, compat), 2, config.runs),
      // The floor for Node: the same readdir, and one statSync a process, nothing else.
      statLoop: timeInProcess(
        () => pidEntries().map((pid) => fs.statSync(`/proc/${pid}/ns/user`, { throwIfNoEntry: false })),
        2,
        config.runs,
      ),
      render: timeInProcess(() => renderCompat(tree), 2, config.runs),
      // Where the views' floor is: the reads, in one thread and in two, with nothing made of them.
      passAlone: timeInProcess(() => readProcesses(listPidEntries(), VIEW_READS, DESCRIPTOR_BUDGET, { threads: 1 }), 1, config.runs),
      passShared: timeInProcess(() => readProcesses(listPidEntries(), VIEW_READS, DESCRIPTOR_BUDGET), 1, config.runs),
      views: timeInProcess(() => discover(kernel, { details: true, holders: true, containers: true }), 1, config.runs),
    };
  }
  return { processes: pidEntries().length, commands, scan, descriptors };
}

try {
  process.stdout.write(JSON.stringify(measure(JSON.parse(process.argv[2]!) as MeasureConfig)));
} finally {
  fs.rmSync(OUTPUT, { force: true });
}
