// The tool run directly, outside any fixture: for what needs no namespaces of its own.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { LAUNCHER } from './fixture.js';

export function tool(args: string[], options: { stdout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync('node', [LAUNCHER, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    timeout: 30_000,
  });
}
