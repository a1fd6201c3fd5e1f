/**
 * Group commit: one durable batch in flight at a time; writes that arrive
 * while it is being written accumulate and all go into the next batch, so the
 * cost of one fsync is shared by every write that was waiting for it. Each
 * write's promise resolves only after the batch holding it is durable, in the
 * order the writes were submitted.
 *
 * Before taking each batch the writer yields one turn of the event loop
 * (setImmediate), so the callers whose writes just became durable can submit
 * their next ones into it: with N callers each waiting on its own write, every
 * fsync then carries all N instead of alternating two half-size batches.
 * Measured with bench/log-writer/append.ts, 16 appenders: 16.0 appends per
 * batch with the yield, 8.0 without (two runs back to back, loaded 2-core
 * machine; see bench/RESULTS.md). The yield costs one event-loop turn, about
 * 15 us of CPU on that machine, against an fsync of 0.2 ms or more.
 *
 * Bounded everywhere: the queue for the next batch holds at most
 * `maxQueuedRecords` records and `maxQueuedBytes` bytes (a single write larger
 * than that goes alone, when the queue is empty); writes that do not fit wait
 * in order (backpressure, counted in stats), and at most `maxWaitingWrites` may
 * wait: past that, the caller is ignoring backpressure and is refused.
 *
 * A write may ask for no fsync of its own (`fsync: false`: a Raft hard state
 * whose only change is the commit index, which a member can learn again). It
 * still goes into the next batch, in order; a batch is fsynced when any write
 * in it asks for that, and otherwise only written, to become durable with the
 * next fsynced batch. (The raft actor uses it when a tick writes a commit
 * index that no write of entries carried; with an fsync of its own, such a
 * write once made the next put's entry wait behind a second fsync.)
 *
 * After a failed batch nothing more is written: the caller's view of the log
 * is ahead of the disk, so every pending and later write is refused.
 *
 * It knows nothing about Raft or LevelDB: it moves opaque operations to a
 * `writeBatch` function, which the tests replace.
 */

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { LogStoreFailedError, LogStoreOverloadedError } from './errors.ts';
import type { DurableUpTo } from './log-store.ts';

export interface GroupCommitLimits {
  readonly maxQueuedRecords: number;
  readonly maxQueuedBytes: number;
  readonly maxWaitingWrites: number;
}

export const DEFAULT_GROUP_COMMIT_LIMITS: GroupCommitLimits = {
  maxQueuedRecords: 65_536,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxWaitingWrites: 4_096,
};

/** Options check, before anything touches the disk. */
export function assertValidLimits(limits: GroupCommitLimits): void {
  for (const limit of ['maxQueuedRecords', 'maxQueuedBytes', 'maxWaitingWrites'] as const) {
    const value = limits[limit];
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${limit} must be a positive integer, got ${String(value)}`);
  }
}

/** One durable batch, as the metrics hook sees it. */
export interface BatchReport {
  readonly writes: number;
  readonly records: number;
  readonly bytes: number;
  /** False for a batch of writes that asked for no fsync: written, durable with the next fsynced batch. */
  readonly fsynced: boolean;
  readonly syncLatencyMs: number;
}

/** Running totals; the mean records per batch is `records / batches`. */
export interface GroupCommitStats {
  batches: number;
  /** Batches written without an fsync (every write in them asked for none). */
  unsyncedBatches: number;
  writes: number;
  records: number;
  bytes: number;
  maxWritesPerBatch: number;
  maxRecordsPerBatch: number;
  syncLatencyMsTotal: number;
  syncLatencyMsMax: number;
  /** Writes that found the queue full and had to wait for room. */
  backpressureWaits: number;
}

export interface GroupCommitOptions<Op> extends GroupCommitLimits {
  /** Names the store in errors. */
  readonly dataDir: string;
  /** Writes `operations` atomically, and durably (one fsync) when `fsync` is true. */
  readonly writeBatch: (operations: readonly Op[], fsync: boolean) => Promise<void>;
  readonly onBatch?: ((report: BatchReport) => void) | undefined;
}

interface PendingWrite<Op> {
  readonly operations: readonly Op[];
  readonly bytes: number;
  readonly fsync: boolean;
  /** The log's last point once this write (and all before it) is on disk. */
  readonly point: DurableUpTo;
  readonly resolve: (point: DurableUpTo) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<Op> {
  readonly stats: GroupCommitStats = {
    batches: 0,
    unsyncedBatches: 0,
    writes: 0,
    records: 0,
    bytes: 0,
    maxWritesPerBatch: 0,
    maxRecordsPerBatch: 0,
    syncLatencyMsTotal: 0,
    syncLatencyMsMax: 0,
    backpressureWaits: 0,
  };
  readonly #options: GroupCommitOptions<Op>;
  #queued: PendingWrite<Op>[] = [];
  #queuedRecords = 0;
  #queuedBytes = 0;
  #waiting: PendingWrite<Op>[] = [];
  #writing = false;
  #failure: LogStoreFailedError | null = null;
  #idleWaiters: (() => void)[] = [];

  constructor(options: GroupCommitOptions<Op>) {
    assertValidLimits(options);
    this.#options = options;
  }

  /**
   * Throws if a write submitted now would be refused, so the caller can check
   * before it commits to the write (its in-memory view must not move ahead of
   * a write that will never happen).
   */
  assertAccepting(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#waiting.length >= this.#options.maxWaitingWrites) {
      throw new LogStoreOverloadedError({ dataDir: this.#options.dataDir, maxWaitingWrites: this.#options.maxWaitingWrites });
    }
  }

  /**
   * Queues a write; it resolves once durable (with `fsync: false`, once
   * written). A write with no operations (a compaction that drops nothing)
   * still resolves in order, once every write before it is durable.
   */
  submit(operations: readonly Op[], bytes: number, point: DurableUpTo, fsync = true): Promise<DurableUpTo> {
    this.assertAccepting();
    return new Promise<DurableUpTo>((resolve, reject) => {
      const write: PendingWrite<Op> = { operations, bytes, fsync, point, resolve, reject };
      if (this.#waiting.length === 0 && this.#fits(write)) {
        this.#enqueue(write);
      } else {
        this.#waiting.push(write);
        this.stats.backpressureWaits += 1;
      }
      void this.#writeLoop();
    });
  }

  /** Resolves once every submitted write has been written or refused. */
  whenIdle(): Promise<void> {
    if (!this.#writing && this.#queued.length === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #fits(write: PendingWrite<Op>): boolean {
    if (this.#queued.length === 0) return true;
    const { maxQueuedRecords, maxQueuedBytes } = this.#options;
    return this.#queuedRecords + write.operations.length <= maxQueuedRecords && this.#queuedBytes + write.bytes <= maxQueuedBytes;
  }

  #enqueue(write: PendingWrite<Op>): void {
    this.#queued.push(write);
    this.#queuedRecords += write.operations.length;
    this.#queuedBytes += write.bytes;
  }

  #admitWaiting(): void {
    let admitted = 0;
    for (const write of this.#waiting) {
      if (!this.#fits(write)) break;
      this.#enqueue(write);
      admitted += 1;
    }
    this.#waiting.splice(0, admitted);
  }

  /** The single writer: takes the whole queue as one batch, again and again, until nothing is queued. */
  async #writeLoop(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    // Idle until now: the writes of the code running now join the first batch, with no turn of the event loop lost.
    await Promise.resolve();
    while (this.#queued.length > 0 && this.#failure === null) {
      const batch = this.#queued;
      this.#queued = [];
      this.#queuedRecords = 0;
      this.#queuedBytes = 0;
      this.#admitWaiting();
      await this.#writeOne(batch);
      await yieldToCallers();
    }
    assert.ok(this.#waiting.length === 0, 'writes left waiting with nothing queued ahead of them');
    this.#writing = false;
    for (const resolveIdle of this.#idleWaiters.splice(0)) resolveIdle();
  }

  async #writeOne(batch: readonly PendingWrite<Op>[]): Promise<void> {
    const operations = batch.flatMap((write) => write.operations);
    const fsynced = batch.some((write) => write.fsync);
    const startedMs = performance.now();
    try {
      await this.#options.writeBatch(operations, fsynced);
    } catch (error) {
      this.#fail(batch, error);
      return;
    }
    const syncLatencyMs = performance.now() - startedMs;
    const last = batch.at(-1);
    assert.ok(last !== undefined, 'wrote an empty batch');
    for (const write of batch) write.resolve(last.point);
    const bytes = batch.reduce((sum, write) => sum + write.bytes, 0);
    this.#record({ writes: batch.length, records: operations.length, bytes, fsynced, syncLatencyMs });
  }

  #fail(batch: readonly PendingWrite<Op>[], cause: unknown): void {
    this.#failure = new LogStoreFailedError({ dataDir: this.#options.dataDir }, cause);
    for (const write of batch) write.reject(cause);
    for (const write of [...this.#queued, ...this.#waiting]) write.reject(this.#failure);
    this.#queued = [];
    this.#waiting = [];
  }

  #record(report: BatchReport): void {
    const stats = this.stats;
    stats.batches += 1;
    if (!report.fsynced) stats.unsyncedBatches += 1;
    stats.writes += report.writes;
    stats.records += report.records;
    stats.bytes += report.bytes;
    stats.maxWritesPerBatch = Math.max(stats.maxWritesPerBatch, report.writes);
    stats.maxRecordsPerBatch = Math.max(stats.maxRecordsPerBatch, report.records);
    stats.syncLatencyMsTotal += report.syncLatencyMs;
    stats.syncLatencyMsMax = Math.max(stats.syncLatencyMsMax, report.syncLatencyMs);
    this.#options.onBatch?.(report);
  }
}

/**
 * Lets the callers just resolved (and any others in this turn of the event
 * loop) submit their next writes before the writer takes a batch, so they
 * share the next fsync instead of waiting behind it.
 */
function yieldToCallers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
