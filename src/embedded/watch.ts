/**
 * A watch as an async iterator. Each watch has its own session in the watch
 * hub and at most one poll outstanding, so a consumer that stops iterating
 * stops pulling: the hub then holds the backlog within its per-watcher bound
 * and never slows writers or other watchers.
 */
import type { ActorRef } from '../../runtime/index.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import type { WatchHubMessage } from '../../actors/watch-hub/watch-hub-actor.ts';
import type { WatchCreated, WatchRequest, WatchResponse } from '../../actors/watch-hub/index.ts';
import { ConclaveError } from './errors.ts';

/** A poll is answered (empty if need be) within this, well inside the ask's own timeout. */
const POLL_MAX_WAIT_MS = 20_000;
const POLL_ASK_TIMEOUT_MS = 60_000;

export class Watch implements AsyncIterable<WatchResponse> {
  private cancelled = false;

  private constructor(
    private readonly hub: ActorRef<WatchHubMessage>,
    private readonly sessionId: number,
    /** The watch's ID in the hub. */
    readonly id: number,
    /** The store's revision when the watch was created. */
    readonly createdRevision: number,
  ) {}

  static async create(hub: ActorRef<WatchHubMessage>, request: WatchRequest): Promise<Watch> {
    const session = await hub.ask<Outcome<number>>({ type: 'open-session' });
    if (!session.ok) throw new ConclaveError(session.refusal);
    const created = await hub.ask<Outcome<WatchCreated>>({ type: 'create', sessionId: session.value, request });
    if (!created.ok) {
      hub.send({ type: 'close-session', sessionId: session.value });
      throw new ConclaveError(created.refusal);
    }
    return new Watch(hub, session.value, created.value.watchId, created.value.revision);
  }

  /** Asks for a progress notification (the current revision, once every earlier event was delivered). */
  requestProgress(): void {
    if (!this.cancelled) this.hub.send({ type: 'progress', sessionId: this.sessionId, watchId: this.id });
  }

  /** Ends the watch; a pending iteration finishes. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.hub.send({ type: 'close-session', sessionId: this.sessionId });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    try {
      while (!this.cancelled) {
        const responses = await this.hub.ask<WatchResponse[]>(
          { type: 'poll', sessionId: this.sessionId, maxWaitMs: POLL_MAX_WAIT_MS },
          { timeoutMs: POLL_ASK_TIMEOUT_MS },
        );
        for (const response of responses) {
          yield response;
          if (response.kind === 'canceled') {
            this.cancel();
            return;
          }
        }
      }
    } finally {
      this.cancel();
    }
  }
}
