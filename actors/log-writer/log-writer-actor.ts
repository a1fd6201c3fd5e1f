/**
 * The log-writer actor: owns the member's durable Raft log (classic-level)
 * and answers the raft actor's persistence requests. Every answer to an
 * `append` means "durable up to": the raft actor sends nothing that depends
 * on those entries before it has it.
 *
 * It keeps its fsync latencies as bucket counts (etcd's
 * etcd_disk_wal_fsync_duration_seconds) and hands them out only when asked
 * (`stats`): nothing leaves per batch.
 */
import { defineActor, matchType } from '../../runtime/index.ts';
import { DurationHistogram, exponentialBoundsSeconds, type DurationHistogramSnapshot } from '../common/duration-histogram.ts';
import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';
import { openLevelLogStore } from './level-log-store.ts';
import type { DurableUpTo, RecoveredLog } from './log-store.ts';

export type LogWriterMessage =
  /**
   * Ask: the log a raft actor starts from (RecoveredLog). Asked again by a
   * raft actor restarted while the member runs on: answered, after the
   * writes before it finished, with the log as it stands then.
   */
  | { readonly type: 'recover' }
  | { readonly type: 'append'; readonly entries: readonly Entry[]; readonly hardState: HardState | null; readonly fsync?: boolean }
  | { readonly type: 'save-snapshot'; readonly snapshot: Snapshot }
  | { readonly type: 'compact'; readonly upToIndex: number }
  /** Ask: LogWriterStats. */
  | { readonly type: 'stats' }
  | { readonly type: 'close' };

export interface LogWriterStats {
  /** Only batches written with an fsync: the latency of writing and syncing each. */
  readonly fsyncDurationSeconds: DurationHistogramSnapshot;
  /** Bytes of every batch written, fsynced or not (etcd's etcd_disk_wal_write_bytes_total). */
  readonly writtenBytes: number;
  /** Every batch written, fsynced or not (each one LevelDB write). */
  readonly writtenBatches: number;
}

/** etcd's WAL fsync buckets: 1 ms doubling to 8.192 s (wal/metrics.go). */
const FSYNC_BOUNDS_SECONDS = exponentialBoundsSeconds(0.001, 2, 14);

export interface LogWriterArgs {
  readonly dataDir: string;
  readonly clusterId: number;
  readonly memberId: number;
}

export const logWriterActor = defineActor<LogWriterMessage, LogWriterArgs>(async (args) => {
  const fsyncDurations = new DurationHistogram(FSYNC_BOUNDS_SECONDS);
  const store = await openLevelLogStore({
    ...args,
    onBatch: (report) => {
      if (report.fsynced) fsyncDurations.observe(report.syncLatencyMs / 1_000);
    },
  });
  return matchType<LogWriterMessage>({
    recover: (): Promise<RecoveredLog> => store.readCurrent(),
    append: (message): Promise<DurableUpTo> =>
      store.append(message.entries, message.hardState ?? undefined, { fsync: message.fsync ?? true }),
    'save-snapshot': (message): Promise<DurableUpTo> => store.saveSnapshot(message.snapshot),
    compact: (message): Promise<DurableUpTo> => store.compact(message.upToIndex),
    stats: (): LogWriterStats => ({ fsyncDurationSeconds: fsyncDurations.snapshot(), writtenBytes: store.stats.bytes, writtenBatches: store.stats.batches }),
    close: (): Promise<void> => store.close(),
  });
});
