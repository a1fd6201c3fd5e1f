/**
 * Turns stored records into the public shapes: KeyValue for reads and
 * ChangeEvent for the watch hub, and replays history for a watch that starts
 * in the past.
 *
 * A change event's prevKv is the key as it was just before the change's
 * revision (etcd reads it at revision - 1), so it is absent when that
 * revision is compacted or the key did not exist then.
 *
 * Never: share a stored string's bytes with callers (every KeyValue gets
 * fresh Uint8Arrays).
 */
import { MvccError } from './errors.ts';
import { isTombstone, visibleAt, type RevisionRecord } from './history.ts';
import { rangeContains, toBytes, type KeyRange } from './keys.ts';
import type { KvState } from './kv-state.ts';
import type { ChangeEvent, KeyValue } from './types.ts';

export function toKeyValue(record: RevisionRecord, keysOnly = false): KeyValue {
  return {
    key: toBytes(record.key),
    createRevision: record.createRevision,
    modRevision: record.main,
    version: record.version,
    value: keysOnly ? new Uint8Array(0) : toBytes(record.value),
    lease: record.lease,
  };
}

/** The event for `record`; `before` is the key as revision main - 1 saw it. */
export function changeEvent(record: RevisionRecord, before: RevisionRecord | null): ChangeEvent {
  const prevKv = before === null ? null : toKeyValue(before);
  if (!isTombstone(record)) return { type: 'put', kv: toKeyValue(record), prevKv };
  return {
    type: 'delete',
    kv: { key: toBytes(record.key), createRevision: 0, modRevision: record.main, version: 0, value: new Uint8Array(0), lease: 0 },
    prevKv,
  };
}

/** A stored record's event, for replay: prevKv is absent when revision main - 1 is compacted. */
function replayEvent(state: KvState, record: RevisionRecord): ChangeEvent {
  const history = state.history(record.key);
  if (history === undefined) throw new Error('mvcc invariant: logged record of an unindexed key');
  const beforeRevision = record.main - 1;
  return changeEvent(record, beforeRevision < state.compactRevision ? null : visibleAt(history, beforeRevision));
}

export interface EventPage {
  /** Events in revision order; a revision's events are never split across pages. */
  readonly events: readonly ChangeEvent[];
  /** Where the next page starts: currentRevision + 1 once caught up. */
  readonly nextRevision: number;
}

/**
 * At exactly the compaction revision, compaction keeps only what a read there
 * sees: the key's last record at that revision, if it is not a deletion (a txn
 * may put and then delete a key in one revision). The others may still be
 * stored while the compaction's job runs, and a replay must not depend on
 * that. (A start below the compaction revision is refused, so no older record
 * is ever a candidate.)
 */
function droppedByCompaction(state: KvState, record: RevisionRecord): boolean {
  return record.main === state.compactRevision && state.visible(record.key, record.main) !== record;
}

/**
 * Past events for keys in `range` from `startRevision` on, at most about
 * `maxEvents` (a single revision's events are kept together, so a page can
 * exceed it by one revision's worth). A start below the compaction revision
 * gets etcd's compacted error carrying that revision.
 */
export function eventsSince(state: KvState, range: KeyRange, startRevision: number, maxEvents: number): EventPage {
  if (!Number.isSafeInteger(startRevision) || startRevision < 1) throw new RangeError(`startRevision must be a positive integer, got ${startRevision}`);
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) throw new RangeError(`maxEvents must be a positive integer, got ${maxEvents}`);
  if (startRevision < state.compactRevision) throw new MvccError('compacted', state.compactRevision);
  // A single key's history is usually far shorter than the whole log.
  const candidates: readonly RevisionRecord[] =
    range.kind === 'single' ? (state.history(range.key) ?? []).filter((record) => record.main >= startRevision) : state.log.all();
  const events: ChangeEvent[] = [];
  let lastMain = -1;
  for (let position = range.kind === 'single' ? 0 : state.log.firstAtOrAfter(startRevision); position < candidates.length; position++) {
    const record = candidates[position] as RevisionRecord;
    if (events.length >= maxEvents && record.main !== lastMain) return { events, nextRevision: record.main };
    lastMain = record.main;
    if (rangeContains(range, record.key) && !droppedByCompaction(state, record)) events.push(replayEvent(state, record));
  }
  return { events, nextRevision: Math.max(startRevision, state.currentRevision + 1) };
}
