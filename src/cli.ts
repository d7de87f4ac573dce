// The command line: commander built from the option table, and the mapping of outcomes to exit
// statuses.
import type { Command, Help } from 'commander';
import { ToolFailure } from './failure.js';
import {
  DESCRIPTION,
  eachOption,
  ENVIRONMENT,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_STATUSES,
  EXIT_USAGE,
  OptionValueError,
  optionsFrom,
  type OptionSpec,
  type Options,
} from './options.js';
import { endRun } from './kernel/kernel.js';
import { lazy } from './lazy.js';
import { complain, ReaderGone, writeOutput } from './output.js';
import { overview } from './overview.js';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE };

// commander is loaded only when there are arguments to parse: a bare run, the common case,
// starts about 5 ms sooner without it.
const commander = lazy(() => require('commander') as typeof import('commander'));
// Only --help asks how wide the terminal is.
const outputColumns = (): number => (require('./terminal.js') as typeof import('./terminal.js')).outputColumns();

/** A titled table after the options, folded like them: "Exit status:", "  0  the tree ...". */
function helpSection(help: Help, title: string, rows: readonly (readonly [string, string])[]): string {
  const termWidth = Math.max(...rows.map(([term]) => term.length));
  return `\n${title}:\n${rows.map(([term, text]) => help.formatItem(term, termWidth, text, help)).join('\n')}`;
}

/**
 * One option of the table as commander's. Its choices and default stay out of commander's
 * hands: commander would print them again after the help text, which already says them, and
 * "(default: false)" after every flag. The table's parser rejects what is not a choice.
 */
function commanderOption<T>(spec: OptionSpec<T>): import('commander').Option {
  const { InvalidArgumentError, Option } = commander();
  const option = new Option(spec.flags, spec.help);
  if (spec.conflicts !== undefined) option.conflicts(spec.conflicts);
  const parse = spec.parse;
  if (parse === undefined) return option;
  return option.argParser((value: string, previous: T | undefined) => {
    try {
      return parse(value, previous);
    } catch (error) {
      throw error instanceof OptionValueError ? new InvalidArgumentError(error.message) : error;
    }
  });
}

function program(): Command {
  const { Command } = commander();
  const version = (require('../../package.json') as { version: string }).version;
  const cli = new Command('userns-overview')
    .description(DESCRIPTION.join('\n'))
    .version(version, '-V, --version', 'show the version');
  eachOption((spec) => cli.addOption(commanderOption(spec)));
  return cli
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', () => {
      const help = cli.createHelp();
      help.prepareContext({ helpWidth: outputColumns() });
      return (
        helpSection(help, 'Environment', ENVIRONMENT.map(({ name, effect }) => [name, effect])) +
        '\n' +
        helpSection(help, 'Exit status', EXIT_STATUSES.map(({ status, meaning }) => [String(status), meaning]))
      );
    })
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      // Synchronous writes that take EPIPE as the reader's normal end, as the tree's own do:
      // `--help | head -1` must end quietly with status 0, not with an unhandled stream error.
      writeOut: (text) => void writeOutput(text),
      writeErr: (text) => complain(text.trimEnd()),
      getOutHelpWidth: outputColumns,
      // One line, named, with the way to the usage. commander's message ends in a newline and
      // puts its suggestion on a line of its own: "\n(Did you mean --format?)".
      outputError: (message) =>
        complain(
          `${message
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\(Did you mean (.*)\)$/, ' (did you mean $1)')} (see 'userns-overview --help')`,
        ),
    });
}

/** The options, or the exit status when parsing ended the run (usage error, --help). */
export function parseCommandLine(argv: readonly string[]): Options | number {
  if (argv.length <= 2) return optionsFrom({});
  const cli = program();
  try {
    cli.parse(argv as string[]);
  } catch (error) {
    // --help and --version end here with status 0; everything else is a usage error.
    if (error instanceof commander().CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return optionsFrom(cli.opts());
}

export function main(argv: readonly string[]): void {
  const status = mainStatus(argv);
  process.exitCode = status;
  endRun(status);
}

function mainStatus(argv: readonly string[]): number {
  try {
    const options = parseCommandLine(argv);
    if (typeof options === 'number') return options;
    overview(options);
    return EXIT_OK;
  } catch (error) {
    // The reader of --help or --version has all it wanted: a normal end.
    if (error instanceof ReaderGone) return EXIT_OK;
    // A failed write of --help or --version lands here too.
    if (error instanceof ToolFailure) {
      complain(error.message);
      return EXIT_FAILURE;
    }
    // A bug of ours: still one line, never a stack trace.
    complain(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
