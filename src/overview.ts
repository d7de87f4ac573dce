// One run of the tool, once the command line is understood: scan, filter, render, write, warn.
import { ToolFailure } from './failure';
import { loadIoctls } from './kernel/ioctl-ns';
import { checkProcfs, hidesOtherUsers, insideUserNamespace } from './kernel/procfs';
import { NAMESPACE_TYPES, type NamespaceTree } from './model';
import type { Options } from './options';
import { complain, writeOutput } from './output';
import { leftOutWarning } from './report';
import { scanUserNamespaces } from './scan';
import { userNamesOnce, VIEWS, type ViewName } from './views';

export const COLOR_WHEN = ['auto', 'always', 'never'] as const;
export const OWNABLE_TYPES = NAMESPACE_TYPES.filter((type) => type !== 'user');

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

/** Scans, renders the chosen view, writes it, and warns about what it could not see. */
export function overview(options: Options): void {
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
}

