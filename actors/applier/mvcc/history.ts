/**
 * One key's history: its revision records in increasing revision order.
 *
 * etcd keeps "generations" per key (a generation runs from a creation to the
 * tombstone that ends it). Here a history is one flat array in which a
 * tombstone record (version 0) closes a generation, which gives the same
 * answers with one array per key instead of one per generation: a read at
 * revision R sees the last record with main <= R, unless it is a tombstone.
 *
 * Never: reorder records; (main, sub) strictly increases. One key gets two
 * records in one revision only through etcd's "from key" delete quirk (see
 * validate.ts), e.g. a put then a delete of it in the same txn.
 */

/** One stored change: a put, or (version 0) a deletion's tombstone. */
export interface RevisionRecord {
  /** The revision of the write (one per txn) ... */
  readonly main: number;
  /** ... and the change's position inside it. */
  readonly sub: number;
  /** Binary string (see keys.ts). */
  readonly key: string;
  /** Binary string; '' for a tombstone. */
  readonly value: string;
  /** 0 for a tombstone. */
  readonly createRevision: number;
  /** 1 for a creation, +1 per later put; 0 marks a tombstone. */
  readonly version: number;
  /** 0: no lease. */
  readonly lease: number;
}

export function isTombstone(record: RevisionRecord): boolean {
  return record.version === 0;
}

/** (main, sub) order: negative when a is older than b. */
export function compareRevisions(a: RevisionRecord, b: RevisionRecord): number {
  return a.main - b.main || a.sub - b.sub;
}

/** Position of the last record with main <= revision, or -1. */
function lastAtOrBefore(history: readonly RevisionRecord[], revision: number): number {
  const last = history.length - 1;
  // Most reads are at the current revision: the newest record answers them.
  if (last >= 0 && (history[last] as RevisionRecord).main <= revision) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((history[mid] as RevisionRecord).main <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The record a read at `revision` sees, or null when the key did not exist then. */
export function visibleAt(history: readonly RevisionRecord[], revision: number): RevisionRecord | null {
  const record = history[lastAtOrBefore(history, revision)];
  return record === undefined || isTombstone(record) ? null : record;
}

/** The newest live record, or null when the key is deleted now. */
export function latestLive(history: readonly RevisionRecord[]): RevisionRecord | null {
  const record = history[history.length - 1];
  return record === undefined || isTombstone(record) ? null : record;
}

/**
 * Compaction at `revision`: generations closed at or before it go; in the
 * generation alive at it, the last record at or before it stays (reads at
 * >= revision still need it) with everything newer. Returns the trimmed
 * history as a new, exactly sized array (an empty one: the key leaves the
 * index), or null when nothing is dropped.
 */
export function compactHistory(history: readonly RevisionRecord[], revision: number): RevisionRecord[] | null {
  const at = lastAtOrBefore(history, revision);
  if (at === -1) return null;
  const dropped = isTombstone(history[at] as RevisionRecord) ? at + 1 : at;
  return dropped === 0 ? null : history.slice(dropped);
}
