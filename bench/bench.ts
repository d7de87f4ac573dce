// `npm run bench`: builds namespace fixtures in private PID namespaces, runs userns-overview
// and its peers in each, interleaved, and prints medians and ratios. Figures, never asserts.
//
//   npm run bench                 the 1,000- and 10,000-process fixtures, the deepest chain,
//                                 one crowded namespace, a small machine, two floods
//                                 (5M namespace descriptors; 40,000 stacked bind mounts x 3),
//                                 and 2,000 processes x 200 descriptors against stdio only
//   npm run bench -- --large      also 20,000 processes (about 4 GiB of memory)
//   npm run bench -- --floods     only the floods; --no-floods: all but them
//   npm run bench -- --descriptors
//                                 only the two descriptor fixtures and the cost per descriptor
//   USERNS_OVERVIEW_ORIGINAL=/path/to/userns_overview npm run bench
//                                 also the original Go program, built by you
import fs from 'node:fs';
import path from 'node:path';
import { inPidNamespace, LAUNCHER, PROJECT, type FixtureSpec } from '../test/support/fixture.js';
import type { Measured, MeasureConfig } from './measure.js';

const RUNS = 7;
const MEASURE = path.join(__dirname, 'measure.js');
const ORIGINAL = process.env['USERNS_OVERVIEW_ORIGINAL'];

interface Scenario {
  readonly name: string;
  readonly spec: Omit<FixtureSpec, 'runs'>;
  readonly scanAlone?: boolean;
  /** Only the views that look for holders, against lsns: where compat is not the question. */
  readonly views?: boolean;
  /** The default commands and the views that look for holders, side by side. */
  readonly viewsToo?: boolean;
  /** compat and the views that look for holders, against lsns, with the descriptors counted. */
  readonly descriptors?: boolean;
  readonly runs?: number;
}

const flood = (script: string): string => fs.readFileSync(path.join(PROJECT, 'bench', 'floods', script), 'utf8');
/** 2,000 processes holding this many descriptors each, stdio included (3: stdio only). */
const holding = (descriptors: number): string => `DESCRIPTORS=${descriptors}\n${flood('held-descriptors.sh')}`;

const scenarios: Scenario[] = [
  { name: 'small: 1 namespace, ~30 processes', spec: { rootMembers: 30 } },
  { name: '1k: ~1,000 processes in 110 namespaces', spec: { forest: { fanout: 10, depth: 2, members: 9 } } },
  { name: '10k: ~10,000 processes in 992 namespaces', spec: { forest: { fanout: 31, depth: 2, members: 10 } }, scanAlone: true, viewsToo: true },
  { name: 'deepest: a chain of 33 namespaces', spec: { chains: [{ name: 'deepest', depth: 33, members: 10 }] } },
  { name: 'crowded: ~10,000 processes in 1 namespace', spec: { rootMembers: 10_000 } },
  {
    name: 'flood: 5,000,000 descriptors of one user namespace in 250 processes',
    spec: { setup: flood('descriptors.sh'), timeoutMs: 3_600_000 },
    views: true,
    runs: 3,
  },
  {
    name: 'flood: 40,000 stacked bind mounts of one user namespace, in 3 copies of a mount namespace',
    spec: { setup: flood('mounts.sh'), timeoutMs: 3_600_000 },
    views: true,
    runs: 3,
  },
  {
    name: "flood: 497,500 sockets of nobody's in 25 processes",
    spec: { setup: flood('sockets.sh'), timeoutMs: 3_600_000 },
    views: true,
    runs: 3,
  },
  // 400,000 descriptors, below the 500,000 links a run reads: every one is read, none is cut.
  { name: 'descriptors: 2,000 processes x 200 descriptors, 10 of them namespace files', spec: { setup: holding(200) }, descriptors: true },
  // The same processes and namespaces: the difference is the descriptors alone.
  { name: 'descriptors: the same 2,000 processes, stdio only', spec: { setup: holding(3) }, descriptors: true },
];
const LARGE = '20k: ~20,000 processes in 992 namespaces';
if (process.argv.includes('--large')) scenarios.push({ name: LARGE, spec: { forest: { fanout: 31, depth: 2, members: 20 } } });
// --floods: the floods alone; --descriptors: the two descriptor fixtures alone (both flags:
// both); --no-floods: all but the floods.
const isFlood = (s: Scenario): boolean => s.name.startsWith('flood');
const isHolding = (s: Scenario): boolean => s.descriptors === true;
const alone = [...(process.argv.includes('--floods') ? [isFlood] : []), ...(process.argv.includes('--descriptors') ? [isHolding] : [])];
const chosen =
  alone.length > 0
    ? scenarios.filter((s) => alone.some((is) => is(s)))
    : process.argv.includes('--no-floods')
      ? scenarios.filter((s) => !isFlood(s))
      : scenarios;

/** The tool with these arguments, named by them. */
const tool = (...args: string[]): MeasureConfig['commands'][number] => ({
  name: ['userns-overview', ...args].join(' '),
  argv: [process.execPath, LAUNCHER, ...args],
});
const LSNS = { name: 'lsns -t user', argv: ['lsns', '-t', 'user'] };
const NODE = { name: "node -e ''", argv: [process.execPath, '-e', ''] };

/** The floods: the views that look for holders, against lsns. */
const VIEW_COMMANDS: MeasureConfig['commands'] = [tool('--json'), tool('--format', 'tree'), LSNS, NODE];

/** The descriptor fixtures: compat reads no descriptors, the views read every one; lsns neither. */
const DESCRIPTOR_COMMANDS: MeasureConfig['commands'] = [tool(), tool('--format', 'tree'), tool('--json'), LSNS, NODE];

/** The views that read more than compat, beside it in the same run. */
const HOLDER_VIEWS: MeasureConfig['commands'] = [tool('--format', 'tree'), tool('--json'), tool('--json', '--owned')];

function commands(): MeasureConfig['commands'] {
  const list = [tool(), tool('--ffi', 'ffi-napi'), LSNS, NODE];
  if (ORIGINAL !== undefined && fs.existsSync(ORIGINAL)) list.splice(3, 0, { name: 'original (Go)', argv: [ORIGINAL] });
  return list;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const ms = (seconds: number): string => (seconds * 1000).toFixed(1);
const pad = (text: string, width: number): string => text.padEnd(width);

function commandsOf(scenario: Scenario): MeasureConfig['commands'] {
  if (scenario.views === true) return VIEW_COMMANDS;
  if (scenario.descriptors === true) return DESCRIPTOR_COMMANDS;
  return scenario.viewsToo === true ? [...commands(), ...HOLDER_VIEWS] : commands();
}

/** The measurements, and what the fixture's setup reported (`fact`). */
function run(scenario: Scenario): { measured: Measured; facts: ReadonlyMap<string, string> } {
  const config: MeasureConfig = {
    warmup: 1,
    runs: scenario.runs ?? RUNS,
    commands: commandsOf(scenario),
    scanAlone: scenario.scanAlone === true,
    countDescriptors: scenario.descriptors === true,
  };
  const facts = inPidNamespace({
    ...scenario.spec,
    timeoutMs: 1_800_000,
    runs: [{ label: 'measure', command: [process.execPath, MEASURE, JSON.stringify(config)] }],
  });
  const result = facts.runs.get('measure')!;
  if (result.status !== 0) throw new Error(`measuring ${scenario.name} failed: ${result.stderr}`);
  return { measured: JSON.parse(result.stdout) as Measured, facts: facts.extra };
}

const count = (n: number): string => n.toLocaleString('en-US');

function report(scenario: Scenario, measured: Measured, facts: ReadonlyMap<string, string>): void {
  const descriptors = measured.descriptors === null ? '' : `, ${count(measured.descriptors)} descriptors`;
  console.log(`\n## ${scenario.name} (${measured.processes} processes${descriptors} in the fixture)`);
  const built = facts.get('builtMs');
  if (built !== undefined) console.log(`setup: the fixture built in ${(Number(built) / 1000).toFixed(1)} s`);
  const byName = new Map(measured.commands.map((c) => [c.name, median(c.seconds)]));
  const lsns = byName.get('lsns -t user')!;
  const floor = byName.get("node -e ''")!;
  console.log(`${pad('command', 32)}${pad('median ms', 11)}${pad('min-max ms', 16)}${pad('× lsns', 9)}${pad('× node', 9)}peak MB`);
  for (const c of measured.commands) {
    const m = median(c.seconds);
    const range = `${ms(Math.min(...c.seconds))}-${ms(Math.max(...c.seconds))}`;
    const peak = c.peakKiB === null ? 'n/a' : (c.peakKiB / 1024).toFixed(1);
    const failed = c.failures > 0 ? `  (${c.failures} runs failed)` : '';
    console.log(`${pad(c.name, 32)}${pad(ms(m), 11)}${pad(range, 16)}${pad((m / lsns).toFixed(2), 9)}${pad((m / floor).toFixed(2), 9)}${peak}${failed}`);
  }
  if (measured.scan !== null) {
    const scanner = median(measured.scan.scanner);
    const loop = median(measured.scan.statLoop);
    const render = median(measured.scan.render);
    console.log(`scan alone, in-process: scanner ${ms(scanner)} ms, bare fs.statSync loop ${ms(loop)} ms, ratio ${(scanner / loop).toFixed(2)}`);
    console.log(`rendering compat: ${ms(render)} ms, ${((render / byName.get('userns-overview')!) * 100).toFixed(1)} % of the whole run`);
    const alone = median(measured.scan.passAlone);
    const shared = median(measured.scan.passShared);
    const compat = byName.get('userns-overview')!;
    console.log(
      `the views' reads alone, in-process: one thread ${ms(alone)} ms, shared with a worker ${ms(shared)} ms ` +
        `(${(alone / shared).toFixed(2)} x faster, ${(shared / compat).toFixed(2)} x compat's whole run); ` +
        `the views' whole discovery ${ms(median(measured.scan.views))} ms`,
    );
  }
}

const results = new Map<string, Measured>();
for (const scenario of chosen) {
  const { measured, facts } = run(scenario);
  results.set(scenario.name, measured);
  report(scenario, measured, facts);
}

// The cost of one more process: the slope between the 1k and 10k fixtures (and 10k to 20k).
function slope(from: string, to: string, command: string): string {
  const a = results.get(from);
  const b = results.get(to);
  const ta = a?.commands.find((c) => c.name === command);
  const tb = b?.commands.find((c) => c.name === command);
  if (a === undefined || b === undefined || ta === undefined || tb === undefined) return 'n/a';
  return `${(((median(tb.seconds) - median(ta.seconds)) / (b.processes - a.processes)) * 1e6).toFixed(1)} µs`;
}
const [SMALL, ONE_K, TEN_K] = scenarios.map((s) => s.name);
if (results.has(TEN_K!)) {
  console.log('\n## per process (slope between fixtures)');
  for (const command of commands().map((c) => c.name)) {
    const large = results.has(LARGE) ? `, 10k→20k ${slope(TEN_K!, LARGE, command)}` : '';
    console.log(`${pad(command, 32)}1k→10k ${slope(ONE_K!, TEN_K!, command)}${large}`);
  }
  const small = results.get(SMALL!)!;
  const smallMedian = (name: string): number => median(small.commands.find((c) => c.name === name)!.seconds);
  console.log(`\nstart-up on a small machine: userns-overview is node -e '' + ${ms(smallMedian('userns-overview') - smallMedian("node -e ''"))} ms`);
  if (results.has(LARGE)) {
    const whole = (name: string): number => median(results.get(name)!.commands.find((c) => c.name === 'userns-overview')!.seconds);
    console.log(`20k / 10k whole-run time: ${(whole(LARGE) / whole(TEN_K!)).toFixed(2)}`);
  }
}

// The cost of one more descriptor: each command on the 400,000-descriptor fixture against the
// same processes and namespaces with stdio only, over the descriptors the heavy one holds.
const [HEAVY, LIGHT] = scenarios.filter(isHolding).map((s) => s.name);
const heavy = results.get(HEAVY!);
const light = results.get(LIGHT!);
if (heavy !== undefined && light !== undefined) {
  const held = heavy.descriptors!;
  console.log(`\n## per descriptor ((heavy - light) / ${count(held)} descriptors; the light fixture holds ${count(light.descriptors!)})`);
  console.log(`${pad('command', 32)}${pad('light ms', 11)}${pad('heavy ms', 11)}${pad('µs/descriptor', 15)}peak MB light → heavy`);
  const peak = (c: Measured['commands'][number]): string => (c.peakKiB === null ? 'n/a' : (c.peakKiB / 1024).toFixed(1));
  for (const h of heavy.commands) {
    const l = light.commands.find((c) => c.name === h.name)!;
    const [th, tl] = [median(h.seconds), median(l.seconds)];
    console.log(`${pad(h.name, 32)}${pad(ms(tl), 11)}${pad(ms(th), 11)}${pad((((th - tl) / held) * 1e6).toFixed(2), 15)}${peak(l)} → ${peak(h)}`);
  }
}
