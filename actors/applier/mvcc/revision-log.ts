/**
 * Every retained revision record of the store in (main, sub) order: what a
 * watch replays from, what HashKV hashes and what a snapshot serialises.
 * The key index and this log hold the same record objects; a record is in
 * the log exactly when it is in its key's history, except while a
 * compaction's job runs: the log's prefix then still holds records the
 * histories already dropped, until the job's last step (compaction.ts).
 *
 * Never: accept a record out of order (the append asserts it).
 */
import { compareRevisions, type RevisionRecord } from './history.ts';

export class RevisionLog {
  private records: RevisionRecord[] = [];

  get length(): number {
    return this.records.length;
  }

  append(record: RevisionRecord): void {
    const last = this.records[this.records.length - 1];
    if (last !== undefined && compareRevisions(last, record) >= 0) {
      throw new Error(`mvcc invariant: revision (${record.main},${record.sub}) appended after (${last.main},${last.sub})`);
    }
    this.records.push(record);
  }

  /** Position of the first record with main >= revision (length when none). */
  firstAtOrAfter(revision: number): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as RevisionRecord).main < revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The records with main <= revision, oldest first (compaction walks them). */
  prefixUpTo(revision: number): readonly RevisionRecord[] {
    return this.records.slice(0, this.firstAtOrAfter(revision + 1));
  }

  /**
   * After compaction at `revision`: the records with main <= revision become
   * `kept` (the survivors, which must be sorted and all <= revision).
   */
  replacePrefix(revision: number, kept: readonly RevisionRecord[]): void {
    const end = this.firstAtOrAfter(revision + 1);
    for (let i = 1; i < kept.length; i++) {
      if (compareRevisions(kept[i - 1] as RevisionRecord, kept[i] as RevisionRecord) >= 0) throw new Error('mvcc invariant: kept records out of order');
    }
    const lastKept = kept[kept.length - 1];
    if (lastKept !== undefined && lastKept.main > revision) throw new Error('mvcc invariant: kept record newer than the compaction');
    this.records = kept.concat(this.records.slice(end));
  }

  all(): readonly RevisionRecord[] {
    return this.records;
  }
}
