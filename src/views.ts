// The output formats, described once: the table drives --format's choices, its help, what the
// scan gathers, and the rendering.
import type { UserNames } from './accounts';
import type { NamespaceTree } from './model';
import { renderCompat } from './render/compat';
import type { TreeStyle } from './render/tree';

// The other views are loaded when chosen: every module loaded costs the default run start-up.
const load = {
  tree: () => require('./render/tree') as typeof import('./render/tree'),
  json: () => require('./render/json') as typeof import('./render/json'),
  dot: () => require('./render/dot') as typeof import('./render/dot'),
  accounts: () => require('./accounts') as typeof import('./accounts'),
};

export interface ViewContext {
  readonly names: () => UserNames;
  /** Asked for only by the tree view: finding the terminal's width loads node:tty. */
  readonly style: () => TreeStyle;
}

interface View {
  readonly help: string;
  /**
   * Whether the scan must gather owners, ID maps and process names, and find the namespaces
   * that only descriptors and bind mounts hold. compat shows exactly what the original shows.
   */
  readonly details: boolean;
  render(tree: NamespaceTree, context: ViewContext): string;
}

export const VIEWS = {
  compat: {
    help: "the original userns_overview's text, byte for byte (the default)",
    details: false,
    render: (tree) => renderCompat(tree),
  },
  tree: {
    help: 'a drawn tree with owners, UID maps and process names, for people',
    details: true,
    render: (tree, context) => load.tree().renderTree(tree, context.names(), context.style()),
  },
  json: {
    help: 'one JSON document, for scripts and jq',
    details: true,
    render: (tree, context) => load.json().renderJson(tree, context.names()),
  },
  dot: {
    help: 'a Graphviz graph, for `dot -Tsvg`',
    details: true,
    render: (tree, context) => load.dot().renderDot(tree, context.names()),
  },
} as const satisfies Record<string, View>;

export type ViewName = keyof typeof VIEWS;
export const VIEW_NAMES = Object.keys(VIEWS) as ViewName[];

export const userNamesOnce = (): (() => UserNames) => {
  let names: UserNames | undefined;
  return () => (names ??= load.accounts().readUserNames());
};
