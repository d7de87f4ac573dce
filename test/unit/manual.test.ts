// The man page and the bash completion: rendered from the option table, committed, shipped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BASH_COMPLETION, MAN_PAGE, renderedFiles } from '../../src/manual.js';
import { BUILT_IN_OPTIONS, OPTIONS } from '../../src/options.js';
import { PROJECT } from '../support/fixture.js';

const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string; man: string; files: string[] };
const committed = (file: string): string => fs.readFileSync(path.join(PROJECT, file), 'utf8');
const flagNames = [...Object.values(OPTIONS), ...BUILT_IN_OPTIONS].flatMap(({ flags }) => flags.split(/[ ,]+/).filter((word) => word.startsWith('-')));

/** Whether a command is on the PATH. */
const installed = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

describe('the man page and the completion', () => {
  it('are committed as the option table renders them (npm run manual)', () => {
    for (const [file, text] of renderedFiles(packageJson.version)) assert.equal(committed(file), text, `${file} is out of date`);
  });

  it('name every option of the table', () => {
    const manPage = committed(MAN_PAGE);
    const completion = committed(BASH_COMPLETION);
    const offered = /compgen -W '([^']*)' -- "\$cur"\)\)\n\}/.exec(completion)?.[1]?.split(' ') ?? [];
    for (const name of flagNames) {
      assert.ok(manPage.includes(`\\fB${name.replace(/-/g, '\\-')}\\fR`), `${name} in the man page`);
      assert.ok(offered.includes(name), `${name} in the completion`);
    }
  });

  it('render without a warning from groff', { skip: installed('groff') ? false : 'groff is not installed' }, () => {
    const run = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', path.join(PROJECT, MAN_PAGE)], { encoding: 'utf8' });
    assert.deepEqual([run.status, run.stderr], [0, '']);
  });

  it('render without a warning from man -l', { skip: installed('man') ? false : 'man is not installed' }, () => {
    const run = spawnSync('man', ['-l', '--warnings', path.join(PROJECT, MAN_PAGE)], {
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' },
    });
    assert.deepEqual([run.status, run.stderr], [0, '']);
    assert.match(run.stdout, /SEE ALSO\n\s+lsns\(8\), namespaces\(7\), user_namespaces\(7\), ioctl_ns\(2\)/);
  });

  it('complete options, their values and the items of a comma-separated list in bash', () => {
    const complete = (...words: string[]): string => {
      const line = `source '${path.join(PROJECT, BASH_COMPLETION)}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _userns_overview; echo "\${COMPREPLY[*]}"`;
      const run = spawnSync('bash', ['--norc', '--noprofile', '-c', line], { encoding: 'utf8' });
      assert.equal(run.stderr, '');
      return run.stdout.trim();
    };
    assert.equal(complete('userns-overview', '--for'), '--format');
    assert.equal(complete('userns-overview', '--format', 't'), 'tree');
    assert.equal(complete('userns-overview', '--format', '=', 'j'), 'json');
    assert.equal(complete('userns-overview', '--ffi', ''), 'koffi ffi-napi');
    assert.equal(complete('userns-overview', '--type', 'net,m'), 'net,mnt');
    assert.equal(complete('userns-overview', '--width', ''), '');
    assert.match(complete('userns-overview', '--pid', '1'), /^1\b/);
  });

  it('ship in the package, the man page where npm installs it from', () => {
    assert.equal(path.normalize(packageJson.man), MAN_PAGE);
    for (const file of [MAN_PAGE, BASH_COMPLETION]) {
      assert.ok(packageJson.files.some((entry) => file.startsWith(entry)), `${file} in files`);
    }
  });
});
