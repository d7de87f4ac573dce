// The tree view as a person's terminal gets it: the locale's character set, TERM=dumb on a
// real pseudo-terminal, and names in wide characters folded within the width.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/render/columns.js';
import { nodeName, RECORD_NODE_NAME } from '../support/expected.js';
import { fixtureScript, inPidNamespace, LAUNCHER } from '../support/fixture.js';
import { NEEDS_ROOT, needsPrograms } from '../support/requirements.js';

const inLocale = (env: string, options = '--width 200'): string[] => ['sh', '-c', `${env} exec node '${LAUNCHER}' --format tree --quiet ${options}`];

describe('the tree on a terminal', { skip: NEEDS_ROOT }, () => {
  it('draws with ASCII where the locale is not UTF-8, as --ascii does', () => {
    const f = inPidNamespace({
      chains: [{ name: 'child', depth: 2 }],
      setup: RECORD_NODE_NAME,
      runs: [
        { label: 'C', command: inLocale('LANG=C') },
        { label: 'POSIX', command: inLocale('LANG=C.UTF-8 LC_ALL=POSIX') },
        { label: 'unset', command: ['env', '-u', 'LANG', 'node', LAUNCHER, '--format', 'tree', '--quiet', '--width', '200'] },
        { label: 'ascii', command: inLocale('LANG=C.UTF-8', '--width 200 --ascii') },
        { label: 'utf8', command: inLocale('LANG=C.UTF-8') },
      ],
    });
    const out = (label: string): string => f.runs.get(label)!.stdout;
    // Each run is its own process, so only the tool's own PID line differs between them.
    const withoutTool = (label: string): string => out(label).replace(new RegExp(`\\b${f.runs.get(label)!.pid} ${nodeName(f)}\\b`), 'TOOL');
    for (const label of ['C', 'POSIX', 'unset']) {
      assert.doesNotMatch(out(label), /[^\x00-\x7f]/, label);
      assert.equal(withoutTool(label), withoutTool('ascii'), label);
    }
    assert.match(out('utf8'), /└─ /);
  });

  it('folds process names in wide characters within the width', () => {
    const f = inPidNamespace({
      setup: fixtureScript('wide-names.sh'),
      runs: [{ label: 'narrow', command: inLocale('LANG=C.UTF-8', '--width 40') }],
    });
    const lines = f.runs.get('narrow')!.stdout.split('\n').filter((line) => line.includes('进程'));
    assert.ok(lines.length >= 3, 'several lines of wide names');
    for (const line of lines) assert.ok(displayWidth(line) <= 40, `${displayWidth(line)} columns: ${line}`);
  });

  it('writes no escape under TERM=dumb on a real pseudo-terminal, and colours under another TERM', { skip: needsPrograms('script') }, () => {
    const onTerminal = (term: string): string =>
      spawnSync('script', ['-qec', `node '${LAUNCHER}' --format tree --quiet`, '/dev/null'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: term },
      }).stdout;
    assert.doesNotMatch(onTerminal('dumb'), /\x1b/);
    assert.match(onTerminal('xterm'), /\x1b\[1m/);
  });
});
