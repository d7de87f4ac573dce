// The warnings printed on standard error after the output: a view of the scan report, like the
// others, so that nothing reads the kernel once the output is written.
import type { LeftOutProcess, ScanReport, Viewer } from '../model.js';
import { inert } from './inert.js';

const PIDS_NAMED = 5;

/** Each warning as one line, without the tool's name. */
export function warnings(report: ScanReport): string[] {
  const lines: string[] = [];
  const leftOut = leftOutWarning(report.leftOut, report.viewer);
  if (leftOut !== null) lines.push(leftOut);
  if (report.viewer.hidesOtherUsers) {
    lines.push('/proc is mounted with hidepid=invisible: processes of other users are hidden; run as root to see them');
  }
  lines.push(...report.cut.map(inert));
  return lines;
}

/**
 * One line about the processes left out because they could not be inspected, or null. Those
 * that exited during the scan are not mentioned: their absence is the truth.
 */
export function leftOutWarning(leftOut: readonly LeftOutProcess[], viewer: Pick<Viewer, 'root' | 'insideUserNamespace'>): string | null {
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
