/**
 * The last few thousand published events, kept so that a watcher a little
 * behind (a new watch starting a few revisions back, a slow consumer that
 * just drained its buffer) catches up from memory, synchronously, without a
 * round trip to the MVCC store. Only watchers further behind than this
 * window read history.
 *
 * Holds whole revisions only: when room is needed the oldest revision goes
 * entirely, so "covers revision r" always means every event of every
 * revision from r to the newest is here.
 *
 * Never: exceed its event or byte capacity, or hold part of a revision.
 */

import type { ChangeEvent } from '../applier/mvcc/types.ts';
import type { KeyRange } from './key-range.ts';
import { rangeContains } from './key-range.ts';
import { eventBytes } from './event-size.ts';

export class RecentEvents {
  private readonly capacityEvents: number;
  private readonly capacityBytes: number;
  private readonly events: (ChangeEvent | undefined)[];
  private readonly keys: string[];
  private readonly sizes: number[];
  private head = 0;
  private count = 0;
  private bytes = 0;
  private firstCovered: number;

  /** `nextRevision`: the first revision that will be appended. */
  constructor(capacityEvents: number, capacityBytes: number, nextRevision: number) {
    if (!Number.isSafeInteger(capacityEvents) || capacityEvents <= 0) throw new RangeError(`RecentEvents: capacityEvents ${capacityEvents}`);
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0) throw new RangeError(`RecentEvents: capacityBytes ${capacityBytes}`);
    this.capacityEvents = capacityEvents;
    this.capacityBytes = capacityBytes;
    this.events = new Array(capacityEvents);
    this.keys = new Array(capacityEvents);
    this.sizes = new Array(capacityEvents);
    this.firstCovered = nextRevision;
  }

  /** The oldest revision from which every event up to the newest is held. */
  get firstCoveredRevision(): number {
    return this.firstCovered;
  }

  get size(): number {
    return this.count;
  }

  /** Appends whole revisions (the caller has checked order); `keys[i]` is the key string of `events[i]`. */
  append(events: readonly ChangeEvent[], keys: readonly string[]): void {
    const last = events[events.length - 1];
    if (last === undefined) return;
    const sizes = events.map(eventBytes);
    const incomingBytes = sizes.reduce((sum, size) => sum + size, 0);
    if (events.length > this.capacityEvents || incomingBytes > this.capacityBytes) {
      this.clear(last.kv.modRevision + 1);
      return;
    }
    while (this.count + events.length > this.capacityEvents || this.bytes + incomingBytes > this.capacityBytes) {
      this.evictOldestRevision();
    }
    for (let i = 0; i < events.length; i += 1) {
      const slot = (this.head + this.count) % this.capacityEvents;
      this.events[slot] = events[i];
      this.keys[slot] = keys[i]!;
      this.sizes[slot] = sizes[i]!;
      this.count += 1;
    }
    this.bytes += incomingBytes;
  }

  /** Forgets everything; the window restarts at `nextRevision`. */
  clear(nextRevision: number): void {
    this.events.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
    this.firstCovered = nextRevision;
  }

  /** Events of revision >= fromRevision in `range`, in order. Precondition: fromRevision is covered. */
  collect(fromRevision: number, range: KeyRange): ChangeEvent[] {
    if (fromRevision < this.firstCovered) throw new Error(`RecentEvents.collect: revision ${fromRevision} is no longer held`);
    const out: ChangeEvent[] = [];
    for (let i = this.firstIndexAtOrAfter(fromRevision); i < this.count; i += 1) {
      const slot = (this.head + i) % this.capacityEvents;
      if (rangeContains(range, this.keys[slot]!)) out.push(this.events[slot]!);
    }
    return out;
  }

  private revisionAt(index: number): number {
    return this.events[(this.head + index) % this.capacityEvents]!.kv.modRevision;
  }

  private firstIndexAtOrAfter(revision: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.revisionAt(mid) < revision) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private evictOldestRevision(): void {
    if (this.count === 0) throw new Error('RecentEvents: nothing to evict');
    const revision = this.revisionAt(0);
    while (this.count > 0 && this.revisionAt(0) === revision) {
      this.bytes -= this.sizes[this.head]!;
      this.events[this.head] = undefined;
      this.head = (this.head + 1) % this.capacityEvents;
      this.count -= 1;
    }
    this.firstCovered = revision + 1;
  }
}
