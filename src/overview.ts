// One run of the tool, once the command line is understood: discover, filter, render, write, warn.
import { discover } from './discover/discover.js';
import { ToolFailure } from './failure.js';
import { systemKernel } from './kernel/kernel.js';
import { checkProcfs } from './kernel/procfs.js';
import { lazy } from './lazy.js';
import { OWNABLE_TYPES, type NamespaceTree } from './model.js';
import type { Options } from './options.js';
import { complain, ReaderGone, writeChunks } from './output.js';
import { VIEWS, type ViewName } from './views.js';

const filter = lazy(() => require('./filter.js') as typeof import('./filter.js'));
const inert = (text: string): string => (require('./render/inert.js') as typeof import('./render/inert.js')).inert(text);
// A scan with nothing to warn about (the common case) does not load the warnings.
const warnings = lazy(() => require('./render/warnings.js') as typeof import('./render/warnings.js'));
// Only the tree view asks what the terminal is.
const terminal = lazy(() => require('./terminal.js') as typeof import('./terminal.js'));

function useColor(options: Options): boolean {
  const when = options.color ?? 'auto';
  return when === 'auto' ? terminal().colourWanted() : when === 'always';
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

/** Discovers, renders the chosen view, writes it, and warns about what it could not see. */
export function overview(options: Options): void {
  const format: ViewName = options.json === true ? 'json' : (options.format ?? 'compat');
  const view = VIEWS[format];
  checkProcfs();
  const owned = options.owned || options.type !== undefined ? new Set(options.type ?? OWNABLE_TYPES) : undefined;
  const kernel = systemKernel(options.ffi ?? 'koffi');
  let tree = discover(kernel, {
    details: view.details,
    holders: view.details && !options.processesOnly,
    containers: view.details || options.container !== undefined,
    ...(owned !== undefined ? { owned } : {}),
  });
  if (options.pid !== undefined) {
    const filtered = filter().namespacesHolding(tree, options.pid);
    if (filtered.missing.length > 0) throw new ToolFailure(missingPids(filtered.missing, tree));
    tree = filtered.tree;
  }
  if (options.container !== undefined) {
    const filtered = filter().namespacesOfContainers(tree, options.container);
    if (filtered.missing.length > 0) throw new ToolFailure(`no container named or with an ID starting ${filtered.missing.map((w) => `'${inert(w)}'`).join(', ')}`);
    tree = filtered.tree;
  }
  const style = () => ({ width: options.width ?? terminal().outputColumns(), color: useColor(options), ascii: options.ascii || !terminal().utf8Locale() });
  try {
    writeChunks(view.render(tree, { names: tree.userNames ?? new Map<number, string>(), style }));
  } catch (error) {
    // The reader has all it wanted: not an error, and the warnings still go to standard error.
    if (!(error instanceof ReaderGone)) throw error;
  }
  const { leftOut, cut, viewer } = tree.report;
  if (options.quiet || (leftOut.length === 0 && cut.length === 0 && !viewer.hidesOtherUsers)) return;
  for (const line of warnings().warnings(tree.report)) complain(line);
}
