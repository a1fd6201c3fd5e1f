/**
 * `system.control`: inspect and steer actors without touching the message hot
 * path. Listing asks every live worker for its counters over comlink (its own
 * MessageChannel, separate from the rings) and joins them with what the
 * system knows (thread, restarts). Stop and restart go through the system so
 * supervision and the directory stay consistent.
 */
import type { StopOutcome } from './actor-cell.ts';
import type { ThreadCounters } from './control-protocol.ts';
import type { LinkCounters } from './thread-runtime.ts';

export interface ActorInfo {
  readonly name: string;
  readonly thread: number;
  /** 'unavailable' while its thread is being replaced. */
  readonly status: 'starting' | 'running' | 'suspended' | 'unavailable';
  readonly mailboxDepth: number;
  readonly messagesProcessed: number;
  /** Messages refused by the behaviour (unknown type). */
  readonly messagesRejected: number;
  /**
   * Sends made by this actor (while its receive runs synchronously, i.e. up to its first
   * await) that found the ring to their target's thread full. Per-link totals, whoever
   * sent, are in `threads()`.
   */
  readonly ringStalls: number;
  /** Restarts since spawn (crashes, dead threads and requests). */
  readonly restarts: number;
}

export interface ThreadInfo {
  readonly thread: number;
  readonly alive: boolean;
  /** 1 for the first worker on this index, +1 per replacement. */
  readonly incarnation: number;
  readonly links: readonly LinkCounters[];
}

/** What the control plane needs from the ActorSystem. */
export interface ControlHost {
  actorRecords(): readonly { readonly name: string; readonly thread: number; readonly restarts: number }[];
  threadCounters(): Promise<ReadonlyMap<number, ThreadCounters>>;
  threadIncarnations(): ReadonlyMap<number, { readonly incarnation: number; readonly alive: boolean }>;
  stopActor(name: string): Promise<StopOutcome>;
  restartActor(name: string): Promise<void>;
}

export class ControlPlane {
  readonly #host: ControlHost;

  constructor(host: ControlHost) {
    this.#host = host;
  }

  /** Every registered actor with its counters, sorted by name. */
  async list(): Promise<ActorInfo[]> {
    const countersByThread = await this.#host.threadCounters();
    return this.#host
      .actorRecords()
      .map((record): ActorInfo => {
        const counters = countersByThread.get(record.thread)?.actors.find((a) => a.name === record.name);
        return {
          name: record.name,
          thread: record.thread,
          status: counters === undefined || counters.status === 'stopped' ? 'unavailable' : counters.status,
          mailboxDepth: counters?.mailboxDepth ?? 0,
          messagesProcessed: counters?.messagesProcessed ?? 0,
          messagesRejected: counters?.messagesRejected ?? 0,
          ringStalls: counters?.ringStalls ?? 0,
          restarts: record.restarts,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every thread (0 is the main thread) with its ring links' counters. */
  async threads(): Promise<ThreadInfo[]> {
    const countersByThread = await this.#host.threadCounters();
    return [...this.#host.threadIncarnations()].map(([thread, { incarnation, alive }]) => ({
      thread,
      alive,
      incarnation,
      links: countersByThread.get(thread)?.links ?? [],
    }));
  }

  /** Stops an actor: queued asks are rejected with ActorStoppedError, later sends fail with it. */
  stop(name: string): Promise<StopOutcome> {
    return this.#host.stopActor(name);
  }

  /** Restarts an actor now with fresh state; its queued messages are kept. */
  restart(name: string): Promise<void> {
    return this.#host.restartActor(name);
  }
}
