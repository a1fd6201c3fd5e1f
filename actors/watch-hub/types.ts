/**
 * The watch hub's public vocabulary: what a frontend asks for and what it
 * drains. Plain data (msgpackr-encodable) so it can cross a thread ring.
 */

import type { ChangeEvent } from '../applier/mvcc/types.ts';

/** etcd's WatchCreateRequest.FilterType: NOPUT drops puts, NODELETE drops deletes. */
export type WatchFilter = 'noput' | 'nodelete';

export interface WatchRequest {
  readonly key: Uint8Array;
  /** Absent or empty: only `key`. [0]: every key from `key` on. Otherwise [key, rangeEnd). */
  readonly rangeEnd?: Uint8Array;
  /** 0 or absent: from the next revision. Otherwise the first revision to deliver. */
  readonly startRevision?: number;
  readonly prevKv?: boolean;
  readonly filters?: readonly WatchFilter[];
  /** Send a progress notification after each progress interval without events. */
  readonly progressNotify?: boolean;
  /** Split responses larger than the hub's maxResponseBytes (etcd's `fragment`). */
  readonly fragment?: boolean;
}

export interface WatchCreated {
  readonly watchId: number;
  /** The hub's revision when the watch was created (the Created response's header revision). */
  readonly revision: number;
}

/**
 * One response for one watcher, in delivery order. `revision` is the header
 * revision: every matching event at or below it has been delivered by the
 * time this response is, so a client may resume from revision + 1.
 */
export type WatchResponse =
  | {
      readonly kind: 'events';
      readonly watchId: number;
      readonly revision: number;
      readonly events: readonly ChangeEvent[];
      /** More of this batch follows in the next response (only when the watch asked for fragments). */
      readonly fragment: boolean;
    }
  | { readonly kind: 'progress'; readonly watchId: number; readonly revision: number }
  | {
      readonly kind: 'canceled';
      readonly watchId: number;
      readonly revision: number;
      /** Non-zero when canceled because its position fell below the compaction. */
      readonly compactRevision: number;
      readonly reason: string;
    };

/**
 * Reads past events for catch-up: every event with fromRevision <=
 * modRevision <= toRevision on a key in the range (etcd range encoding, as in
 * WatchRequest), in revision order, prevKv filled when the store has it.
 * Throws HistoryCompactedError when fromRevision is below the compaction.
 * May answer synchronously or with a promise (the store may be another actor).
 */
export type HistoryReader = (
  fromRevision: number,
  toRevision: number,
  key: Uint8Array,
  rangeEnd: Uint8Array,
) => readonly ChangeEvent[] | Promise<readonly ChangeEvent[]>;
