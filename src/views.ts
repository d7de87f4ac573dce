// The output formats, described once: the table drives --format's choices, its help, what
// discovery gathers, and the rendering.
import { lazy } from './lazy.js';
import type { NamespaceTree, UserNames } from './model.js';
import { renderCompat } from './render/compat.js';
import type { TreeStyle } from './render/tree.js';

// The other views are loaded when chosen: every module loaded costs the default run start-up.
const tree = lazy(() => require('./render/tree.js') as typeof import('./render/tree.js'));
const json = lazy(() => require('./render/json.js') as typeof import('./render/json.js'));
const dot = lazy(() => require('./render/dot.js') as typeof import('./render/dot.js'));

export interface ViewContext {
  /** The owners' names, looked up by discovery: a view reads nothing. */
  readonly names: UserNames;
  /** Asked for only by the tree view: finding the terminal's width loads node:tty. */
  readonly style: () => TreeStyle;
}

interface View {
  readonly help: string;
  /**
   * Whether discovery must gather owners, ID maps and process names, and find the namespaces
   * that only descriptors and bind mounts hold. compat shows exactly what the original shows.
   */
  readonly details: boolean;
  /** The output, in pieces written as they come. */
  render(tree: NamespaceTree, context: ViewContext): Iterable<string>;
}

export const VIEWS = {
  compat: {
    help: "the original userns_overview's text, byte for byte (the default)",
    details: false,
    // One string, one write(2): the original's output is small, and this is the fast path.
    render: (model) => [renderCompat(model)],
  },
  tree: {
    help: 'a drawn tree with owners, UID maps and process names, for people',
    details: true,
    render: (model, context) => tree().treeChunks(model, context.names, context.style()),
  },
  json: {
    help: 'one JSON document, for scripts and jq',
    details: true,
    render: (model, context) => json().jsonChunks(model, context.names),
  },
  dot: {
    help: 'a Graphviz graph, for `dot -Tsvg`',
    details: true,
    render: (model, context) => dot().dotChunks(model, context.names),
  },
} as const satisfies Record<string, View>;

export type ViewName = keyof typeof VIEWS;
export const VIEW_NAMES = Object.keys(VIEWS) as ViewName[];
