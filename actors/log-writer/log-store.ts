/**
 * The seam between the Raft actor and durable storage, in the hashicorp/raft
 * manner: one small interface, a LevelDB implementation for members and an
 * in-memory twin for tests and the simulator. Both refuse the same misuse
 * because both check writes against the same `LogView`.
 *
 * The contract the Raft actor relies on:
 * - writes are applied in call order, each atomically (an append's truncation
 *   of a conflicting suffix, its entries and its hard state land together);
 * - a write's promise resolves only once it is durable, with the log's last
 *   (term, index) as of that moment: "durable up to";
 * - `recover()` returns what the store found on disk when it was opened;
 *   `readCurrent()` what it holds now, once its writes have finished.
 *
 * Nothing here may depend on LevelDB: the interface must stay implementable
 * by the simulator's storage.
 */

import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';

/** The log's last (term, index) that is known to survive a crash. */
export interface AppendOptions {
  /**
   * False only for a hard state whose sole change is the commit index (no
   * entries): it is written in order but waits for the next fsynced write to
   * become durable, because a member that loses it learns the commit index
   * again from the leader. Defaults to true.
   */
  readonly fsync?: boolean;
}

export interface DurableUpTo {
  readonly term: number;
  readonly index: number;
}

/** What the store found on disk at open: the last snapshot plus the log after (and possibly before) it. */
export interface RecoveredLog {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Contiguous, ascending; the first is at most `snapshot.meta.index + 1` (1 without a snapshot). */
  readonly entries: readonly Entry[];
}

export interface RaftLogStore {
  /**
   * The state found when the store was opened. Only meaningful before the
   * first write (it throws afterwards): from then on the caller's own view
   * is the truth, and the store confirms it through "durable up to".
   */
  recover(): RecoveredLog;

  /**
   * The log a new reader starts from. Before the first write it is what
   * `recover()` returns; after writes, the log read back from the medium once
   * every accepted write has finished: a raft actor restarted while its
   * member runs on recovers from it, including what its previous incarnation
   * left in flight. Rejects when the medium failed or the store is closed.
   */
  readCurrent(): Promise<RecoveredLog>;

  /**
   * Appends `entries` (contiguous; may start at or below the last index to
   * replace a conflicting suffix, but never change or cut off a committed
   * entry) and stores `hardState` in the same atomic write. Either may be
   * empty, not both (a Ready's `entries` and `hardState` go in as they are).
   * With a snapshot to persist too, call `saveSnapshot` first: the hard
   * state's commit may point into it.
   */
  append(entries: readonly Entry[], hardState?: HardState | null): Promise<DurableUpTo>;

  /**
   * Stores a snapshot. If the log holds the snapshot's (index, term) the
   * entries stay (a local snapshot: followers may still need them until
   * `compact`); otherwise the whole log is replaced by the snapshot (a
   * snapshot installed from the leader).
   */
  saveSnapshot(snapshot: Snapshot): Promise<DurableUpTo>;

  /** Drops the entries at and below `upToIndex`, which must not exceed the snapshot's index. */
  compact(upToIndex: number): Promise<DurableUpTo>;

  /** Waits for queued writes to become durable, then releases the storage. Later writes are refused. */
  close(): Promise<void>;
}

/** Where warnings about recovered damage go (a torn tail cut on open). */
export interface LogStoreLogger {
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
}
