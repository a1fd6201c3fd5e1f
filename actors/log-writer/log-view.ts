/**
 * The shape of the log as the store has accepted it: snapshot point, range of
 * stored entries, the term of every stored index, and the hard state. Both
 * stores keep one so every write is checked against Raft's invariants before
 * anything is queued, and so the in-memory twin refuses exactly what the
 * durable store refuses.
 *
 * A write is planned first (all checks, no change), then applied (no checks
 * can fail): a refused write leaves the view untouched.
 *
 * It must never do I/O or hold entry payloads: terms are kept as runs, one
 * (start index, term) pair per term change, so memory follows the number of
 * elections in the retained log, not its length.
 */

import assert from 'node:assert/strict';
import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot, type SnapshotMeta } from '../raft/core/types.ts';
import type { DurableUpTo, RecoveredLog } from './log-store.ts';

/** Inclusive range of log indexes, `from <= to`. */
export interface IndexRange {
  readonly from: number;
  readonly to: number;
}

interface TermRun {
  readonly startIndex: number;
  readonly term: number;
}

export type WritePlan =
  | { readonly kind: 'append'; readonly version: number; readonly entries: readonly Entry[]; readonly hardState: HardState | null; readonly deleted: IndexRange | null }
  | { readonly kind: 'snapshot'; readonly version: number; readonly snapshot: Snapshot; readonly keepsEntries: boolean; readonly deleted: IndexRange | null }
  | { readonly kind: 'compact'; readonly version: number; readonly upToIndex: number; readonly deleted: IndexRange | null };

export class LogView {
  #snapshotIndex = 0;
  #snapshotTerm = 0;
  /** First stored entry; `snapshotIndex + 1` when none is stored. */
  #firstStored = 1;
  /** Last stored entry; `snapshotIndex` when none is stored (so it is always Raft's last index). */
  #lastStored = 0;
  #runs: TermRun[] = [];
  #hardState: HardState = EMPTY_HARD_STATE;
  /** Counts applied writes, so a plan is never applied to a view that moved since it was made. */
  #version = 0;

  static fromRecovered(recovered: RecoveredLog): LogView {
    const view = new LogView();
    const { snapshot, entries, hardState } = recovered;
    if (snapshot !== null) {
      view.#snapshotIndex = snapshot.meta.index;
      view.#snapshotTerm = snapshot.meta.term;
    }
    view.#firstStored = entries[0]?.index ?? view.#snapshotIndex + 1;
    view.#lastStored = entries.at(-1)?.index ?? view.#snapshotIndex;
    assert.ok(view.#firstStored <= view.#snapshotIndex + 1, 'recovered log starts after its snapshot');
    assert.ok(view.#lastStored >= view.#snapshotIndex, 'recovered log ends before its snapshot');
    view.#appendRuns(entries);
    assert.ok(view.term(view.#snapshotIndex) === view.#snapshotTerm, 'recovered log disagrees with its snapshot term');
    assert.ok(hardState.commit <= view.#lastStored, 'recovered commit index beyond the log');
    view.#hardState = hardState;
    return view;
  }

  get version(): number {
    return this.#version;
  }

  /** The hard state of the last accepted write that carried one (or the recovered one). */
  get hardState(): HardState {
    return this.#hardState;
  }

  /** The term of `index`, or undefined if it was compacted away or lies beyond the log. */
  term(index: number): number | undefined {
    if (index >= this.#firstStored && index <= this.#lastStored) return this.#storedTerm(index);
    if (index === this.#snapshotIndex) return this.#snapshotTerm;
    return undefined;
  }

  /** What "durable up to" will report once every accepted write is on disk. */
  lastPoint(): DurableUpTo {
    const term = this.term(this.#lastStored);
    assert.ok(term !== undefined, 'last index has no term');
    return { term, index: this.#lastStored };
  }

  planAppend(entries: readonly Entry[], hardState: HardState | null): WritePlan {
    assert.ok(entries.length > 0 || hardState !== null, 'append needs entries, a hard state, or both');
    let deleted: IndexRange | null = null;
    let newLastIndex = this.#lastStored;
    const first = entries[0];
    if (first !== undefined) {
      assertEntriesWellFormed(entries);
      assert.ok(first.index <= this.#lastStored + 1, `append at ${first.index} leaves a gap after last index ${this.#lastStored}`);
      assert.ok(first.index > this.#snapshotIndex, `append at ${first.index} is inside the snapshot (index ${this.#snapshotIndex})`);
      const previousTerm = this.term(first.index - 1);
      assert.ok(previousTerm !== undefined && first.term >= previousTerm, `append at ${first.index} has term ${first.term} below the previous entry's term ${previousTerm}`);
      newLastIndex = first.index + entries.length - 1;
      this.#assertCommittedUnchanged(entries, newLastIndex);
      if (newLastIndex < this.#lastStored) deleted = { from: newLastIndex + 1, to: this.#lastStored };
    }
    if (hardState !== null) this.#assertHardStateFollows(hardState, newLastIndex);
    return { kind: 'append', version: this.#version, entries, hardState, deleted };
  }

  planSnapshot(snapshot: Snapshot): WritePlan {
    assertSnapshotWellFormed(snapshot.meta);
    assert.ok(snapshot.data instanceof Uint8Array, 'snapshot data must be a Uint8Array');
    const { index, term } = snapshot.meta;
    assert.ok(index > this.#snapshotIndex, `snapshot at ${index} is not newer than the stored one at ${this.#snapshotIndex}`);
    const keepsEntries = index >= this.#firstStored && index <= this.#lastStored && this.#storedTerm(index) === term;
    if (!keepsEntries) {
      assert.ok(this.#hardState.commit < index, `snapshot at ${index} (term ${term}) disagrees with committed entry ${index}`);
    }
    const storesEntries = this.#firstStored <= this.#lastStored;
    const deleted = !keepsEntries && storesEntries ? { from: this.#firstStored, to: this.#lastStored } : null;
    return { kind: 'snapshot', version: this.#version, snapshot, keepsEntries, deleted };
  }

  planCompact(upToIndex: number): WritePlan {
    assert.ok(Number.isSafeInteger(upToIndex) && upToIndex >= 0, `compact index must be a non-negative integer, got ${upToIndex}`);
    assert.ok(upToIndex <= this.#snapshotIndex, `compact to ${upToIndex} would drop entries not covered by the snapshot (index ${this.#snapshotIndex})`);
    const deleted = upToIndex >= this.#firstStored ? { from: this.#firstStored, to: upToIndex } : null;
    return { kind: 'compact', version: this.#version, upToIndex, deleted };
  }

  apply(plan: WritePlan): void {
    assert.equal(plan.version, this.#version, 'write plan is stale: the view changed after it was made');
    this.#version += 1;
    switch (plan.kind) {
      case 'append':
        this.#applyAppend(plan.entries, plan.hardState);
        return;
      case 'snapshot':
        this.#applySnapshot(plan.snapshot.meta, plan.keepsEntries);
        return;
      case 'compact':
        this.#applyCompact(plan.upToIndex);
        return;
    }
  }

  #applyAppend(entries: readonly Entry[], hardState: HardState | null): void {
    const first = entries[0];
    if (first !== undefined) {
      while ((this.#runs.at(-1)?.startIndex ?? 0) >= first.index) this.#runs.pop();
      this.#appendRuns(entries);
      this.#lastStored = first.index + entries.length - 1;
    }
    if (hardState !== null) this.#hardState = hardState;
  }

  #applySnapshot(meta: SnapshotMeta, keepsEntries: boolean): void {
    this.#snapshotIndex = meta.index;
    this.#snapshotTerm = meta.term;
    if (keepsEntries) return;
    this.#firstStored = meta.index + 1;
    this.#lastStored = meta.index;
    this.#runs = [];
  }

  #applyCompact(upToIndex: number): void {
    if (upToIndex < this.#firstStored) return;
    this.#firstStored = upToIndex + 1;
    if (this.#firstStored > this.#lastStored) {
      this.#runs = [];
      return;
    }
    const keepFrom = this.#runIndexOf(this.#firstStored);
    const kept = this.#runs.slice(keepFrom);
    const head = kept[0];
    assert.ok(head !== undefined, 'compaction lost the run of the first kept entry');
    kept[0] = { startIndex: this.#firstStored, term: head.term };
    this.#runs = kept;
  }

  #appendRuns(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (this.#runs.at(-1)?.term !== entry.term) this.#runs.push({ startIndex: entry.index, term: entry.term });
    }
  }

  #storedTerm(index: number): number {
    const run = this.#runs[this.#runIndexOf(index)];
    assert.ok(run !== undefined, `no term run covers stored index ${index}`);
    return run.term;
  }

  /** Binary search: the last run starting at or before `index`. */
  #runIndexOf(index: number): number {
    let low = 0;
    let high = this.#runs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.#runs[middle]?.startIndex ?? Infinity) <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /**
   * Committed entries never change: an append may carry some again (same
   * term, so the same entry by Raft's log matching) but must not give them
   * another term, nor end before the commit index and so cut them off.
   */
  #assertCommittedUnchanged(entries: readonly Entry[], newLastIndex: number): void {
    const commit = this.#hardState.commit;
    const first = entries[0];
    if (first === undefined || first.index > commit) return;
    assert.ok(newLastIndex >= commit, `append ending at ${newLastIndex} would cut committed entries (commit ${commit})`);
    for (const entry of entries) {
      if (entry.index > commit) break;
      assert.ok(this.term(entry.index) === entry.term, `append would rewrite committed entry ${entry.index} (term ${this.term(entry.index)}) with term ${entry.term}`);
    }
  }

  #assertHardStateFollows(next: HardState, lastIndex: number): void {
    const current = this.#hardState;
    assert.ok(isCount(next.term) && isCount(next.vote) && isCount(next.commit), 'hard state fields must be non-negative integers');
    assert.ok(next.term >= current.term, `hard state term goes back from ${current.term} to ${next.term}`);
    const votedInThisTerm = next.term === current.term && current.vote !== 0;
    assert.ok(!votedInThisTerm || next.vote === current.vote, `vote changes from ${current.vote} to ${next.vote} within term ${next.term}`);
    assert.ok(next.commit >= current.commit, `commit index goes back from ${current.commit} to ${next.commit}`);
    assert.ok(next.commit <= lastIndex, `commit index ${next.commit} is beyond the last index ${lastIndex}`);
  }
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function assertEntriesWellFormed(entries: readonly Entry[]): void {
  let previous: Entry | undefined;
  for (const entry of entries) {
    assert.ok(isCount(entry.index) && entry.index >= 1, `entry index must be a positive integer, got ${entry.index}`);
    assert.ok(isCount(entry.term) && entry.term >= 1, `entry term must be a positive integer, got ${entry.term}`);
    assert.ok(entry.kind === 'normal' || entry.kind === 'conf-change', `unknown entry kind ${String(entry.kind)}`);
    assert.ok(entry.data instanceof Uint8Array, `entry ${entry.index} data must be a Uint8Array`);
    if (previous !== undefined) {
      assert.ok(entry.index === previous.index + 1, `entries are not contiguous: ${entry.index} follows ${previous.index}`);
      assert.ok(entry.term >= previous.term, `entry ${entry.index} has term ${entry.term} below the previous entry's ${previous.term}`);
    }
    previous = entry;
  }
}

function assertSnapshotWellFormed(meta: SnapshotMeta): void {
  assert.ok(isCount(meta.index) && meta.index >= 1, `snapshot index must be a positive integer, got ${meta.index}`);
  assert.ok(isCount(meta.term) && meta.term >= 1, `snapshot term must be a positive integer, got ${meta.term}`);
  assert.ok(meta.conf.voters.every(isCount) && meta.conf.learners.every(isCount), 'snapshot membership IDs must be non-negative integers');
}
