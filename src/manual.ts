// The man page and the bash completion, rendered from the option table as the views render the
// model: one description of the command line, so --help, userns-overview.8 and the completion
// cannot drift. It lives in src/ (not a scripts/ folder) because tsconfig compiles src/ and the
// tests import it to check that the committed files are what it renders; the tool never loads it.
// `npm run manual` writes the files; test/manual.test.ts fails when they are out of date.
import fs from 'node:fs';
import path from 'node:path';
import { BUILT_IN_OPTIONS, DESCRIPTION, ENVIRONMENT, EXIT_STATUSES, OPTIONS, type Completion } from './options.js';

export const MAN_PAGE = 'man/userns-overview.8';
export const BASH_COMPLETION = 'completion/userns-overview.bash';

const COMMAND = 'userns-overview';

interface Entry {
  readonly flags: string;
  readonly help: string;
  readonly completion: Completion;
}

const ENTRIES: readonly Entry[] = [
  ...Object.values(OPTIONS),
  ...BUILT_IN_OPTIONS.map((option) => ({ ...option, completion: { kind: 'none' } as const })),
];

/** Each flag of an entry: '-q, --quiet' is '-q' and '--quiet'. */
const namesOf = (flags: string): string[] => flags.split(/[ ,]+/).filter((word) => word.startsWith('-'));

/** The value an entry takes, as commander writes it: '<PID...>', or none. */
const valueOf = (flags: string): string | undefined => /<([^>]+)>/.exec(flags)?.[1];

// roff: a backslash is the escape character; the dashes of an option must be \- so that they
// render, and can be searched for, as ASCII hyphen-minus; a line must not start with a dot or
// a quote, which would make it a request.
// Every hyphen of an option, and of a value a user types (ffi-napi), is \- for the same reason.
const typedWords = new Set(ENTRIES.flatMap(({ completion }) => ('words' in completion ? completion.words : [])));
const roffText = (text: string): string =>
  text
    .replace(/\\/g, '\\e')
    .replace(/(?<![\w-])(--?\w[\w-]*|[\w-]+)/g, (word) => (word.startsWith('-') || typedWords.has(word) ? word.replace(/-/g, '\\-') : word))
    .replace(/^(?=[.'])/, '\\&');

const roffFlags = (flags: string): string => {
  const value = valueOf(flags);
  const names = namesOf(flags).map((name) => `\\fB${roffText(name)}\\fR`).join(', ');
  return value === undefined ? names : `${names} \\fI${value.replace(/\.\.\.$/, '')}\\fR${value.endsWith('...') ? '...' : ''}`;
};

export function manPage(version: string): string {
  const longest = (flags: string): string => {
    const names = namesOf(flags);
    return names[names.length - 1]!;
  };
  const synopsis = ENTRIES.map(({ flags }) => {
    const value = valueOf(flags);
    return `[\\fB${roffText(longest(flags))}\\fR${value === undefined ? '' : ` \\fI${value.replace(/\.\.\.$/, '')}\\fR${value.endsWith('...') ? '...' : ''}`}]`;
  });
  return [
    `.\\" Generated from src/options.ts by src/manual.ts (npm run manual): do not edit.`,
    `.TH USERNS-OVERVIEW 8 "" "${COMMAND} ${version}" "System Administration"`,
    '.SH NAME',
    `${COMMAND} \\- show the user namespaces of a Linux machine as a tree`,
    '.SH SYNOPSIS',
    `.B ${COMMAND}`,
    ...synopsis,
    '.SH DESCRIPTION',
    ...DESCRIPTION.map(roffText),
    '.SH OPTIONS',
    ...ENTRIES.flatMap(({ flags, help }) => ['.TP', roffFlags(flags), `${roffText(help)}.`]),
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.flatMap(({ name, effect }) => ['.TP', `.B ${name}`, `${roffText(effect)}.`]),
    '.SH EXIT STATUS',
    ...EXIT_STATUSES.flatMap(({ status, meaning }) => ['.TP', `.B ${status}`, `${roffText(meaning)}.`]),
    '.SH SEE ALSO',
    '.BR lsns (8),',
    '.BR namespaces (7),',
    '.BR user_namespaces (7),',
    '.BR ioctl_ns (2)',
    '',
  ].join('\n');
}

const shellWords = (words: readonly string[]): string => `'${words.join(' ')}'`;

/** The lines of the case that completes an option's value; none for a flag. */
function valueCompletion(flags: string, completion: Completion): string[] {
  const pattern = namesOf(flags).join('|');
  switch (completion.kind) {
    case 'none':
      // A value no list can offer (--width): offer nothing rather than the options.
      return valueOf(flags) === undefined ? [] : [`    ${pattern}) return ;;`];
    case 'words':
      return [`    ${pattern}) COMPREPLY=($(compgen -W ${shellWords(completion.words)} -- "$cur")); return ;;`];
    case 'list':
      // A comma-separated list: complete the last item, keep those before it.
      return [
        `    ${pattern})`,
        '      compopt -o nospace 2>/dev/null',
        `      COMPREPLY=($(compgen -P "\${cur%"\${cur##*,}"}" -W ${shellWords(completion.words)} -- "\${cur##*,}")); return ;;`,
      ];
    case 'pid':
      return [`    ${pattern}) COMPREPLY=($(compgen -W "$(cd /proc && printf '%s ' [0-9]*)" -- "$cur")); return ;;`];
  }
}

export function bashCompletion(): string {
  return [
    `# bash completion for ${COMMAND}. Generated from src/options.ts by src/manual.ts (npm run manual): do not edit.`,
    '_userns_overview() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    "  # --option=value: bash splits the word at '=' (COMP_WORDBREAKS).",
    '  if [[ $cur == = ]]; then',
    '    cur=',
    '  elif [[ $prev == = ]]; then',
    '    prev=${COMP_WORDS[COMP_CWORD-2]}',
    '  fi',
    '  case $prev in',
    ...ENTRIES.flatMap(({ flags, completion }) => valueCompletion(flags, completion)),
    '  esac',
    `  COMPREPLY=($(compgen -W ${shellWords(ENTRIES.flatMap(({ flags }) => namesOf(flags)))} -- "$cur"))`,
    '}',
    `complete -F _userns_overview ${COMMAND}`,
    '',
  ].join('\n');
}

/** The files as the option table renders them, by their path in the project. */
export function renderedFiles(version: string): ReadonlyMap<string, string> {
  return new Map([
    [MAN_PAGE, manPage(version)],
    [BASH_COMPLETION, bashCompletion()],
  ]);
}

if (require.main === module) {
  const project = path.join(__dirname, '..', '..');
  const version = (JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { version: string }).version;
  for (const [file, text] of renderedFiles(version)) {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  }
}
