// Who may say which container a process is in. Each piece of evidence has a speaker: a cgroup
// path speaks for whoever may name that cgroup (recognise.ts), and a runtime's command line,
// which its process writes itself, for whoever started that runtime (containers.ts). An identity
// is believed from one speaker only: root where root speaks for it at all; else the one user
// whose cgroup names it, where no other user's runtime alone says it; else the one user whose
// runtime says it. Where users disagree otherwise, from none, so that another user can at most
// take a label away, never take it over. A speaker that could not be told is not heard at all.
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
 * called web (but see `label`).
 */
export function identityOf({ container, speaker }: Pick<Claim, 'container' | 'speaker'>): string {
  if (hasHexId(container)) return container.id!;
  return `${label(container)} by ${speaker}`;
}

/**
 * How a container other than a 64-hex one shows, namer aside: its engine and ID or name. No
 * other user's may show as one of root's. Snap's names are the store's, not the user's: a user's
 * app of a snap is that snap as much as root's service of it is.
 */
const hasHexId = (container: Container): boolean => container.id !== null && isHexId(container.id);
const label = (container: Container): string => `${container.engine} ${container.id ?? container.name ?? ''}`;
const CHOSEN_BY_NO_USER = new Set(['snap']);

interface Heard {
  readonly cgroup: Set<number>;
  readonly command: Set<number>;
  /** The names runtimes give it, by speaker. */
  readonly names: Map<number, Set<string>>;
}

export class Claims {
  private readonly heard = new Map<string, Heard>();
  /** The labels of root's containers that have no 64-hex ID: another's may not copy one. */
  private readonly rootsLabels = new Set<string>();

  add({ container, speaker, evidence }: Claim): void {
    if (speaker === null) return;
    const key = identityOf({ container, speaker });
    let heard = this.heard.get(key);
    if (heard === undefined) this.heard.set(key, (heard = { cgroup: new Set(), command: new Set(), names: new Map() }));
    heard[evidence].add(speaker);
    if (evidence === 'command' && container.id !== null && container.name !== null) {
      heard.names.set(speaker, (heard.names.get(speaker) ?? new Set()).add(container.name));
    }
    if (speaker === 0 && !hasHexId(container)) this.rootsLabels.add(label(container));
  }

  /** The one speaker believed for the identity `key`, or null for none. */
  private authority(key: string): Speaker {
    const heard = this.heard.get(key);
    if (heard === undefined) return null;
    const { cgroup, command } = heard;
    if (cgroup.has(0) || command.has(0)) return 0;
    // A user's cgroup counts over other users' command lines, which anyone writes, but not over
    // the one user whose runtime alone says the container is its own.
    if (cgroup.size === 1) {
      const user = [...cgroup][0]!;
      return command.size === 0 || command.has(user) ? user : null;
    }
    return cgroup.size === 0 && command.size === 1 ? [...command][0]! : null;
  }

  /** Whether a claim (added before) is believed. */
  believed(claim: Claim): boolean {
    const { container, speaker } = claim;
    if (speaker === null || speaker !== this.authority(identityOf(claim))) return false;
    if (speaker === 0 || hasHexId(container) || CHOSEN_BY_NO_USER.has(container.engine)) return true;
    return !this.rootsLabels.has(label(container));
  }

  /** The name the believed speaker's runtimes give the container, where they agree on one; else null. */
  nameOf(claim: Claim): string | null {
    const key = identityOf(claim);
    const authority = this.authority(key);
    const names = authority === null ? undefined : this.heard.get(key)!.names.get(authority);
    return names?.size === 1 ? [...names][0]! : null;
  }
}
