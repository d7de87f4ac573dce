// The layout's rules, checked on the source: what only the kernel layer may do, and no cycles.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT } from '../support/fixture.js';

const SRC = path.join(PROJECT, 'src');

/** Every .ts file under src/, relative to it, with its text and its code without comments. */
function sources(): { file: string; code: string }[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(path.relative(SRC, full));
    }
  };
  walk(SRC);
  return files.map((file) => {
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    const code = text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .filter((line) => !line.trim().startsWith('//'))
      .join('\n');
    return { file, code };
  });
}

/**
 * The src/ files a file imports or requires, by relative path; a specifier that names no file
 * of src/ is kept as it is written, so that the cycle search cannot pass on an empty graph.
 */
function importsOf(file: string, code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?:from|require\(|import\()\s*'(\.[^']+)'/g)) {
    const target = path.normalize(path.join(path.dirname(file), match[1]!));
    if (target.endsWith('.json')) continue;
    found.push(fs.existsSync(path.join(SRC, target.replace(/\.js$/, '.ts'))) ? target.replace(/\.js$/, '.ts') : `unresolved ${match[1]}`);
  }
  return found;
}

describe('the layout of src/', () => {
  const all = sources();
  const outsideKernel = all.filter(({ file }) => !file.startsWith(`kernel${path.sep}`));

  it('has no import cycle, type imports included', () => {
    const graph = new Map(all.map(({ file, code }) => [file, importsOf(file, code)]));
    const unresolved = [...graph].flatMap(([file, targets]) => targets.filter((t) => t.startsWith('unresolved')).map((t) => `${file}: ${t}`));
    assert.deepEqual(unresolved, []);
    // The graph is the real one: src/ holds some two hundred imports of its own files.
    assert.ok([...graph.values()].flat().length > 100);
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('builds /proc paths, loads FFI libraries and compares errno names only in src/kernel/', () => {
    const offences = outsideKernel.flatMap(({ file, code }) => [
      ...(/['"`]\/proc\//.test(code) ? [`${file}: a /proc path`] : []),
      ...(/require\('(koffi|ffi-napi|ref-napi)'\)|from '(koffi|ffi-napi|ref-napi)'/.test(code) ? [`${file}: an FFI library`] : []),
      ...(/(['"])E[A-Z0-9]{3,}\1/.test(code) ? [`${file}: an errno name`] : []),
    ]);
    assert.deepEqual(offences, []);
  });

  // Both measured on a bare run's start-up (docs/internals.md#start-up).
  it("imports Node's modules whole by default import, and each of its own by its .js name", () => {
    const offences = all.flatMap(({ file, code }) => [
      // import * compiles to a helper that copies each of the module's properties (fs: 104).
      ...[...code.matchAll(/import \* as \w+ from ['"]([^.'"][^'"]*)['"]/g)].map((m) => `${file}: import * from ${m[1]}`),
      // Without its extension Node looks for the name as written before it adds .js.
      ...[...code.matchAll(/(?:from|require\(|import\()\s*['"](\.[^'"]+)['"]/g)]
        .filter((m) => !/\.(js|json)$/.test(m[1]!))
        .map((m) => `${file}: '${m[1]}' without .js`),
    ]);
    assert.deepEqual(offences, []);
  });

  it('gives each holder source a file of its own under src/discover/sources/', () => {
    const holders = fs.readFileSync(path.join(SRC, 'discover', 'holders.ts'), 'utf8');
    const listed = /const SOURCES[^=]*=\s*\[([^\]]*)\]/.exec(holders)![1]!.split(',').map((name) => name.trim());
    const files = fs.readdirSync(path.join(SRC, 'discover', 'sources')).map((name) => name.replace(/\.ts$/, ''));
    const camel = (file: string): string => file.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    assert.deepEqual([...listed].sort(), files.map(camel).sort());
  });
});
