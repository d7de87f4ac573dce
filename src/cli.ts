// The command line: commander's wiring, and the mapping of outcomes to exit statuses.
import type { Command } from 'commander';
import { ToolFailure } from './failure';
import { BACKENDS, loadIoctls, type Backend } from './kernel/ioctl-ns';
import { checkProcfs, hidesOtherUsers, insideUserNamespace } from './kernel/procfs';
import { NAMESPACE_TYPES, type NamespaceTree, type NamespaceType } from './model';
import { complain, writeOutput } from './output';
import { leftOutWarning } from './report';
import { scanUserNamespaces } from './scan';
import { userNamesOnce, VIEW_NAMES, VIEWS, type ViewName } from './views';

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
     not installed, a failed write, a --pid that is not there)
  2  the command line was wrong`;

const COLOR_WHEN = ['auto', 'always', 'never'] as const;
const MAX_WIDTH = 10_000;
// PID_MAX_LIMIT on 64-bit kernels (proc(5), /proc/sys/kernel/pid_max).
const MAX_PID = 4_194_304;

interface Options {
  ffi?: Backend;
  format?: ViewName;
  json?: boolean;
  pid?: number[];
  width?: number;
  color?: (typeof COLOR_WHEN)[number];
  ascii: boolean;
  quiet: boolean;
  processesOnly: boolean;
  owned: boolean;
  type?: NamespaceType[];
}

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

const OWNABLE_TYPES = NAMESPACE_TYPES.filter((type) => type !== 'user');

function namespaceTypes(value: string): NamespaceType[] {
  const types = value.split(',');
  for (const type of types) {
    if (!(OWNABLE_TYPES as readonly string[]).includes(type)) {
      throw new (commander().InvalidArgumentError)(`Each type must be one of ${OWNABLE_TYPES.join(', ')}.`);
    }
  }
  return types as NamespaceType[];
}

const positiveInteger = (text: string | undefined): number | undefined =>
  text !== undefined && /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : undefined;

/** --width, else COLUMNS, else the terminal's width, else 80. */
function outputWidth(options: Options): number {
  if (options.width !== undefined) return options.width;
  const columns = positiveInteger(process.env['COLUMNS']);
  if (columns !== undefined) return columns;
  return isTerminal() ? (process.stdout.columns ?? 80) : 80;
}

const isTerminal = (): boolean => (require('node:tty') as typeof import('node:tty')).isatty(1);

function useColor(options: Options): boolean {
  const when = options.color ?? 'auto';
  if (when !== 'auto') return when === 'always';
  const noColor = process.env['NO_COLOR'];
  return isTerminal() && (noColor === undefined || noColor === '');
}

/** The asked-for PIDs that are not in the tree, as one line. */
function missingPids(missing: readonly number[], tree: NamespaceTree): string {
  const denied = new Set(tree.report.leftOut.filter((p) => p.reason !== 'vanished').map((p) => p.pid));
  const parts: string[] = [];
  const absent = missing.filter((p) => !denied.has(p));
  const hidden = missing.filter((p) => denied.has(p));
  if (absent.length > 0) parts.push(`no process with PID ${absent.join(', ')}`);
  if (hidden.length > 0) parts.push(`PID ${hidden.join(', ')} could not be inspected`);
  return parts.join('; ');
}

function run(options: Options): number {
  const format: ViewName = options.json === true ? 'json' : (options.format ?? 'compat');
  const view = VIEWS[format];
  checkProcfs();
  const owned = options.owned || options.type !== undefined ? new Set(options.type ?? OWNABLE_TYPES) : undefined;
  let tree = scanUserNamespaces(() => loadIoctls(options.ffi ?? 'koffi'), {
    details: view.details,
    holders: view.details && !options.processesOnly,
    ...(owned !== undefined ? { owned } : {}),
  });
  if (options.pid !== undefined) {
    const { namespacesHolding } = require('./filter') as typeof import('./filter');
    const filtered = namespacesHolding(tree, options.pid);
    if (filtered.missing.length > 0) throw new ToolFailure(missingPids(filtered.missing, tree));
    tree = filtered.tree;
  }
  const style = () => ({ width: outputWidth(options), color: useColor(options), ascii: options.ascii });
  writeOutput(view.render(tree, { names: userNamesOnce(), style }));
  if (!options.quiet) {
    const asRoot = process.getuid?.() === 0;
    const leftOut = tree.report.leftOut;
    const warning = leftOutWarning(leftOut, { root: asRoot, insideUserNamespace: leftOut.length > 0 && insideUserNamespace() });
    if (warning !== null) complain(warning);
    if (!asRoot && hidesOtherUsers()) {
      complain('/proc is mounted with hidepid=invisible: processes of other users are hidden; run as root to see them');
    }
  }
  return EXIT_OK;
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
    return run(options);
  } catch (error) {
    if (error instanceof ToolFailure) {
      complain(error.message);
      return error.status;
    }
    // A bug of ours: still one line, never a stack trace.
    complain(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
