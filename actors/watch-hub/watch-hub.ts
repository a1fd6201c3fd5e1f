/**
 * The watch hub: every watcher of one member, fed in revision order from the
 * applier's change events, with no gap and no duplicate, whether a watcher
 * starts now, in the past (history replay, then live) or falls behind.
 *
 * Why it is shaped this way (etcd's synced/unsynced split, plus a window):
 * - `publish` must never wait for a consumer. It feeds only synced watchers,
 *   found through an index (exact keys in a map, ranges in an interval
 *   tree), so its cost follows the watchers that match, not all of them.
 * - A watcher whose outbox cannot take the next revision is not cancelled:
 *   it leaves the index, remembers the first revision it lacks and becomes
 *   unsynced (etcd moves such a "victim" to unsynced the same way). Its
 *   memory stays bounded by its outbox; once its consumer drains, it is fed
 *   again from the recent-events window (synchronously) or from history
 *   (`catchUp`, through the caller's reader), and rejoins the index when it
 *   reaches the current revision. If compaction overtakes it first, it is
 *   cancelled with `compactRevision` set, the one reason a slow watcher can
 *   lose its watch, and the reason etcd gives too.
 * - A watch starting below the compaction revision is created, then
 *   cancelled with `compactRevision` set, as etcd does.
 * - Progress notifications carry the current revision, queued behind every
 *   event at or below it, and only for synced watchers (an unsynced one gets
 *   its requested notification once it catches up).
 *
 * Consumers pull: `readyWatchIds()` names the watchers with output, `take`
 * drains one. Time enters only through `tick(nowMs)`.
 *
 * Never: call the history reader from `publish`, hold a watcher both in the
 * index and unsynced, or feed one watcher from two sources at once (at most
 * one history read per watcher is in flight, and an in-flight watcher is
 * left alone until it returns).
 */

import type { ChangeEvent } from '../applier/mvcc/types.ts';
import type { HistoryReader, WatchCreated, WatchFilter, WatchRequest, WatchResponse } from './types.ts';
import { COMPACTED_REASON, HistoryCompactedError, invalidStartRevision, tooManyWatchers, watcherNotFound } from './errors.ts';
import { keyString } from './key-bytes.ts';
import { rangeContains, watchRange } from './key-range.ts';
import { RecentEvents } from './recent-events.ts';
import { Watcher } from './watcher.ts';
import { WatcherIndex } from './watcher-index.ts';

export interface WatchHubOptions {
  /** The store's revision when the hub starts. */
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly readEvents: HistoryReader;
  /** The clock reading the hub starts at (progress rounds count from here). */
  readonly startMs: number;
  /** Live watchers, including cancelled ones whose final response is not yet taken. Default 100,000. */
  readonly maxWatchers?: number;
  /** Outbox bound per watcher. Defaults 1,024 events and 2 MiB. */
  readonly maxQueuedEventsPerWatcher?: number;
  readonly maxQueuedBytesPerWatcher?: number;
  /** Fragment size for watches that ask for fragments. Default 1.5 MiB (etcd's --max-request-bytes). */
  readonly maxResponseBytes?: number;
  /** The recent-events window. Defaults 8,192 events and 16 MiB. */
  readonly recentEventsCapacity?: number;
  readonly recentBytesCapacity?: number;
  /** Revisions asked of the reader at once per watcher. Default 1,000. */
  readonly maxRevisionsPerRead?: number;
  /** History reads started per catchUp pass. Default 512 (etcd syncs 512 watchers per round). */
  readonly maxReadsPerCatchUp?: number;
  /** Period of progress notifications to idle watchers that asked for them. Default 10 min (etcd's). */
  readonly progressIntervalMs?: number;
}

export interface CatchUpReport {
  /** History reads this pass made. */
  readonly historyReads: number;
  /** Watchers still unsynced when the pass ended. */
  readonly unsynced: number;
}

const DEFAULTS = {
  maxWatchers: 100_000,
  maxQueuedEventsPerWatcher: 1_024,
  maxQueuedBytesPerWatcher: 2 * 1024 * 1024,
  maxResponseBytes: 1_572_864,
  recentEventsCapacity: 8_192,
  recentBytesCapacity: 16 * 1024 * 1024,
  maxRevisionsPerRead: 1_000,
  maxReadsPerCatchUp: 512,
  progressIntervalMs: 10 * 60_000,
} as const;

const FILTERS: readonly WatchFilter[] = ['noput', 'nodelete'];

export class WatchHub {
  private readonly readEvents: HistoryReader;
  private readonly maxWatchers: number;
  private readonly maxQueuedEvents: number;
  private readonly maxQueuedBytes: number;
  private readonly maxResponseBytes: number;
  private readonly maxRevisionsPerRead: number;
  private readonly maxReadsPerCatchUp: number;
  private readonly progressIntervalMs: number;

  private readonly watchers = new Map<number, Watcher>();
  private readonly index = new WatcherIndex<Watcher>();
  /** Set order is arrival order, so catch-up serves the longest-waiting first. */
  private readonly unsynced = new Set<Watcher>();
  private readonly progressWatchers = new Set<Watcher>();
  private readonly ready = new Set<number>();
  private readonly recent: RecentEvents;
  private current: number;
  private compacted: number;
  private nextWatchId = 1;
  private lastNowMs: number;
  private nextProgressRoundMs: number;
  private pass: Promise<CatchUpReport> | null = null;

  constructor(options: WatchHubOptions) {
    this.current = revisionOption(options.currentRevision, 'currentRevision');
    this.compacted = revisionOption(options.compactRevision, 'compactRevision');
    if (this.compacted > this.current) throw new RangeError('WatchHub: compactRevision is above currentRevision');
    this.readEvents = options.readEvents;
    this.maxWatchers = positive(options.maxWatchers ?? DEFAULTS.maxWatchers, 'maxWatchers');
    this.maxQueuedEvents = positive(options.maxQueuedEventsPerWatcher ?? DEFAULTS.maxQueuedEventsPerWatcher, 'maxQueuedEventsPerWatcher');
    this.maxQueuedBytes = positive(options.maxQueuedBytesPerWatcher ?? DEFAULTS.maxQueuedBytesPerWatcher, 'maxQueuedBytesPerWatcher');
    this.maxResponseBytes = positive(options.maxResponseBytes ?? DEFAULTS.maxResponseBytes, 'maxResponseBytes');
    this.maxRevisionsPerRead = positive(options.maxRevisionsPerRead ?? DEFAULTS.maxRevisionsPerRead, 'maxRevisionsPerRead');
    this.maxReadsPerCatchUp = positive(options.maxReadsPerCatchUp ?? DEFAULTS.maxReadsPerCatchUp, 'maxReadsPerCatchUp');
    this.progressIntervalMs = positive(options.progressIntervalMs ?? DEFAULTS.progressIntervalMs, 'progressIntervalMs');
    this.recent = new RecentEvents(
      positive(options.recentEventsCapacity ?? DEFAULTS.recentEventsCapacity, 'recentEventsCapacity'),
      positive(options.recentBytesCapacity ?? DEFAULTS.recentBytesCapacity, 'recentBytesCapacity'),
      this.current + 1,
    );
    this.lastNowMs = options.startMs;
    this.nextProgressRoundMs = options.startMs + this.progressIntervalMs;
  }

  get currentRevision(): number {
    return this.current;
  }

  get compactRevision(): number {
    return this.compacted;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  create(request: WatchRequest): WatchCreated {
    const startRevision = request.startRevision ?? 0;
    if (!Number.isSafeInteger(startRevision) || startRevision < 0) throw invalidStartRevision(startRevision);
    const filters = request.filters ?? [];
    for (const filter of filters) if (!FILTERS.includes(filter)) throw new RangeError(`WatchHub.create: unknown filter ${String(filter)}`);
    const range = watchRange(request.key, request.rangeEnd);
    if (this.watchers.size >= this.maxWatchers) throw tooManyWatchers(this.maxWatchers);
    const watcher = new Watcher({
      id: this.nextWatchId++,
      key: request.key,
      rangeEnd: request.rangeEnd ?? new Uint8Array(0),
      range,
      prevKv: request.prevKv ?? false,
      filters,
      progressNotify: request.progressNotify ?? false,
      fragment: request.fragment ?? false,
      maxQueuedEvents: this.maxQueuedEvents,
      maxQueuedBytes: this.maxQueuedBytes,
    });
    this.watchers.set(watcher.id, watcher);
    if (watcher.progressNotify) this.progressWatchers.add(watcher);
    watcher.nextRevision = startRevision === 0 ? this.current + 1 : startRevision;
    this.unsynced.add(watcher);
    this.catchUpFromRecent(watcher);
    return { watchId: watcher.id, revision: this.current };
  }

  /** Removes a watcher and whatever it had queued; false when it does not exist. */
  cancel(watchId: number): boolean {
    const watcher = this.watchers.get(watchId);
    if (watcher === undefined) return false;
    this.detach(watcher);
    watcher.state = 'closing';
    this.watchers.delete(watchId);
    this.ready.delete(watchId);
    return true;
  }

  /**
   * Feeds committed changes: whole revisions, in order, the first one exactly
   * currentRevision + 1. Throws on a gap, a repeat or disorder.
   */
  publish(events: readonly ChangeEvent[]): void {
    const lastRevision = this.checkContiguous(events);
    if (lastRevision === null) return;
    const keys = events.map((event) => keyString(event.kv.key));
    this.recent.append(events, keys);
    const batches = new Map<Watcher, ChangeEvent[]>();
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i]!;
      this.index.forEachMatch(keys[i]!, (watcher) => {
        if (event.kv.modRevision < watcher.nextRevision) return;
        const batch = batches.get(watcher);
        if (batch === undefined) batches.set(watcher, [event]);
        else batch.push(event);
      });
    }
    this.current = lastRevision;
    for (const [watcher, batch] of batches) {
      const firstMissing = watcher.offer(batch, lastRevision, this.maxResponseBytes);
      this.markReady(watcher);
      if (firstMissing !== null) this.fallBehind(watcher, firstMissing);
    }
  }

  /** Watchers with responses waiting, in no particular order. */
  readyWatchIds(): number[] {
    return [...this.ready];
  }

  /** Drains up to maxResponses responses of one watcher, in order. */
  take(watchId: number, maxResponses: number): WatchResponse[] {
    const watcher = this.watchers.get(watchId);
    if (watcher === undefined) throw watcherNotFound(watchId);
    if (!Number.isSafeInteger(maxResponses) || maxResponses <= 0) throw new RangeError(`WatchHub.take: maxResponses ${maxResponses}`);
    const responses = watcher.outbox.take(maxResponses);
    if (watcher.outbox.isEmpty) {
      this.ready.delete(watchId);
      if (watcher.state === 'closing') this.watchers.delete(watchId);
    }
    if (watcher.state === 'unsynced') this.catchUpFromRecent(watcher);
    return responses;
  }

  /** Queues a progress notification (now if synced, else once caught up). */
  requestProgress(watchId: number): void {
    const watcher = this.watchers.get(watchId);
    if (watcher === undefined) throw watcherNotFound(watchId);
    if (watcher.state === 'synced') this.queueProgress(watcher);
    else if (watcher.state === 'unsynced') watcher.progressRequested = true;
  }

  /** Moves the clock; every progress interval, idle synced watchers that asked get a progress notification. */
  tick(nowMs: number): void {
    if (!Number.isFinite(nowMs) || nowMs < this.lastNowMs) {
      throw new RangeError(`WatchHub.tick: the clock must not go backwards (${nowMs} < ${this.lastNowMs})`);
    }
    this.lastNowMs = nowMs;
    if (nowMs < this.nextProgressRoundMs) return;
    this.nextProgressRoundMs = nowMs + this.progressIntervalMs;
    for (const watcher of this.progressWatchers) {
      if (watcher.state === 'synced' && watcher.idleSinceProgressRound) this.queueProgress(watcher);
      watcher.idleSinceProgressRound = true;
    }
  }

  /** The store compacted at `revision`: unsynced watchers positioned below it are cancelled. */
  compact(revision: number): void {
    if (!Number.isSafeInteger(revision) || revision < this.compacted || revision > this.current) {
      throw new RangeError(`WatchHub.compact: ${revision} is outside [${this.compacted}, ${this.current}]`);
    }
    this.compacted = revision;
    for (const watcher of [...this.unsynced]) {
      if (!watcher.readInFlight && watcher.nextRevision < revision) this.closeCompacted(watcher, revision);
    }
  }

  /**
   * The store jumped to a snapshot: every watcher catches up from history
   * (or is cancelled if the snapshot compacted its position away).
   */
  restore(currentRevision: number, compactRevision: number): void {
    if (!Number.isSafeInteger(currentRevision) || currentRevision < this.current || compactRevision > currentRevision) {
      throw new RangeError(`WatchHub.restore: revision ${currentRevision} (compacted ${compactRevision}) is behind ${this.current}`);
    }
    for (const watcher of this.watchers.values()) {
      if (watcher.state !== 'synced') continue;
      this.fallBehind(watcher, Math.max(watcher.nextRevision, this.current + 1));
    }
    this.current = currentRevision;
    this.compacted = compactRevision;
    this.recent.clear(currentRevision + 1);
    for (const watcher of [...this.unsynced]) this.catchUpFromRecent(watcher);
  }

  /**
   * One catch-up pass: each unsynced watcher with room is fed from the recent
   * window or gets one history read (at most maxReadsPerCatchUp reads).
   * Concurrent calls share the pass in progress. Rejects with the reader's
   * error if a read failed (that watcher stays unsynced and is retried).
   */
  catchUp(): Promise<CatchUpReport> {
    if (this.pass === null) {
      this.pass = this.runCatchUpPass().finally(() => {
        this.pass = null;
      });
    }
    return this.pass;
  }

  private async runCatchUpPass(): Promise<CatchUpReport> {
    const reads: Promise<void>[] = [];
    for (const watcher of [...this.unsynced]) {
      if (reads.length >= this.maxReadsPerCatchUp) break;
      this.catchUpFromRecent(watcher);
      // Only a position below the recent window needs the store: one inside it (left there because a
      // response filled up) is fed from the window on a later pass.
      const belowRecent = watcher.nextRevision < this.recent.firstCoveredRevision;
      if (watcher.state === 'unsynced' && !watcher.readInFlight && belowRecent && this.hasRoom(watcher)) reads.push(this.readHistory(watcher));
    }
    const outcomes = await Promise.allSettled(reads);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return { historyReads: reads.length, unsynced: this.unsynced.size };
  }

  private async readHistory(watcher: Watcher): Promise<void> {
    const from = watcher.nextRevision;
    const to = Math.min(this.current, this.recent.firstCoveredRevision - 1, from + this.maxRevisionsPerRead - 1);
    if (from > to) throw new Error(`WatchHub: history read of an empty span [${from}, ${to}]`);
    watcher.readInFlight = true;
    let events: readonly ChangeEvent[];
    try {
      events = await this.readEvents(from, to, watcher.key, watcher.rangeEnd);
    } catch (error) {
      watcher.readInFlight = false;
      if (error instanceof HistoryCompactedError && this.isUnsynced(watcher)) {
        this.closeCompacted(watcher, Math.max(error.compactRevision, this.compacted));
        return;
      }
      throw error;
    }
    watcher.readInFlight = false;
    if (!this.isUnsynced(watcher)) return;
    checkHistory(events, from, to, watcher);
    const firstMissing = watcher.offer(events, to, this.maxResponseBytes);
    this.markReady(watcher);
    watcher.nextRevision = firstMissing ?? to + 1;
    this.catchUpFromRecent(watcher);
  }

  /** Feeds an unsynced watcher from the recent window when it covers its position; syncs it when caught up. */
  private catchUpFromRecent(watcher: Watcher): void {
    if (watcher.state !== 'unsynced' || watcher.readInFlight) return;
    if (watcher.nextRevision < this.compacted) {
      this.closeCompacted(watcher, this.compacted);
      return;
    }
    if (watcher.nextRevision <= this.current) {
      if (watcher.nextRevision < this.recent.firstCoveredRevision || !this.hasRoom(watcher)) return;
      const firstMissing = watcher.offer(this.recent.collect(watcher.nextRevision, watcher.range), this.current, this.maxResponseBytes);
      this.markReady(watcher);
      if (firstMissing !== null) {
        watcher.nextRevision = firstMissing;
        return;
      }
    }
    this.unsynced.delete(watcher);
    watcher.state = 'synced';
    watcher.nextRevision = Math.max(watcher.nextRevision, this.current + 1);
    this.index.add(watcher, watcher.range);
    if (watcher.progressRequested) {
      watcher.progressRequested = false;
      this.queueProgress(watcher);
    }
  }

  private fallBehind(watcher: Watcher, firstMissing: number): void {
    this.index.remove(watcher, watcher.range);
    watcher.state = 'unsynced';
    watcher.nextRevision = firstMissing;
    this.unsynced.add(watcher);
  }

  private closeCompacted(watcher: Watcher, compactRevision: number): void {
    this.detach(watcher);
    watcher.state = 'closing';
    watcher.outbox.pushFinal({ kind: 'canceled', watchId: watcher.id, revision: this.current, compactRevision, reason: COMPACTED_REASON });
    this.markReady(watcher);
  }

  private detach(watcher: Watcher): void {
    if (watcher.state === 'synced') this.index.remove(watcher, watcher.range);
    this.unsynced.delete(watcher);
    this.progressWatchers.delete(watcher);
  }

  private queueProgress(watcher: Watcher): void {
    watcher.outbox.pushProgress({ kind: 'progress', watchId: watcher.id, revision: this.current });
    this.markReady(watcher);
  }

  private markReady(watcher: Watcher): void {
    if (!watcher.outbox.isEmpty) this.ready.add(watcher.id);
  }

  /** Room for at least one more event: worth reading for. */
  private hasRoom(watcher: Watcher): boolean {
    return watcher.outbox.isEmpty || watcher.outbox.admits(1, 0);
  }

  private isUnsynced(watcher: Watcher): boolean {
    return this.watchers.get(watcher.id) === watcher && watcher.state === 'unsynced';
  }

  /** Returns the last revision of the batch (null when empty) after checking it continues the stream. */
  private checkContiguous(events: readonly ChangeEvent[]): number | null {
    let previous = this.current;
    for (const event of events) {
      const revision = event.kv.modRevision;
      const continues = revision === previous || revision === previous + 1;
      if (!continues || revision <= this.current) {
        throw new Error(`WatchHub.publish: revision ${revision} does not follow ${previous} (current ${this.current})`);
      }
      previous = revision;
    }
    return events.length === 0 ? null : previous;
  }
}

/** A reader that breaks its contract would break every watcher fed from it: refuse its answer loudly. */
function checkHistory(events: readonly ChangeEvent[], from: number, to: number, watcher: Watcher): void {
  let previous = from;
  for (const event of events) {
    const revision = event.kv.modRevision;
    if (revision < previous || revision > to || !rangeContains(watcher.range, keyString(event.kv.key))) {
      throw new Error(`WatchHub: the history reader returned an event at revision ${revision} outside [${from}, ${to}], the range, or order`);
    }
    previous = revision;
  }
}

function revisionOption(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`WatchHub: ${name} must be a non-negative integer, got ${value}`);
  return value;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`WatchHub: ${name} must be a positive integer, got ${value}`);
  return value;
}
