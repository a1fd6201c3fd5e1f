/**
 * One watcher: what it watches, how far it has been fed, and its outbox.
 *
 * A watcher is in one of three states:
 * - synced: every matching event up to the hub's current revision is queued;
 *   it sits in the match index and publish feeds it directly. `nextRevision`
 *   is the first revision it accepts (above the current one for a watch
 *   that starts in the future).
 * - unsynced: every matching event below `nextRevision` is queued; it is out
 *   of the index and is fed from the recent-events window or from history
 *   until it reaches the current revision.
 * - closing: a final "canceled" response is queued; nothing more is added.
 *
 * `offer` is the only way events enter the outbox, so the two rules live in
 * one place: whole revisions only, and never beyond the outbox bound (except
 * one revision into an empty outbox, or a huge revision could never pass).
 *
 * Never: queue an event twice, skip one, or queue events out of order.
 */

import type { ChangeEvent } from '../applier/mvcc/types.ts';
import type { KeyRange } from './key-range.ts';
import type { WatchFilter } from './types.ts';
import { Outbox } from './outbox.ts';
import { eventBytes } from './event-size.ts';
import { eventResponses } from './responses.ts';

export type WatcherState = 'synced' | 'unsynced' | 'closing';

export interface WatcherSpec {
  readonly id: number;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly range: KeyRange;
  readonly prevKv: boolean;
  readonly filters: readonly WatchFilter[];
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  readonly maxQueuedEvents: number;
  readonly maxQueuedBytes: number;
}

export class Watcher {
  readonly id: number;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly range: KeyRange;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  readonly outbox: Outbox;
  private readonly dropPuts: boolean;
  private readonly dropDeletes: boolean;

  state: WatcherState = 'unsynced';
  nextRevision = 0;
  /** A history read for this watcher is outstanding. */
  readInFlight = false;
  /** A progress request arrived while unsynced: answer it once synced. */
  progressRequested = false;
  /** No events queued since the last periodic progress round. */
  idleSinceProgressRound = true;

  constructor(spec: WatcherSpec) {
    this.id = spec.id;
    this.key = spec.key;
    this.rangeEnd = spec.rangeEnd;
    this.range = spec.range;
    this.prevKv = spec.prevKv;
    this.progressNotify = spec.progressNotify;
    this.fragment = spec.fragment;
    this.dropPuts = spec.filters.includes('noput');
    this.dropDeletes = spec.filters.includes('nodelete');
    this.outbox = new Outbox(spec.maxQueuedEvents, spec.maxQueuedBytes);
  }

  /**
   * Queues the events (all in this watcher's range, revision order, every
   * revision whole) up to `throughRevision`. Returns null when all fit, or
   * the first revision that did not (nothing from it on was queued).
   */
  offer(events: readonly ChangeEvent[], throughRevision: number, maxResponseBytes: number): number | null {
    const accepted: ChangeEvent[] = [];
    const sizes: number[] = [];
    let acceptedBytes = 0;
    let i = 0;
    while (i < events.length) {
      const revision = events[i]!.kv.modRevision;
      const revisionStart = accepted.length;
      let revisionBytes = 0;
      for (; i < events.length && events[i]!.kv.modRevision === revision; i += 1) {
        const delivered = this.deliverable(events[i]!);
        if (delivered === null) continue;
        const size = eventBytes(delivered);
        accepted.push(delivered);
        sizes.push(size);
        revisionBytes += size;
      }
      const fits =
        this.outbox.admits(accepted.length, acceptedBytes + revisionBytes) || (this.outbox.isEmpty && revisionStart === 0);
      if (!fits) {
        accepted.length = revisionStart;
        sizes.length = revisionStart;
        this.queue(accepted, sizes, acceptedBytes, revision - 1, maxResponseBytes);
        return revision;
      }
      acceptedBytes += revisionBytes;
    }
    this.queue(accepted, sizes, acceptedBytes, throughRevision, maxResponseBytes);
    return null;
  }

  /** The event as this watcher sees it: null when filtered out, prevKv dropped unless asked for. */
  private deliverable(event: ChangeEvent): ChangeEvent | null {
    if (event.type === 'put' ? this.dropPuts : this.dropDeletes) return null;
    if (this.prevKv || event.prevKv === null) return event;
    return { type: event.type, kv: event.kv, prevKv: null };
  }

  private queue(events: ChangeEvent[], sizes: number[], bytes: number, revision: number, maxResponseBytes: number): void {
    if (events.length === 0) return;
    const responses = eventResponses(this.id, revision, events, sizes, this.fragment ? maxResponseBytes : null);
    if (responses.length === 1) {
      this.outbox.pushEvents(responses[0]!, events.length, bytes);
    } else {
      let offset = 0;
      for (const response of responses) {
        const count = response.kind === 'events' ? response.events.length : 0;
        const responseBytes = sizes.slice(offset, offset + count).reduce((sum, size) => sum + size, 0);
        this.outbox.pushEvents(response, count, responseBytes);
        offset += count;
      }
    }
    this.idleSinceProgressRound = false;
  }
}
