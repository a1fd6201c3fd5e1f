/**
 * One write transaction: every change it makes shares one main revision
 * (beginRevision + 1) with increasing sub revisions, and the store's
 * revision moves only if something changed (etcd's storeTxnWrite).
 *
 * Changes reach the key index at once, so later ops of the same txn read
 * them; the current revision moves at `commit`. Callers run every check that
 * can fail before the first change: a failure after it is a broken
 * invariant, not a refusal.
 *
 * Never: outlive one apply step, or interleave with another WriteTxn.
 */
import { changeEvent } from './events.ts';
import type { RevisionRecord } from './history.ts';
import type { KeyRange } from './keys.ts';
import type { Change, KvState } from './kv-state.ts';
import type { ChangeEvent } from './types.ts';

export class WriteTxn {
  readonly beginRevision: number;
  private changeCount = 0;
  private committed = false;
  readonly events: ChangeEvent[] = [];

  constructor(private readonly state: KvState) {
    this.beginRevision = state.currentRevision;
  }

  get changed(): boolean {
    return this.changeCount > 0;
  }

  /** The revision reads inside the txn see: its own changes once it has any. */
  get readRevision(): number {
    return this.beginRevision + (this.changed ? 1 : 0);
  }

  /**
   * Puts `key`; a null value or lease keeps the current one. Returns the
   * key's live record before the put (null when it did not exist).
   */
  put(key: string, value: string | null, lease: number | null): RevisionRecord | null {
    this.assertOpen();
    return this.noteChange(this.state.put(key, value, lease, this.beginRevision + 1, this.changeCount));
  }

  /** Deletes the keys of `range` live now (including this txn's puts); returns how many. */
  deleteRange(range: KeyRange): number {
    this.assertOpen();
    const doomed: string[] = [];
    this.state.forEachVisible(range, this.readRevision, (record) => {
      doomed.push(record.key);
    });
    for (const key of doomed) this.noteChange(this.state.tombstone(key, this.beginRevision + 1, this.changeCount));
    return doomed.length;
  }

  private noteChange(change: Change): RevisionRecord | null {
    this.changeCount++;
    this.events.push(changeEvent(change.record, change.before));
    return change.previous;
  }

  private assertOpen(): void {
    if (this.committed) throw new Error('mvcc invariant: write after commit');
  }

  /** Ends the txn; returns the revision its response reports. */
  commit(): number {
    if (this.committed) throw new Error('mvcc invariant: txn committed twice');
    this.committed = true;
    if (this.changed) this.state.currentRevision = this.beginRevision + 1;
    return this.state.currentRevision;
  }
}
