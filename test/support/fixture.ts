// Real namespace trees for the tests, built inside a private PID namespace with its own /proc
// (unshare --pid --fork --mount-proc), so that the set of processes is known. The fixture's
// first process runs the script; when it exits the kernel ends every process in the namespace,
// and --kill-child makes sure it exits even if the test gives up on it. The shell parts are in
// test/fixtures; this file puts them together for each spec.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NamespaceId } from '../../src/model.js';

export const PROJECT = path.resolve(__dirname, '../../..');
export const LAUNCHER = path.join(PROJECT, 'bin', 'userns-overview.js');

/** A process `depth` user namespaces below the root, each level created by `unshare -U -r`. */
export interface Chain {
  readonly name: string;
  readonly depth: number;
  /** Processes in the deepest namespace (default 1). */
  readonly members?: number;
  /** Start the chain as this unprivileged user instead of root. */
  readonly asUser?: number;
  /**
   * The uid_map and gid_map that root writes for the top level, lines separated by commas
   * ("0 0 1,1 100000 65536"). It must map the creator's UID 0 to 0, or the level loses root.
   */
  readonly map?: string;
}

export interface ToolRun {
  readonly label: string;
  readonly args?: readonly string[];
  /** Run this command instead of the tool (a probe script, another copy of the tool). */
  readonly command?: readonly string[];
  /** Run the tool as this unprivileged UID (and the same GID). */
  readonly asUser?: number;
}

/** A tree of user namespaces below the root, `fanout` children each, `depth` levels deep. */
export interface Forest {
  readonly fanout: number;
  readonly depth: number;
  /** Processes in each namespace of the forest. */
  readonly members: number;
}

export interface FixtureSpec {
  readonly chains?: readonly Chain[];
  readonly forest?: Forest;
  /** Extra sleeping processes in the root namespace. */
  readonly rootMembers?: number;
  /** Remount the fixture's /proc with hidepid=invisible before the runs. */
  readonly hidepid?: boolean;
  /** Keep creating and ending processes and nested user namespaces while the tool runs. */
  readonly churn?: boolean;
  /**
   * Shell commands run once the chains are ready and before the tool. They may use $DIR, and
   * `fact NAME VALUE` to report what they made (FixtureFacts.extra), and `untilNamespaceOf PID`
   * to wait until PID has left the root user namespace (test/fixtures/prelude.sh). A setup
   * that is more than a line lives in test/fixtures too (see fixtureScript).
   */
  readonly setup?: string;
  /** How long the whole fixture may take (default 120 s). */
  readonly timeoutMs?: number;
  readonly runs: readonly ToolRun[];
}

export interface RunResult {
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
  /** Wall-clock time of the run, as the fixture's shell measured it (with its own fork). */
  readonly seconds: number;
}

/** What the fixture recorded about itself, independently of the tool. */
export interface FixtureFacts {
  readonly root: NamespaceId;
  readonly rootPids: readonly number[];
  /** For each chain: its namespaces from the top level down, and the PIDs in the deepest. */
  readonly chains: ReadonlyMap<string, { readonly path: NamespaceId[]; readonly pids: number[]; readonly asUser?: number }>;
  readonly runs: ReadonlyMap<string, RunResult>;
  /** What the setup reported with `fact NAME VALUE`. */
  readonly extra: ReadonlyMap<string, string>;
}

/** The text of a shell script in test/fixtures, read from the sources: tsc does not copy it to dist. */
export function fixtureScript(name: string): string {
  return fs.readFileSync(path.join(PROJECT, 'test', 'fixtures', name), 'utf8');
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
const asUser = (uid: number | undefined): string =>
  uid === undefined ? '' : `setpriv --reuid=${uid} --regid=${uid} --clear-groups `;

function script(spec: FixtureSpec): string {
  const lines = [fixtureScript('prelude.sh')];
  if (spec.churn === true) lines.push(fixtureScript('churn.sh'));
  for (let i = 0; i < (spec.rootMembers ?? 0); i++) {
    lines.push(`sleep infinity &`, `echo "pid root $!" >> "$DIR/records"`);
  }
  const chains = spec.chains ?? [];
  for (const chain of chains) {
    if (chain.depth < 1) throw new Error('a chain is at least one level deep');
    const name = quote(chain.name);
    const members = chain.members ?? 1;
    lines.push(
      chain.map !== undefined
        ? `mappedChain ${name} ${chain.depth} ${members} ${quote(chain.map)}`
        : `${asUser(chain.asUser)}unshare -U -r sh "$DIR/level.sh" ${name} ${chain.depth - 1} ${members} &`,
    );
  }
  let ready = chains.length;
  if (spec.forest !== undefined) {
    const { fanout, depth, members } = spec.forest;
    for (let i = 0; i < fanout; i++) lines.push(`unshare -U -r sh "$DIR/forest.sh" ${depth} ${fanout} ${members} &`);
    for (let level = 1; level <= depth; level++) ready += fanout ** level;
  }
  lines.push(`awaitReady ${ready}`);
  if (spec.setup !== undefined) lines.push(spec.setup);
  if (spec.hidepid === true) lines.push('mount -o remount,hidepid=invisible /proc');
  for (const run of spec.runs) {
    const argv = [...(run.command ?? ['node', LAUNCHER]), ...(run.args ?? [])].map(quote).join(' ');
    lines.push(`runTool ${quote(run.label)} ${asUser(run.asUser)}${argv}`);
  }
  return lines.join('\n') + '\n';
}

/** Builds the fixture, runs the tool in it, ends it, and reports what happened. */
export function inPidNamespace(spec: FixtureSpec): FixtureFacts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-fixture-'));
  try {
    // Unprivileged chains and runs write to the records too.
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(path.join(dir, 'records'), '', { mode: 0o666 });
    fs.chmodSync(path.join(dir, 'records'), 0o666);
    // Copied, not run from the project: chains started as another user may not read it there.
    fs.writeFileSync(path.join(dir, 'level.sh'), fixtureScript('level.sh'), { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'forest.sh'), fixtureScript('forest.sh'), { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'fixture.sh'), script(spec));
    const result = spawnSync(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', path.join(dir, 'fixture.sh')],
      // A UTF-8 locale, as a person's terminal has: the tree view draws ASCII in the POSIX one.
      // SIGKILL at the timeout: unshare --fork blocks SIGTERM and SIGINT while it waits, and a
      // fixture that outlives its time must end (and, with it, every process in its namespace).
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DIR: dir, LANG: 'C.UTF-8' }, encoding: 'utf8', timeout: spec.timeoutMs ?? 120_000, killSignal: 'SIGKILL' },
    );
    if (result.status !== 0) {
      throw new Error(`fixture failed (status ${result.status}, ${result.signal ?? 'no signal'}): ${result.stderr}`);
    }
    return readFacts(dir, spec);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readFacts(dir: string, spec: FixtureSpec): FixtureFacts {
  let root: NamespaceId | undefined;
  const rootPids: number[] = [];
  const levels = new Map<string, { remaining: number; id: NamespaceId }[]>();
  const pids = new Map<string, number[]>();
  const toolPids = new Map<string, number>();
  const extra = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(dir, 'records'), 'utf8').split('\n')) {
    const [kind, name = '', a = '', b = '', c = ''] = line.split(' ');
    if (kind === 'root') root = { dev: Number(b), ino: Number(c) };
    else if (kind === 'ns') levels.set(name, [...(levels.get(name) ?? []), { remaining: Number(a), id: { dev: Number(b), ino: Number(c) } }]);
    else if (kind === 'pid' && name === 'root') rootPids.push(Number(a));
    else if (kind === 'pid') pids.set(name, [...(pids.get(name) ?? []), Number(a)]);
    else if (kind === 'tool') toolPids.set(name, Number(a));
    else if (kind === 'fact') extra.set(name, a);
  }
  if (root === undefined) throw new Error('fixture recorded no root namespace');
  const chains = new Map<string, { path: NamespaceId[]; pids: number[]; asUser?: number }>();
  for (const chain of spec.chains ?? []) {
    const path = (levels.get(chain.name) ?? []).sort((x, y) => y.remaining - x.remaining).map((l) => l.id);
    if (path.length !== chain.depth) throw new Error(`chain ${chain.name}: ${path.length} of ${chain.depth} levels recorded`);
    chains.set(chain.name, { path, pids: pids.get(chain.name) ?? [], ...(chain.asUser !== undefined ? { asUser: chain.asUser } : {}) });
  }
  const runs = new Map<string, RunResult>();
  for (const run of spec.runs) {
    const read = (what: string): string => fs.readFileSync(path.join(dir, `${what}.${run.label}`), 'utf8');
    const [status, nanoseconds] = read('status').trim().split(' ').map(Number);
    runs.set(run.label, {
      pid: toolPids.get(run.label) ?? NaN,
      stdout: read('out'),
      stderr: read('err'),
      status: status!,
      seconds: nanoseconds! / 1e9,
    });
  }
  return { root, rootPids, chains, runs, extra };
}
