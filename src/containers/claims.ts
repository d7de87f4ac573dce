// Who may say which container a process is in. Each piece of evidence has a speaker: a cgroup
// path speaks for whoever may name that cgroup (recognise.ts), and a runtime's command line,
// which its process writes itself, for whoever started that runtime (containers.ts). An identity
// is believed from one speaker only: root where root speaks for it at all; else the one user
// whose cgroup names it; else the one user whose runtime says it; where two users speak for one
// identity and root does not, from neither. A speaker that could not be told is not heard at all.
// Pure: the containers step gathers the evidence.
import type { Container } from '../model.js';
import { isHexId } from './recognise.js';

/** Whose word a claim is: a UID, or null where that could not be told (not heard). */
export type Speaker = number | null;

export type Evidence = 'cgroup' | 'command';

/** A container as one piece of evidence gives it. */
export interface Claim {
  readonly container: Container;
  readonly speaker: Speaker;
  readonly evidence: Evidence;
}

/**
 * What tells a container from every other. A 64-hex ID alone: the engines draw those from one
 * space, so a runtime that says it is another engine's makes the same claim. Any other ID
 * (containerd's own, a flatpak instance's) with its engine and namer, and a container with no
 * ID by its engine, name and namer: two users may each have a flatpak instance 7 or a machine
 * called web.
 */
export function identityOf({ container, speaker }: Pick<Claim, 'container' | 'speaker'>): string {
  if (container.id !== null && isHexId(container.id)) return container.id;
  return `${container.engine} ${container.id ?? `named ${container.name ?? ''}`} by ${speaker}`;
}

interface Heard {
  readonly cgroup: Set<number>;
  readonly command: Set<number>;
  /** The names runtimes give it, by speaker. */
  readonly names: Map<number, Set<string>>;
}

export class Claims {
  private readonly heard = new Map<string, Heard>();
  /** Engine and name of each container with no ID that root names: another's may not copy it. */
  private readonly rootsMachines = new Set<string>();

  add({ container, speaker, evidence }: Claim): void {
    if (speaker === null) return;
    const key = identityOf({ container, speaker });
    let heard = this.heard.get(key);
    if (heard === undefined) this.heard.set(key, (heard = { cgroup: new Set(), command: new Set(), names: new Map() }));
    heard[evidence].add(speaker);
    if (evidence === 'command' && container.id !== null && container.name !== null) {
      heard.names.set(speaker, (heard.names.get(speaker) ?? new Set()).add(container.name));
    }
    if (speaker === 0 && container.id === null) this.rootsMachines.add(`${container.engine} ${container.name}`);
  }

  /** The one speaker believed for the identity `key`, or null for none. */
  private authority(key: string): Speaker {
    const heard = this.heard.get(key);
    if (heard === undefined) return null;
    if (heard.cgroup.has(0) || heard.command.has(0)) return 0;
    const pool = heard.cgroup.size > 0 ? heard.cgroup : heard.command;
    return pool.size === 1 ? [...pool][0]! : null;
  }

  /** Whether a claim (added before) is believed. */
  believed(claim: Claim): boolean {
    const { container, speaker } = claim;
    if (speaker === null || speaker !== this.authority(identityOf(claim))) return false;
    // A machine with no ID shows as its engine and name alone: another's may not look like root's.
    return speaker === 0 || container.id !== null || !this.rootsMachines.has(`${container.engine} ${container.name}`);
  }

  /** The name the believed speaker's runtimes give the container, where they agree on one; else null. */
  nameOf(claim: Claim): string | null {
    const key = identityOf(claim);
    const authority = this.authority(key);
    const names = authority === null ? undefined : this.heard.get(key)!.names.get(authority);
    return names?.size === 1 ? [...names][0]! : null;
  }
}
