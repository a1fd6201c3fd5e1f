/**
 * One watcher's queue of responses waiting for its consumer (the gRPC stream
 * or embedded client) to take them. This is where a slow consumer's backlog
 * lives, so it is bounded in events and bytes; the hub checks `admits`
 * before queuing and moves a watcher that does not fit to catch-up mode
 * instead of growing the queue.
 *
 * Two kinds of response bypass the bound, each at most once in a row: a
 * progress notification (coalesced with a progress response already at the
 * tail) and the final "canceled" response.
 *
 * Never: reorder responses, or hold more than the bound of events/bytes
 * (beyond the single-revision exception the hub grants an empty outbox).
 */

import type { WatchResponse } from './types.ts';

interface Queued {
  response: WatchResponse;
  readonly events: number;
  readonly bytes: number;
}

/** Taken items are compacted away once this many have piled up at the front. */
const COMPACT_AFTER_TAKEN = 256;

export class Outbox {
  readonly maxEvents: number;
  readonly maxBytes: number;
  private items: Queued[] = [];
  private head = 0;
  private events = 0;
  private bytes = 0;

  constructor(maxEvents: number, maxBytes: number) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  get queuedEvents(): number {
    return this.events;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  /** Whether `events` more events of `bytes` fit within the bound. */
  admits(events: number, bytes: number): boolean {
    return this.events + events <= this.maxEvents && this.bytes + bytes <= this.maxBytes;
  }

  pushEvents(response: WatchResponse, events: number, bytes: number): void {
    this.items.push({ response, events, bytes });
    this.events += events;
    this.bytes += bytes;
  }

  /** Queues a progress notification, replacing one already waiting at the tail. */
  pushProgress(response: WatchResponse): void {
    const tail = this.items[this.items.length - 1];
    if (this.head < this.items.length && tail !== undefined && tail.response.kind === 'progress') {
      tail.response = response;
      return;
    }
    this.items.push({ response, events: 0, bytes: 0 });
  }

  /** Queues the last response a watcher will ever get. */
  pushFinal(response: WatchResponse): void {
    this.items.push({ response, events: 0, bytes: 0 });
  }

  take(maxResponses: number): WatchResponse[] {
    const end = Math.min(this.items.length, this.head + maxResponses);
    const taken: WatchResponse[] = [];
    for (let i = this.head; i < end; i += 1) {
      const item = this.items[i]!;
      taken.push(item.response);
      this.events -= item.events;
      this.bytes -= item.bytes;
    }
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_TAKEN) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }
}
