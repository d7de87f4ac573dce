// The command line: commander's wiring, and the mapping of outcomes to exit statuses.
import type { Command } from 'commander';
import { ToolFailure } from './failure';
import { BACKENDS } from './kernel/libc';
import type { NamespaceType } from './model';
import { complain } from './output';
import { COLOR_WHEN, overview, OWNABLE_TYPES, type Options } from './overview';
import { VIEW_NAMES, VIEWS } from './views';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const EXIT_STATUSES = `
Environment:
  NO_COLOR   set and not empty: no colour with --color auto
  COLUMNS    the width for --format tree when --width is not given

Exit status:
  0  the tree was printed (also when some processes were left out, or the reader of
     standard output closed it early)
  1  the tree could not be printed (no procfs, no namespace ioctls, a backend that is
     not installed, too many open files, a failed write, a --pid that is not there)
  2  the command line was wrong`;

const MAX_WIDTH = 10_000;
// PID_MAX_LIMIT on 64-bit kernels (proc(5), /proc/sys/kernel/pid_max).
const MAX_PID = 4_194_304;

// commander is loaded only when there are arguments to parse: a bare run, the common case,
// starts about 5 ms sooner without it.
const commander = (): typeof import('commander') => require('commander') as typeof import('commander');

/** A parser for a single-valued option: a repeat is a mistake, not an override. */
function once<T>(parse: (value: string) => T): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    if (previous !== undefined) throw new (commander().InvalidArgumentError)('The option was given more than once.');
    return parse(value);
  };
}

function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new (commander().InvalidArgumentError)(`Allowed choices are ${choices.join(', ')}.`);
    }
    return value as T;
  };
}

function wholeNumber(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new (commander().InvalidArgumentError)(`It must be ${what}, a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

function program(): Command {
  const { Command, Option } = commander();
  const version = (require('../../package.json') as { version: string }).version;
  const pid = wholeNumber(1, MAX_PID, 'a PID');
  return new Command('userns-overview')
    .description(
      'Show every user namespace on this machine as a tree, with the PIDs of its member processes.\n' +
        'Run it as root to see every process.',
    )
    .version(version, '-V, --version')
    .addOption(
      new Option('--format <format>', `the output: ${VIEW_NAMES.map((name) => `${name}, ${VIEWS[name].help}`).join('; ')}`)
        .choices(VIEW_NAMES)
        .argParser(once(oneOf(VIEW_NAMES))),
    )
    .addOption(new Option('--json', 'short for --format json').conflicts('format'))
    .addOption(
      new Option('--pid <PID...>', 'only the namespaces that hold these processes, with their ancestors').argParser(
        (value: string, previous: number[] | undefined) => [...(previous ?? []), pid(value)],
      ),
    )
    .addOption(
      new Option('--width <N>', 'fold --format tree to N columns (default: COLUMNS, the terminal, or 80)').argParser(
        once(wholeNumber(1, MAX_WIDTH, 'a width')),
      ),
    )
    .addOption(
      new Option('--color <when>', 'colour in --format tree (default: auto, when standard output is a terminal)')
        .choices(COLOR_WHEN)
        .argParser(once(oneOf(COLOR_WHEN))),
    )
    .option('--ascii', 'draw --format tree with ASCII instead of box-drawing characters', false)
    .option('--processes-only', 'in tree, json and dot, only what member processes show, as compat does', false)
    .option('--owned', 'also list the namespaces of other types that each user namespace owns', false)
    .addOption(
      new Option('--type <types>', `with --owned, only these types, comma-separated: ${OWNABLE_TYPES.join(', ')} (implies --owned)`).argParser(
        once(namespaceTypes),
      ),
    )
    .addOption(
      new Option('--ffi <backend>', 'foreign-function library for the namespace ioctls (default: koffi)')
        .choices(BACKENDS)
        .argParser(once(oneOf(BACKENDS))),
    )
    .option('-q, --quiet', 'do not warn about processes that could not be inspected', false)
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXIT_STATUSES)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      // One line, named, with the way to the usage: commander's message ends in a newline.
      outputError: (message, write) =>
        write(`userns-overview: ${message.trim().replace(/^error: /, '')} (see 'userns-overview --help')\n`),
    });
}

function namespaceTypes(value: string): NamespaceType[] {
  const types = value.split(',');
  for (const type of types) {
    if (!(OWNABLE_TYPES as readonly string[]).includes(type)) {
      throw new (commander().InvalidArgumentError)(`Each type must be one of ${OWNABLE_TYPES.join(', ')}.`);
    }
  }
  return types as NamespaceType[];
}

export function main(argv: readonly string[]): void {
  process.exitCode = mainStatus(argv);
}

/** The options, or the exit status when parsing ended the run (usage error, --help). */
function parseCommandLine(argv: readonly string[]): Options | number {
  if (argv.length <= 2) return { ascii: false, quiet: false, processesOnly: false, owned: false };
  const cli = program();
  try {
    cli.parse(argv as string[]);
  } catch (error) {
    // --help and --version end here with status 0; everything else is a usage error.
    if (error instanceof commander().CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return cli.opts<Options>();
}

function mainStatus(argv: readonly string[]): number {
  const options = parseCommandLine(argv);
  if (typeof options === 'number') return options;
  try {
    overview(options);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ToolFailure) {
      complain(error.message);
      return EXIT_FAILURE;
    }
    // A bug of ours: still one line, never a stack trace.
    complain(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
