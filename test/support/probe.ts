// Run inside a fixture to look at the scanner from within: `node probe.js MODE`.
import * as fs from 'node:fs';
import { ToolFailure } from '../../src/failure';
import { loadIoctls, type NamespaceIoctls } from '../../src/kernel/ioctl-ns';
import { allNamespaces } from '../../src/model';
import { readUserNames } from '../../src/accounts';
import { renderCompat } from '../../src/render/compat';
import { renderJson } from '../../src/render/json';
import { scanUserNamespaces } from '../../src/scan';

const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

function countDescriptors(): void {
  const before = openDescriptors();
  const namespaces: number[] = [];
  for (const backend of ['koffi', 'ffi-napi'] as const) {
    const ioctls = loadIoctls(backend);
    const start = openDescriptors();
    const tree = scanUserNamespaces(() => ioctls);
    namespaces.push(allNamespaces(tree).length);
    if (openDescriptors() !== start) throw new Error(`${backend}: ${openDescriptors() - start} descriptors left open`);
  }
  process.stdout.write(JSON.stringify({ before, after: openDescriptors(), namespaces }));
}

/** A backend whose NS_GET_PARENT always fails with this errno. */
function failingParent(errno: string): void {
  const real = loadIoctls('koffi');
  const failing: NamespaceIoctls = { ...real, parentOf: () => ({ ok: false, errno }) };
  const before = openDescriptors();
  try {
    scanUserNamespaces(() => failing);
    process.stdout.write('no failure');
  } catch (error) {
    process.stdout.write(error instanceof ToolFailure ? `${error.message}|${openDescriptors() - before}` : String(error));
  }
}

/** With every descriptor taken: the scan and a backend load each say so in one line. */
function exhausted(): void {
  const taken: number[] = [];
  try {
    for (;;) taken.push(fs.openSync('/dev/null', 'r'));
  } catch {
    // EMFILE: the table is full.
  }
  const outcome = (attempt: () => unknown): string => {
    try {
      attempt();
      return 'no failure';
    } catch (error) {
      return error instanceof ToolFailure ? error.message : `not a ToolFailure: ${String(error)}`;
    }
  };
  const load = outcome(() => loadIoctls('ffi-napi'));
  fs.closeSync(taken.pop()!);
  const koffi = loadIoctls('koffi');
  const scan = outcome(() => scanUserNamespaces(() => koffi));
  taken.forEach((fd) => fs.closeSync(fd));
  process.stdout.write(JSON.stringify({ load, scan }));
}

/** One scan, rendered both ways: what the JSON view agrees with compat on, from the same model. */
function bothViews(): void {
  const koffi = loadIoctls('koffi');
  const tree = scanUserNamespaces(() => koffi, { details: true });
  process.stdout.write(JSON.stringify({ compat: renderCompat(tree), json: renderJson(tree, readUserNames()) }));
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'fds') countDescriptors();
else if (mode === 'failing-parent') failingParent(arg ?? 'EIO');
else if (mode === 'exhausted') exhausted();
else if (mode === 'both-views') bothViews();
else throw new Error(`unknown probe mode ${mode}`);
