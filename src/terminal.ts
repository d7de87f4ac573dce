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
