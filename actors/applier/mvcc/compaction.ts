/**
 * The physical half of a compaction, done in bounded steps.
 *
 * Compaction is logical at once: the store's compaction revision moves when
 * the Compact entry is applied, and from then on every read, watch and
 * refusal follows it. Dropping the history below it is only housekeeping,
 * and on a large store it is long: walking 1,000,000 keys with two revisions
 * each took 3.8 s on the 2-core test machine (`.scratch`-style timing of
 * KvState.compact, loaded), a stall of the applier, of every watch and, with
 * the member's actors on one thread, of Raft's heartbeats. So, as etcd does
 * (it deletes in batches of --experimental-compaction-batch-limit keys), the
 * applier calls `step` between messages until the job is done.
 *
 * Nothing observable depends on how far a job got: a read at or above the
 * compaction revision sees the same record whether the older ones are gone
 * yet or not, and the things that list every retained record (HashKV, the
 * snapshot) call `finish` first, so members that pruned at different speeds
 * still agree byte for byte.
 *
 * Two phases, each resumable: (1) the key walk trims each key's history in
 * key order from a cursor; (2) once every key is trimmed, the revision log's
 * prefix up to the compaction revision is filtered to the records a history
 * still starts with, into a new array that replaces the prefix at the end.
 * The prefix cannot change meanwhile: new records go after it, and a later
 * compaction starts a new job instead of touching this one's state.
 */
import type { BinaryKeyBTree } from './btree.ts';
import { compactHistory, type RevisionRecord } from './history.ts';
import type { RevisionLog } from './revision-log.ts';

/** Keys trimmed, or log records filtered, per step: about a millisecond of work each. */
export const COMPACTION_STEP_ITEMS = 10_000;

export class CompactionJob {
  /** The next key to trim (the walk resumes at or after it); null once the key walk is done. */
  private nextKey: string | null = '';
  /** Phase 2: the prefix's length when it started, the position reached, and the survivors so far. */
  private prefixEnd = -1;
  private position = 0;
  private readonly survivors: RevisionRecord[] = [];
  private done = false;

  constructor(
    readonly revision: number,
    private readonly index: BinaryKeyBTree<RevisionRecord[]>,
    private readonly log: RevisionLog,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  /** Does at most `maxItems` keys' or records' worth of work; returns true when the job is finished. */
  step(maxItems: number = COMPACTION_STEP_ITEMS): boolean {
    if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
    if (this.done) return true;
    if (this.nextKey !== null) this.trimKeys(maxItems);
    else this.filterLog(maxItems);
    return this.done;
  }

  /** Runs every remaining step now. */
  finish(): void {
    while (!this.step(Number.MAX_SAFE_INTEGER));
  }

  private trimKeys(maxItems: number): void {
    const batch: [string, RevisionRecord[]][] = [];
    this.index.forRange(this.nextKey as string, null, (key, history) => {
      batch.push([key, history]);
      return batch.length < maxItems;
    });
    // The tree is changed after the walk, never during it.
    for (const [key, history] of batch) {
      const trimmed = compactHistory(history, this.revision);
      if (trimmed === null) continue;
      if (trimmed.length === 0) this.index.delete(key);
      else this.index.set(key, trimmed);
    }
    const last = batch[batch.length - 1];
    // The smallest key greater than `last`: the walk resumes right after it.
    this.nextKey = batch.length < maxItems || last === undefined ? null : `${last[0]}\u0000`;
  }

  private filterLog(maxItems: number): void {
    if (this.prefixEnd === -1) this.prefixEnd = this.log.firstAtOrAfter(this.revision + 1);
    const records = this.log.all();
    const end = Math.min(this.prefixEnd, this.position + maxItems);
    for (; this.position < end; this.position++) {
      const record = records[this.position] as RevisionRecord;
      // After the key walk, a record at or below the revision survives only as the first of its key's history.
      if (this.index.get(record.key)?.[0] === record) this.survivors.push(record);
    }
    if (this.position < this.prefixEnd) return;
    this.log.replacePrefix(this.revision, this.survivors);
    this.done = true;
  }
}
