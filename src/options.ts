// The command line described once, as data: each option's flags, help, parser and default, the
// environment variables and the exit statuses. cli.ts builds commander's program and --help from
// these tables, manual.ts the man page and the shell completion, so none of them can drift.
// This module must not load commander: a bare run reads its defaults from here.
import { BACKENDS } from './kernel/kernel.js';
import { OWNABLE_TYPES } from './model.js';
import { VIEW_NAMES, VIEWS } from './views.js';

type OwnableType = (typeof OWNABLE_TYPES)[number];

export const COLOR_WHEN = ['auto', 'always', 'never'] as const;

const MAX_WIDTH = 10_000;
// PID_MAX_LIMIT on 64-bit kernels (proc(5), /proc/sys/kernel/pid_max).
const MAX_PID = 4_194_304;

/** What the tool is, for --help and the man page's DESCRIPTION. */
export const DESCRIPTION = [
  'Show every user namespace on this machine as a tree, with the PIDs of its member processes.',
  'Run it as root to see every process.',
] as const;

/** A value the user typed that an option does not take; cli.ts turns it into a usage error. */
export class OptionValueError extends Error {}

/** What a shell may offer after the option: fixed words, a comma-separated list of them, PIDs. */
export type Completion =
  | { readonly kind: 'none' }
  | { readonly kind: 'words'; readonly words: readonly string[] }
  | { readonly kind: 'list'; readonly words: readonly string[] }
  | { readonly kind: 'pid' };

export interface OptionSpec<T> {
  /** As commander reads them: '-q, --quiet', '--width <N>'. */
  readonly flags: string;
  readonly help: string;
  /** Absent for a flag, which takes no value. */
  readonly parse?: (value: string, previous: T | undefined) => T;
  /** Checks and narrows what the parser stored: the options leave the parser typed, not cast. */
  readonly read: (stored: unknown) => T | undefined;
  readonly fallback: T;
  readonly completion: Completion;
  /** An option that may not be given together with this one (its key). */
  readonly conflicts?: string;
}

function flag(flags: string, help: string): OptionSpec<boolean> {
  return { flags, help, read: (stored) => (typeof stored === 'boolean' ? stored : undefined), fallback: false, completion: { kind: 'none' } };
}

/** A parser for a single-valued option: a repeat is a mistake, not an override. */
function once<T>(parse: (value: string) => T): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    if (previous !== undefined) throw new OptionValueError('The option was given more than once.');
    return parse(value);
  };
}

function isOneOf<T extends string>(choices: readonly T[], value: unknown): value is T {
  return (choices as readonly unknown[]).includes(value);
}

function choice<T extends string, F extends T | undefined>(flags: string, help: string, choices: readonly T[], fallback: F): OptionSpec<T | F> {
  return {
    flags,
    help,
    parse: once((value) => {
      if (!isOneOf(choices, value)) throw new OptionValueError(`Allowed choices are ${choices.join(', ')}.`);
      return value;
    }),
    read: (stored) => (isOneOf(choices, stored) ? stored : undefined),
    fallback,
    completion: { kind: 'words', words: choices },
  };
}

function wholeNumber(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new OptionValueError(`It must be ${what}, a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

const isWholeNumber = (stored: unknown): stored is number => typeof stored === 'number' && Number.isSafeInteger(stored);

const pid = wholeNumber(1, MAX_PID, 'a PID');

/** The options, by the name commander stores each under (its long flag in camelCase). */
export const OPTIONS = {
  format: choice(
    '--format <format>',
    `the output: ${VIEW_NAMES.map((name) => `${name}, ${VIEWS[name].help}`).join('; ')}`,
    VIEW_NAMES,
    'compat',
  ),
  json: { ...flag('--json', 'short for --format json'), conflicts: 'format' },
  pid: {
    flags: '--pid <PID...>',
    help: 'only the namespaces that hold these processes, with their ancestors',
    // Repeatable: each --pid adds to the list.
    parse: (value: string, previous: number[] | undefined) => [...(previous ?? []), pid(value)],
    read: (stored: unknown) => (Array.isArray(stored) && stored.every(isWholeNumber) ? stored : undefined),
    fallback: undefined,
    completion: { kind: 'pid' },
  } satisfies OptionSpec<number[] | undefined>,
  container: {
    flags: '--container <name-or-id...>',
    help: 'only the namespaces of this container (its name, or the start of its ID), with their ancestors',
    // Repeatable, as --pid is.
    parse: (value: string, previous: string[] | undefined) => {
      if (value === '') throw new OptionValueError('It must be a name or the start of an ID.');
      return [...(previous ?? []), value];
    },
    read: (stored: unknown) => (Array.isArray(stored) && stored.every((s) => typeof s === 'string') ? stored : undefined),
    fallback: undefined,
    completion: { kind: 'none' },
  } satisfies OptionSpec<string[] | undefined>,
  width: {
    flags: '--width <N>',
    help: 'fold --format tree to N columns (default: COLUMNS, the terminal, or 80)',
    parse: once(wholeNumber(1, MAX_WIDTH, 'a width')),
    read: (stored: unknown) => (isWholeNumber(stored) ? stored : undefined),
    fallback: undefined,
    completion: { kind: 'none' },
  } satisfies OptionSpec<number | undefined>,
  color: choice(
    '--color <when>',
    'colour in --format tree: auto (the default: when standard output is a terminal), always or never',
    COLOR_WHEN,
    'auto',
  ),
  ascii: flag('--ascii', 'draw --format tree with ASCII instead of box-drawing characters'),
  processesOnly: flag('--processes-only', 'in tree, json and dot, only what member processes show, as compat does'),
  owned: flag('--owned', 'also list the namespaces of other types that each user namespace owns'),
  type: {
    flags: '--type <types>',
    help: `with --owned, only these types, comma-separated: ${OWNABLE_TYPES.join(', ')} (implies --owned)`,
    parse: once((value) => {
      const types = value.split(',');
      if (!types.every((type) => isOneOf(OWNABLE_TYPES, type))) {
        throw new OptionValueError(`Each type must be one of ${OWNABLE_TYPES.join(', ')}.`);
      }
      return types;
    }),
    read: (stored: unknown) => (Array.isArray(stored) && stored.every((type) => isOneOf(OWNABLE_TYPES, type)) ? stored : undefined),
    fallback: undefined,
    completion: { kind: 'list', words: OWNABLE_TYPES },
  } satisfies OptionSpec<OwnableType[] | undefined>,
  ffi: choice('--ffi <backend>', 'the foreign-function library for the namespace ioctls: koffi (the default) or ffi-napi', BACKENDS, 'koffi'),
  quiet: flag('-q, --quiet', 'do not warn about processes that could not be inspected'),
} as const;

export type OptionName = keyof typeof OPTIONS;
type ValueOf<Name extends OptionName> = (typeof OPTIONS)[Name] extends OptionSpec<infer T> ? T : never;

/** The command line, as cli.ts hands it to overview(): every option, given or defaulted. */
export type Options = { readonly [Name in OptionName]: ValueOf<Name> };

// The table seen through a mapped type, so that a spec looked up by a generic name keeps its
// own value type (a union of all the specs would lose it).
const TABLE: { readonly [Name in OptionName]: OptionSpec<ValueOf<Name>> } = OPTIONS;

/** Calls visit with each option of the table, in order, each with its own value type. */
export function eachOption(visit: <T>(spec: OptionSpec<T>, name: OptionName) => void): void {
  const visitOne = <Name extends OptionName>(name: Name): void => visit(TABLE[name], name);
  for (const name of Object.keys(TABLE) as OptionName[]) visitOne(name);
}

/** The options commander parsed (or nothing, for a bare run), checked against the table. */
export function optionsFrom(parsed: Readonly<Record<string, unknown>>): Options {
  const value = <Name extends OptionName>(name: Name): ValueOf<Name> => {
    const spec = TABLE[name];
    const stored = parsed[name];
    if (stored === undefined) return spec.fallback;
    const read = spec.read(stored);
    // Only our own parsers store values, so this is a bug of ours, not the user's.
    if (read === undefined) throw new Error(`option ${name}: the parser stored ${JSON.stringify(stored)}`);
    return read;
  };
  return {
    format: value('format'),
    json: value('json'),
    pid: value('pid'),
    container: value('container'),
    width: value('width'),
    color: value('color'),
    ascii: value('ascii'),
    processesOnly: value('processesOnly'),
    owned: value('owned'),
    type: value('type'),
    ffi: value('ffi'),
    quiet: value('quiet'),
  };
}

/** The options that commander itself provides, for the man page and the completion. */
export const BUILT_IN_OPTIONS = [
  { flags: '-V, --version', help: 'show the version' },
  { flags: '-h, --help', help: 'show this help' },
] as const;

export const ENVIRONMENT = [
  { name: 'NO_COLOR', effect: 'set and not empty: no colour with --color auto' },
  { name: 'FORCE_COLOR', effect: "with --color auto: '', 1, 2, 3 or true colour even a pipe; any other value, none (as Node reads it)" },
  { name: 'TERM', effect: 'dumb: no colour with --color auto' },
  { name: 'LC_ALL, LC_CTYPE, LANG', effect: 'the first one set names the character set: not UTF-8 (or none set), and --format tree draws with ASCII, as --ascii' },
  { name: 'COLUMNS', effect: 'the width of --format tree when --width is not given, and of --help; else the terminal\'s, else 80' },
] as const;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const EXIT_STATUSES = [
  {
    status: EXIT_OK,
    meaning: 'the tree was printed (also when some processes were left out, or the reader of standard output closed it early)',
  },
  {
    status: EXIT_FAILURE,
    meaning:
      'the tree could not be printed (no procfs, no namespace ioctls, a backend that is not installed, ' +
      'too many open files, a failed write, a --pid or --container that is not there)',
  },
  { status: EXIT_USAGE, meaning: 'the command line was wrong' },
] as const;
