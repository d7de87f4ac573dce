// The command line as a user meets it: options, usage errors, --help and --version. No root needed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tool } from '../support/tool.js';
import { parseCommandLine } from '../../src/cli.js';
import { LAUNCHER, PROJECT } from '../support/fixture.js';

const HELP_HINT = " (see 'userns-overview --help')\n";


// Needs neither root nor a fixture: the tool stops at its options, before any scan.
describe('the command line', () => {
  for (const [args, message] of [
    [['--bogus'], "unknown option '--bogus'"],
    [['--formt'], "unknown option '--formt' (did you mean --format?)"],
    [['--ffi', 'xml'], "option '--ffi <backend>' argument 'xml' is invalid. Allowed choices are koffi, ffi-napi."],
    [['--ffi', ''], "option '--ffi <backend>' argument '' is invalid. Allowed choices are koffi, ffi-napi."],
    [['--ffi'], "option '--ffi <backend>' argument missing"],
    [['extra'], 'too many arguments. Expected 0 arguments but got 1.'],
    [['--format', 'xml'], "option '--format <format>' argument 'xml' is invalid. Allowed choices are compat, tree, json, dot."],
    [['--format='], "option '--format <format>' argument '' is invalid. Allowed choices are compat, tree, json, dot."],
    [['--width', '0'], "option '--width <N>' argument '0' is invalid. It must be a width, a whole number from 1 to 10000."],
    [['--width='], "option '--width <N>' argument '' is invalid. It must be a width, a whole number from 1 to 10000."],
    [['--width', '99999999999999999999'], "option '--width <N>' argument '99999999999999999999' is invalid. It must be a width, a whole number from 1 to 10000."],
    [['--width', '-3'], "option '--width <N>' argument '-3' is invalid. It must be a width, a whole number from 1 to 10000."],
    [['--width', '1e3'], "option '--width <N>' argument '1e3' is invalid. It must be a width, a whole number from 1 to 10000."],
    [['--pid', 'abc'], "option '--pid <PID...>' argument 'abc' is invalid. It must be a PID, a whole number from 1 to 4194304."],
    [['--pid', '0'], "option '--pid <PID...>' argument '0' is invalid. It must be a PID, a whole number from 1 to 4194304."],
    [['--pid='], "option '--pid <PID...>' argument '' is invalid. It must be a PID, a whole number from 1 to 4194304."],
    [['--pid', '99999999'], "option '--pid <PID...>' argument '99999999' is invalid. It must be a PID, a whole number from 1 to 4194304."],
    [['--pid', '1', '--pid', 'x'], "option '--pid <PID...>' argument 'x' is invalid. It must be a PID, a whole number from 1 to 4194304."],
    [['--color', 'sometimes'], "option '--color <when>' argument 'sometimes' is invalid. Allowed choices are auto, always, never."],
    [['--format', 'tree', '--format', 'json'], "option '--format <format>' argument 'json' is invalid. The option was given more than once."],
    [['--ffi', 'koffi', '--ffi', 'koffi'], "option '--ffi <backend>' argument 'koffi' is invalid. The option was given more than once."],
    [['--json', '--format', 'tree'], "option '--json' cannot be used with option '--format <format>'"],
    [['--format', 'svg'], "option '--format <format>' argument 'svg' is invalid. Allowed choices are compat, tree, json, dot."],
    [['--type', 'xyz'], "option '--type <types>' argument 'xyz' is invalid. Each type must be one of cgroup, ipc, mnt, net, pid, time, uts."],
    [['--type', 'user'], "option '--type <types>' argument 'user' is invalid. Each type must be one of cgroup, ipc, mnt, net, pid, time, uts."],
    [['--type='], "option '--type <types>' argument '' is invalid. Each type must be one of cgroup, ipc, mnt, net, pid, time, uts."],
    [['--type', 'net,'], "option '--type <types>' argument 'net,' is invalid. Each type must be one of cgroup, ipc, mnt, net, pid, time, uts."],
  ] as const) {
    it(`rejects ${JSON.stringify(args)} with one line and exit status 2`, () => {
      const run = tool([...args]);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `userns-overview: ${message}${HELP_HINT}`);
    });
  }

  it('documents the options and exit statuses in --help, with status 0', () => {
    const run = tool(['--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /--ffi <backend>/);
    assert.match(run.stdout, /--quiet/);
    assert.match(run.stdout, /Exit status:\n {2}0 {2}the tree was printed/);
    assert.match(run.stdout, /\n {2}2 {2}the command line was wrong\n$/);
  });

  it('folds --help to the terminal, else to COLUMNS, else to 80, without commander\'s defaults and choices', () => {
    const widest = (text: string): number => Math.max(...text.replace(/\r/g, '').split('\n').map((line) => line.length));
    const inTerminal = spawnSync('script', ['-qec', `stty cols 120 rows 40; exec node '${LAUNCHER}' --help`, '/dev/null'], { encoding: 'utf8' });
    if (inTerminal.error === undefined) {
      assert.ok(widest(inTerminal.stdout) <= 120 && widest(inTerminal.stdout) > 80, `terminal: ${widest(inTerminal.stdout)}`);
    }
    const at = (columns: string | undefined): string =>
      spawnSync('node', [LAUNCHER, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: columns } }).stdout;
    assert.ok(widest(at('100')) <= 100 && widest(at('100')) > 80, `COLUMNS=100: ${widest(at('100'))}`);
    assert.ok(widest(at(undefined)) <= 80, 'no COLUMNS');
    assert.ok(widest(at('junk')) <= 80, 'COLUMNS=junk');
    assert.doesNotMatch(at(undefined), /\(default: false\)|\(choices:/);
  });

  it('does not load commander for a bare run', () => {
    const probe = `require(${JSON.stringify(path.join(PROJECT, 'dist', 'src', 'cli.js'))}).main(['node', 'userns-overview']);
      process.stderr.write(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('commander'))))`;
    const run = spawnSync('node', ['-e', probe], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    assert.match(run.stderr, /\[\]$/);
  });

  it('prints the version from package.json', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.deepEqual([tool(['--version']).stdout, tool(['-V']).status], [`${version}\n`, 0]);
  });
});

describe('the parsed options', () => {
  it('puts every option under its name in the table, and defaults the rest', () => {
    const args = ['--format', 'tree', '--pid', '1', '2', '--pid', '3', '--container', 'web', '3f2a', '--width', '70', '--color', 'never', '--ascii', '--processes-only'];
    assert.deepEqual(parseCommandLine(['node', 'userns-overview', ...args, '--owned', '--type', 'net,mnt', '--ffi', 'ffi-napi', '-q']), {
      format: 'tree',
      json: false,
      pid: [1, 2, 3],
      container: ['web', '3f2a'],
      width: 70,
      color: 'never',
      ascii: true,
      processesOnly: true,
      owned: true,
      type: ['net', 'mnt'],
      ffi: 'ffi-napi',
      quiet: true,
    });
    const defaults = { format: 'compat', json: false, pid: undefined, container: undefined, width: undefined, color: 'auto', ascii: false };
    const rest = { processesOnly: false, owned: false, type: undefined, ffi: 'koffi', quiet: false };
    assert.deepEqual(parseCommandLine(['node', 'userns-overview']), { ...defaults, ...rest });
    assert.deepEqual(parseCommandLine(['node', 'userns-overview', '--json']), { ...defaults, ...rest, json: true });
  });
});

/** Runs the tool with standard output a pipe whose reader is gone before it starts. */
async function intoClosedPipe(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn('node', [LAUNCHER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stderr };
}

describe('how --help and --version end', () => {
  for (const args of [['--help'], ['--version']]) {
    it(`ends quietly with status 0 when the reader of ${args[0]} has closed the pipe, 100 times out of 100`, async () => {
      const runs: { status: number | null; stderr: string }[] = [];
      // Ten at a time: each run is a Node start-up.
      for (let batch = 0; batch < 10; batch++) runs.push(...(await Promise.all(Array.from({ length: 10 }, () => intoClosedPipe(args)))));
      assert.deepEqual(
        runs.filter((run) => run.status !== 0 || run.stderr !== ''),
        [],
      );
    });
  }

  it(`ends with status 0 under \`--help | head -1\``, () => {
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', `node '${LAUNCHER}' --help | head -1; echo "\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
    });
    assert.deepEqual([run.stdout, run.stderr], ['Usage: userns-overview [options]\n', '0\n']);
  });

  it('says so in one line, with status 1, when --help cannot be written', () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const run = tool(['--help'], { stdout: full });
      assert.deepEqual([run.status, run.stderr], [1, 'userns-overview: cannot write to standard output (ENOSPC)\n']);
    } finally {
      fs.closeSync(full);
    }
  });
});
