/**
 * Which thread hosts each named actor, and which names were stopped. The main
 * thread's ActorSystem owns the truth and pushes every change to each thread's
 * replica over the control plane before the change becomes visible to users,
 * so a lookup on any thread agrees with the system once spawn/stop returned.
 *
 * Stopped names are remembered (bounded, oldest forgotten first) so a send to
 * a stopped actor fails with ActorStoppedError rather than "not found".
 */
import { ActorNotFoundError, ActorStoppedError } from './errors.ts';

export interface DirectoryEntry {
  readonly thread: number;
  readonly status: 'live' | 'stopped';
}

export type DirectoryChange = readonly [name: string, entry: DirectoryEntry | null];

export class Directory {
  readonly #entries = new Map<string, DirectoryEntry>();
  readonly #stoppedOldestFirst: string[] = [];
  readonly #stoppedNamesMax: number;

  constructor(stoppedNamesMax: number) {
    if (!Number.isSafeInteger(stoppedNamesMax) || stoppedNamesMax < 1) throw new RangeError('stoppedNamesMax must be a positive integer');
    this.#stoppedNamesMax = stoppedNamesMax;
  }

  get(name: string): DirectoryEntry | undefined {
    return this.#entries.get(name);
  }

  /** The hosting thread of a live actor; throws ActorStoppedError / ActorNotFoundError otherwise. */
  threadOf(name: string): number {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new ActorNotFoundError({ actor: name });
    if (entry.status === 'stopped') throw new ActorStoppedError({ actor: name });
    return entry.thread;
  }

  apply(changes: readonly DirectoryChange[]): void {
    for (const [name, entry] of changes) {
      if (entry === null) this.#entries.delete(name);
      else this.#set(name, entry);
    }
  }

  snapshot(): DirectoryChange[] {
    return [...this.#entries].map(([name, entry]) => [name, entry] as const);
  }

  #set(name: string, entry: DirectoryEntry): void {
    this.#entries.set(name, entry);
    if (entry.status !== 'stopped') return;
    this.#stoppedOldestFirst.push(name);
    // Bounded: forget the oldest stopped names that are still stopped.
    while (this.#stoppedOldestFirst.length > this.#stoppedNamesMax) {
      const oldest = this.#stoppedOldestFirst.shift() as string;
      if (this.#entries.get(oldest)?.status === 'stopped') this.#entries.delete(oldest);
    }
  }
}
