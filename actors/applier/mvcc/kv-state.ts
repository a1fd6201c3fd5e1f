/**
 * The store's data: the key index (B+tree from key to its history), the
 * revision log, the lease attachments, and the current/compacted revisions.
 * Low-level and etcd-agnostic about requests: it records changes, answers
 * "what was visible at revision R", and compacts.
 *
 * Revisions follow etcd: the first write gets revision 2 (an empty store is
 * at revision 1) and the compaction revision starts at -1 ("never").
 *
 * Never: hand out mutable access to histories, or record a change without
 * the log and lease attachments seeing it too.
 */
import { BinaryKeyBTree } from './btree.ts';
import { CompactionJob } from './compaction.ts';
import { compareRevisions, isTombstone, latestLive, visibleAt, type RevisionRecord } from './history.ts';
import type { KeyRange } from './keys.ts';
import { LeaseAttachments } from './lease-attachments.ts';
import { RevisionLog } from './revision-log.ts';

const INITIAL_REVISION = 1;
const NEVER_COMPACTED = -1;

/** What one put or tombstone did. */
export interface Change {
  readonly record: RevisionRecord;
  /** The key's live record just before this change (null: it did not exist). */
  readonly previous: RevisionRecord | null;
  /** The key as a read at revision main - 1 saw it: a change event's prevKv. */
  readonly before: RevisionRecord | null;
}

export class KvState {
  private readonly index = new BinaryKeyBTree<RevisionRecord[]>();
  readonly log = new RevisionLog();
  readonly leases = new LeaseAttachments();
  currentRevision = INITIAL_REVISION;
  compactRevision = NEVER_COMPACTED;
  private compaction: CompactionJob | null = null;

  history(key: string): readonly RevisionRecord[] | undefined {
    return this.index.get(key);
  }

  latestLive(key: string): RevisionRecord | null {
    const history = this.index.get(key);
    return history === undefined ? null : latestLive(history);
  }

  visible(key: string, revision: number): RevisionRecord | null {
    const history = this.index.get(key);
    return history === undefined ? null : visibleAt(history, revision);
  }

  /** Visits the records visible at `revision` in key order until `visit` returns false. */
  forEachVisible(range: KeyRange, revision: number, visit: (record: RevisionRecord) => boolean | void): void {
    if (range.kind === 'single') {
      const record = this.visible(range.key, revision);
      if (record !== null) visit(record);
      return;
    }
    if (range.highExclusive !== null && range.highExclusive <= range.low) return;
    this.index.forRange(range.low, range.highExclusive, (_key, history) => {
      const record = visibleAt(history, revision);
      return record === null ? true : visit(record);
    });
  }

  /**
   * Records a put at (main, sub). A null value or lease keeps the key's
   * current one (ignore_value / ignore_lease); the key must then exist.
   */
  put(key: string, value: string | null, lease: number | null, main: number, sub: number): Change {
    const history = this.index.get(key);
    const previous = history === undefined ? null : latestLive(history);
    if ((value === null || lease === null) && previous === null) throw new Error('mvcc invariant: keeping the value or lease of a key that does not exist');
    const record: RevisionRecord = {
      main,
      sub,
      key,
      value: value ?? (previous as RevisionRecord).value,
      createRevision: previous === null ? main : previous.createRevision,
      version: previous === null ? 1 : previous.version + 1,
      lease: lease ?? (previous as RevisionRecord).lease,
    };
    return this.append(history, record, previous);
  }

  /** Records the deletion of a live key at (main, sub). */
  tombstone(key: string, main: number, sub: number): Change {
    const history = this.index.get(key);
    const previous = history === undefined ? null : latestLive(history);
    if (previous === null) throw new Error('mvcc invariant: tombstone for a key that is not live');
    return this.append(history, { main, sub, key, value: '', createRevision: 0, version: 0, lease: 0 }, previous);
  }

  /** Re-adds a stored record as it was (restore from a snapshot); throws on an impossible sequence. */
  record(record: RevisionRecord): void {
    const history = this.index.get(record.key);
    const previous = history === undefined ? null : latestLive(history);
    if (isTombstone(record) && previous === null) throw new Error('mvcc invariant: tombstone for a key that is not live');
    this.append(history, record, previous);
  }

  private append(existing: RevisionRecord[] | undefined, record: RevisionRecord, previous: RevisionRecord | null): Change {
    let before: RevisionRecord | null = null;
    if (existing === undefined) {
      // A literal of one: most keys keep a single record, and push() on [] would reserve 17 slots.
      this.index.set(record.key, [record]);
    } else {
      const last = existing[existing.length - 1];
      if (last !== undefined && compareRevisions(last, record) >= 0) throw new Error('mvcc invariant: key history out of order');
      before = visibleAt(existing, record.main - 1);
      existing.push(record);
    }
    this.log.append(record);
    if (previous !== null && previous.lease !== 0) this.leases.detach(previous.lease, record.key);
    if (!isTombstone(record) && record.lease !== 0) this.leases.attach(record.lease, record.key);
    return { record, previous, before };
  }

  /**
   * etcd's compaction at `revision` (the caller checked it): takes effect
   * now for every read; the history below it is dropped by `stepCompaction`
   * calls, or all at once by `finishCompaction` (see compaction.ts). A new
   * compaction replaces an unfinished one, whose work so far still counts.
   */
  compact(revision: number): void {
    this.compaction = new CompactionJob(revision, this.index, this.log);
    this.compactRevision = revision;
  }

  /** True while a compaction's history is still being dropped. */
  get compactionPending(): boolean {
    return this.compaction !== null;
  }

  /** One bounded step of the pending compaction; returns true when none is left. */
  stepCompaction(maxItems?: number): boolean {
    if (this.compaction?.step(maxItems) === true) this.compaction = null;
    return this.compaction === null;
  }

  /** Drops the rest of the pending compaction's history now (before listing every retained record). */
  finishCompaction(): void {
    this.compaction?.finish();
    this.compaction = null;
  }
}
