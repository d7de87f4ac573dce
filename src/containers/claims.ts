// Who may say which container a process is in. Each piece of evidence has a speaker: a cgroup
// path speaks for whoever may name that cgroup (recognise.ts: the user of a delegated
// user@UID.service subtree, else root), and a runtime's command line, which its process writes
// itself, for whoever started that runtime. An identity is believed from one speaker only: root
// where root speaks for it, else the one user who does; cgroups, which only their namers can
// make, before command lines, which anyone can; and where two users speak for one identity and
// root does not, from neither. Pure: the containers step gathers the evidence.
import type { Container } from '../model.js';

/** Whose word a claim is: a UID, or null where that could not be told (never believed). */
export type Speaker = number | null;

export type Evidence = 'cgroup' | 'command';

/** A container as one piece of evidence gives it. */
export interface Claim {
  readonly container: Container;
  readonly speaker: Speaker;
  readonly evidence: Evidence;
}

/**
 * What tells a container from every other: its ID where it has one (a 64-hex ID alone, which the
 * engines draw from one space, so that a runtime that says it is another engine's is the same
 * claim), else its engine and name together with who named it, since two users may each have a
 * machine called web.
 */
export function identityOf({ container, speaker }: Pick<Claim, 'container' | 'speaker'>): string {
  if (container.id !== null) return /^[0-9a-f]{64}$/.test(container.id) ? container.id : `${container.engine}:${container.id}`;
  return `${container.engine} named ${container.name ?? ''} by ${speaker ?? 'unknown'}`;
}

export class Claims {
  private readonly speakers = new Map<string, { cgroup: Set<Speaker>; command: Set<Speaker> }>();
  /** The names runtimes give an identity, by speaker. */
  private readonly names = new Map<string, Map<Speaker, Set<string>>>();

  add(claim: Claim): void {
    const key = identityOf(claim);
    let heard = this.speakers.get(key);
    if (heard === undefined) this.speakers.set(key, (heard = { cgroup: new Set(), command: new Set() }));
    heard[claim.evidence].add(claim.speaker);
    const { name, id } = claim.container;
    if (claim.evidence === 'command' && id !== null && name !== null) {
      let byName = this.names.get(key);
      if (byName === undefined) this.names.set(key, (byName = new Map()));
      byName.set(claim.speaker, (byName.get(claim.speaker) ?? new Set()).add(name));
    }
  }

  /** The one speaker believed for the identity `key`, or null for none. */
  private authority(key: string): Speaker {
    const heard = this.speakers.get(key);
    if (heard === undefined) return null;
    const pool = heard.cgroup.size > 0 ? heard.cgroup : heard.command;
    if (pool.has(0)) return 0;
    return pool.size === 1 ? [...pool][0]! : null;
  }

  /** Whether a claim (added before) is believed. */
  believed(claim: Claim): boolean {
    return claim.speaker !== null && claim.speaker === this.authority(identityOf(claim));
  }

  /** The name the believed speaker's runtimes give the container, where they agree on one; else null. */
  nameOf(claim: Claim): string | null {
    const key = identityOf(claim);
    const authority = this.authority(key);
    const names = authority === null ? undefined : this.names.get(key)?.get(authority);
    return names?.size === 1 ? [...names][0]! : null;
  }
}
