// The warning printed after the tree about processes that are not in it.
import type { LeftOutProcess } from './model';

const PIDS_NAMED = 5;

/**
 * One line about the processes left out because they could not be inspected, or null. Those
 * that exited during the scan are not mentioned: their absence is the truth.
 */
export interface Viewer {
  readonly root: boolean;
  /** The tool itself runs inside a user namespace: what lies outside is not its to inspect. */
  readonly insideUserNamespace: boolean;
}

export function leftOutWarning(leftOut: readonly LeftOutProcess[], viewer: Viewer): string | null {
  const unreadable = leftOut.filter((p) => p.reason !== 'vanished');
  if (unreadable.length === 0) return null;
  const permission = unreadable.every((p) => p.reason === 'permission');
  const why = permission
    ? 'permission denied'
    : [...new Set(unreadable.map((p) => (p.reason === 'permission' ? 'permission denied' : p.code)))].join(', ');
  const named = unreadable.slice(0, PIDS_NAMED).map((p) => p.pid).join(', ');
  const more = unreadable.length > PIDS_NAMED ? ` and ${unreadable.length - PIDS_NAMED} more` : '';
  const count = unreadable.length === 1 ? '1 process' : `${unreadable.length} processes`;
  const hint = !permission
    ? ''
    : viewer.insideUserNamespace
      ? '; they are outside the user namespace this tool runs in'
      : viewer.root
        ? ''
        : '; run as root to see them';
  return `left out ${count} that could not be inspected (${why}): PID${unreadable.length > 1 ? 's' : ''} ${named}${more}${hint}`;
}
