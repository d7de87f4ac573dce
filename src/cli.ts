// The command line: commander's wiring, and the mapping of outcomes to exit statuses.
import { Command, CommanderError, Option } from 'commander';
import { ToolFailure } from './failure';
import { BACKENDS, loadIoctls, type Backend } from './kernel/ioctl-ns';
import { checkProcfs } from './kernel/procfs';
import { complain, writeOutput } from './output';
import { renderCompat } from './render/compat';
import { leftOutWarning } from './report';
import { scanUserNamespaces } from './scan';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const EXIT_STATUSES = `
Exit status:
  0  the tree was printed (also when some processes were left out, or the reader of
     standard output closed it early)
  1  the tree could not be printed (no procfs, no namespace ioctls, a backend that is
     not installed, a failed write)
  2  the command line was wrong`;

interface Options {
  ffi: Backend;
  quiet: boolean;
}

function program(version: string): Command {
  return new Command('userns-overview')
    .description(
      'Show every user namespace on this machine as a tree, with the PIDs of its member processes.\n' +
        'Run it as root to see every process.',
    )
    .version(version, '-V, --version')
    .addOption(
      new Option('--ffi <backend>', 'foreign-function library for the NS_GET_PARENT ioctl')
        .choices(BACKENDS)
        .default('koffi'),
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

function run(options: Options): number {
  checkProcfs();
  const tree = scanUserNamespaces(() => loadIoctls(options.ffi));
  writeOutput(renderCompat(tree));
  if (!options.quiet) {
    const warning = leftOutWarning(tree.report.leftOut, process.getuid?.() === 0);
    if (warning !== null) complain(warning);
  }
  return EXIT_OK;
}

export function main(argv: readonly string[]): void {
  process.exitCode = mainStatus(argv);
}

function mainStatus(argv: readonly string[]): number {
  const version = (require('../../package.json') as { version: string }).version;
  const cli = program(version);
  try {
    cli.parse(argv as string[]);
  } catch (error) {
    // --help and --version end here with status 0; everything else is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  try {
    return run(cli.opts<Options>());
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
