// What standard output is connected to, for the views and --help that adapt to a terminal.
// node:tty is loaded only when asked: a bare run does not need it.

export const isTerminal = (): boolean => (require('node:tty') as typeof import('node:tty')).isatty(1);

const positiveInteger = (text: string | undefined): number | undefined =>
  text !== undefined && /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : undefined;

/** COLUMNS, else the terminal's width, else 80. */
export function outputColumns(): number {
  const columns = positiveInteger(process.env['COLUMNS']);
  if (columns !== undefined) return columns;
  return isTerminal() && process.stdout.columns > 0 ? process.stdout.columns : 80;
}

/**
 * Colour under --color auto. FORCE_COLOR decides where it is set, as Node's own hasColors()
 * reads it ('', 1, 2, 3 or true: colour; anything else: none); else NO_COLOR set and not empty
 * means none; else colour on a terminal that is not TERM=dumb.
 */
export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  return env['TERM'] !== 'dumb' && isTerminal();
}

/**
 * Whether the locale's character set is UTF-8, as the first of LC_ALL, LC_CTYPE and LANG that
 * is set names it; none set is the POSIX locale, which is ASCII (lsns draws ASCII there too).
 */
export function utf8Locale(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find((value) => value !== undefined && value !== '') ?? 'C';
  return /\.utf-?8(@|$)/i.test(locale);
}
