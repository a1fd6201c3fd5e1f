/**
 * The in-memory Raft log of one member: entries after a compaction offset,
 * which of them are durable, which still have to be handed out for
 * persistence, and the commit index. It answers term lookups, the
 * consistency check of an append, conflict search (truncating a
 * conflicting suffix), the up-to-date comparison of elections, and the
 * "where might our logs match" hint of fast backtracking.
 *
 * Layout: entries are kept in chunks, the arrays they arrived in (an append
 * message's batch, or the proposals a leader took between two Readies);
 * `starts[k]` is the index of `chunks[k][0]`. A batch therefore travels
 * leader log -> append message -> follower log -> Ready as one shared array,
 * never copied entry by entry (the hot path of replication). Chunks handed
 * out are never mutated again: the open tail chunk is sealed whenever it is
 * shared. `offsetTerm` is the term at `offset` (the last compacted or
 * snapshotted index), so the entry just before the first kept one can still
 * be matched.
 *
 * Must never truncate a committed entry, lower the commit index, drop an
 * entry that is not yet durable, or mutate an array it has handed out.
 */
import { invariant } from './errors.ts';
import type { Entry, Snapshot } from './types.ts';

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

function payloadBytes(entries: readonly Entry[]): number {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) bytes += (entries[i] as Entry).data.byteLength;
  return bytes;
}

export class RaftLog {
  private offset: number;
  private offsetTerm: number;
  private chunks: (readonly Entry[])[] = [];
  private starts: number[] = [];
  /** Payload bytes of each chunk, so byte-bounded slices skip whole chunks. */
  private chunkBytes: number[] = [];
  private last: number;
  /** The last chunk is private to the log and may still grow (leader proposals). */
  private openTail: Entry[] | null = null;
  /** Indexes of the conf-change entries held, ascending. */
  private confIndexes: number[] = [];
  /** Bumped whenever a conf-change entry enters or leaves the log: the membership in force may have changed. */
  confVersion = 0;
  committed: number;
  /** Entries up to here are durable and identical to the ones in memory. */
  stableIndex: number;
  /** The first index not yet handed out for persistence. */
  unstableFrom: number;
  /** The newest snapshot: what a follower behind `offset` is sent. */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader that the caller must still persist and install. */
  pendingSnapshot: Snapshot | null = null;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], commit: number) {
    this.snapshot = snapshot;
    this.offset = snapshot?.meta.index ?? 0;
    this.offsetTerm = snapshot?.meta.term ?? 0;
    this.last = this.offset;
    const kept = entries.filter((e) => e.index > this.offset);
    let previous: Entry | null = null;
    for (const entry of kept) {
      invariant(entry.index === (previous?.index ?? this.offset) + 1, 'restored entries must be contiguous and start right after the snapshot');
      invariant(entry.term >= (previous?.term ?? this.offsetTerm), 'restored entry terms must never decrease');
      previous = entry;
    }
    if (kept.length > 0) this.pushChunk(kept);
    this.committed = Math.max(commit, this.offset);
    invariant(this.committed <= this.last, 'the restored commit index is beyond the restored log (entries were lost)');
    this.stableIndex = this.last;
    this.unstableFrom = this.last + 1;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.last;
  }

  lastTerm(): number {
    const tail = this.chunks[this.chunks.length - 1];
    return tail === undefined ? this.offsetTerm : (tail[tail.length - 1] as Entry).term;
  }

  /** The chunk holding `index` (offset < index <= last). Usually the tail: checked first. */
  private locate(index: number): number {
    let high = this.chunks.length - 1;
    if ((this.starts[high] as number) <= index) return high;
    let low = 0;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= index) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  private at(index: number): Entry {
    const k = this.locate(index);
    return (this.chunks[k] as readonly Entry[])[index - (this.starts[k] as number)] as Entry;
  }

  /** The term at `index`, or undefined when it is compacted away or beyond the log. */
  termAt(index: number): number | undefined {
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.last) return undefined;
    return this.at(index).term;
  }

  entryAt(index: number): Entry {
    invariant(index > this.offset && index <= this.last, 'entryAt() outside the log');
    return this.at(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.termAt(index) === term;
  }

  /** Election restriction (§5.4.1): is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.last);
  }

  /**
   * Entries [from, to] (inclusive), cut after `maxBytes` of payload but never
   * empty. When the range is exactly one chunk, that chunk itself is returned
   * (shared, read-only); otherwise a new array.
   */
  slice(from: number, to: number, maxBytes: number): readonly Entry[] {
    invariant(from > this.offset && to <= this.last, 'slice() outside the log');
    if (from > to) return NO_ENTRIES;
    const k = this.locate(from);
    const end = this.endWithin(k, from, to, maxBytes);
    const chunk = this.chunks[k] as readonly Entry[];
    const start = this.starts[k] as number;
    if (from === start && end === start + chunk.length) {
      if (chunk === this.openTail) this.openTail = null; // shared from now on: sealed
      return chunk;
    }
    return this.copyRange(k, from, end);
  }

  /** Where [from, to] ends (exclusive) once `maxBytes` of payload are used up; at least one entry. */
  private endWithin(k: number, from: number, to: number, maxBytes: number): number {
    let end = from;
    let bytes = 0;
    for (let c = k; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as readonly Entry[];
      const start = this.starts[c] as number;
      const whole = this.chunkBytes[c] as number;
      if (end === start && start + chunk.length - 1 <= to && bytes + whole <= maxBytes) {
        bytes += whole; // the whole chunk fits: no need to look at its entries
        end += chunk.length;
        continue;
      }
      for (let i = end - start; i < chunk.length; i++) {
        if (end > to) return end;
        const size = (chunk[i] as Entry).data.byteLength;
        if (end > from && bytes + size > maxBytes) return end;
        bytes += size;
        end++;
      }
    }
    return end;
  }

  /** A fresh array of entries [from, end) starting in chunk k. */
  private copyRange(k: number, from: number, end: number): Entry[] {
    const first = this.chunks[k] as readonly Entry[];
    const start = this.starts[k] as number;
    if (end <= start + first.length) return first.slice(from - start, end - start);
    const out: Entry[] = [];
    for (let c = k, index = from; index < end; c++) {
      const chunk = this.chunks[c] as readonly Entry[];
      const chunkStart = this.starts[c] as number;
      for (let i = index - chunkStart; i < chunk.length && index < end; i++, index++) out.push(chunk[i] as Entry);
    }
    return out;
  }

  /** Leader path: the entry must extend the log by exactly one index. */
  appendNew(entry: Entry): void {
    invariant(entry.index === this.last + 1, 'a new entry must take the next index');
    invariant(entry.term >= this.lastTerm(), 'a new entry cannot have an older term than the log');
    let tail = this.openTail;
    if (tail === null) {
      tail = [];
      this.chunks.push(tail);
      this.starts.push(entry.index);
      this.chunkBytes.push(0);
      this.openTail = tail;
    }
    tail.push(entry);
    const k = this.chunkBytes.length - 1;
    this.chunkBytes[k] = (this.chunkBytes[k] as number) + entry.data.byteLength;
    this.last++;
    this.noteConf(entry);
  }

  /**
   * Follower path: `entries` follow `prevIndex`, which matched. Entries
   * already held are skipped; the first one that conflicts truncates our
   * suffix from there (Figure 2, AppendEntries rule 3), the rest are appended.
   */
  appendAfter(prevIndex: number, entries: readonly Entry[]): void {
    const n = entries.length;
    let k = 0;
    for (; k < n; k++) {
      const index = prevIndex + 1 + k;
      if (index > this.last) break;
      if (this.termAt(index) !== (entries[k] as Entry).term) {
        this.truncateAfter(index - 1);
        break;
      }
    }
    if (k === n) return;
    const rest = k === 0 ? entries : entries.slice(k);
    invariant((rest[0] as Entry).index === this.last + 1, 'appended entries must continue the log');
    invariant((rest[rest.length - 1] as Entry).index === this.last + rest.length, 'appended entries must be contiguous');
    invariant((rest[0] as Entry).term >= this.lastTerm(), 'appended entry terms must never decrease');
    this.pushChunk(rest);
  }

  private pushChunk(entries: readonly Entry[]): void {
    this.chunks.push(entries);
    this.starts.push(this.last + 1);
    this.chunkBytes.push(payloadBytes(entries));
    this.openTail = null;
    this.last += entries.length;
    for (let i = 0; i < entries.length; i++) this.noteConf(entries[i] as Entry);
  }

  private noteConf(entry: Entry): void {
    if (entry.kind === 'conf-change') {
      this.confIndexes.push(entry.index);
      this.confVersion++;
    }
  }

  private truncateAfter(index: number): void {
    invariant(index >= this.committed, 'a committed entry can never be truncated');
    while (this.chunks.length > 0 && (this.starts[this.starts.length - 1] as number) > index) {
      this.chunks.pop();
      this.starts.pop();
      this.chunkBytes.pop();
    }
    const k = this.chunks.length - 1;
    if (k >= 0) {
      const chunk = this.chunks[k] as readonly Entry[];
      const keep = index + 1 - (this.starts[k] as number);
      if (keep < chunk.length) {
        const kept = chunk.slice(0, keep); // never cut a shared array in place
        this.chunks[k] = kept;
        this.chunkBytes[k] = payloadBytes(kept);
      }
    }
    this.openTail = null;
    this.last = index;
    this.stableIndex = Math.min(this.stableIndex, index);
    this.unstableFrom = Math.min(this.unstableFrom, index + 1);
    while (this.confIndexes.length > 0 && (this.confIndexes[this.confIndexes.length - 1] as number) > index) {
      this.confIndexes.pop();
      this.confVersion++;
    }
  }

  /** Raises the commit index; it never goes down nor past the last index. */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.last, 'the commit index can never pass the last index');
    this.committed = index;
  }

  /** Payload bytes of the entries of `term` in [from, to]. */
  bytesOfTerm(from: number, to: number, term: number): number {
    let bytes = 0;
    if (from > to) return bytes;
    for (let c = this.locate(from), index = from; index <= to; c++) {
      const chunk = this.chunks[c] as readonly Entry[];
      const start = this.starts[c] as number;
      for (let i = index - start; i < chunk.length && index <= to; i++, index++) {
        const entry = chunk[i] as Entry;
        if (entry.term === term) bytes += entry.data.byteLength;
      }
    }
    return bytes;
  }

  /** The index of the last conf-change entry held at or before `index`, or 0. */
  confIndexAtOrBefore(index: number): number {
    for (let k = this.confIndexes.length - 1; k >= 0; k--) {
      const confIndex = this.confIndexes[k] as number;
      if (confIndex <= index) return confIndex;
    }
    return 0;
  }

  lastConfIndex(): number {
    return this.confIndexes[this.confIndexes.length - 1] ?? 0;
  }

  /**
   * The largest index j <= `index` (and >= the offset) whose term is <= `term`.
   * Terms never decrease along a log, so this is a binary search. Used on both
   * sides of fast backtracking: no index in (j, index] can match a log whose
   * term there is <= `term`.
   */
  findMatchHint(index: number, term: number): number {
    if (index <= this.offset) return index;
    let low = this.offset;
    let high = Math.min(index, this.last);
    if ((this.termAt(high) as number) <= term) return high;
    if (this.offsetTerm > term) return this.offset;
    // termAt(low) <= term < termAt(high)
    while (high - low > 1) {
      const mid = low + Math.floor((high - low) / 2);
      if ((this.termAt(mid) as number) <= term) low = mid;
      else high = mid;
    }
    return low;
  }

  /** Hands out the entries not yet given for persistence. */
  takeUnstable(): readonly Entry[] {
    if (this.unstableFrom > this.last) return NO_ENTRIES;
    const out = this.slice(this.unstableFrom, this.last, Infinity);
    this.unstableFrom = this.last + 1;
    return out;
  }

  /** Everything handed out up to `handedOutLast` is now durable, except what was overwritten since. */
  stableTo(handedOutLast: number): void {
    this.stableIndex = Math.min(handedOutLast, this.unstableFrom - 1);
  }

  /** Replaces the whole log with a snapshot from the leader (its index is beyond our commit). */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    invariant(index > this.committed, 'a snapshot restore must move the commit index forward');
    this.offset = index;
    this.offsetTerm = term;
    this.chunks = [];
    this.starts = [];
    this.chunkBytes = [];
    this.openTail = null;
    this.last = index;
    this.confIndexes = [];
    this.confVersion++;
    this.committed = index;
    this.stableIndex = Math.min(this.stableIndex, index);
    this.unstableFrom = index + 1;
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
  }

  /** Drops the entries up to `newOffset` (only durable ones: the caller clamps to stableIndex). */
  compactTo(newOffset: number): void {
    if (newOffset <= this.offset) return;
    invariant(newOffset <= this.stableIndex && newOffset <= this.committed, 'only durable, committed entries can be compacted');
    this.offsetTerm = this.termAt(newOffset) as number;
    let drop = 0;
    while (drop < this.chunks.length && (this.starts[drop] as number) + (this.chunks[drop] as readonly Entry[]).length - 1 <= newOffset) drop++;
    this.chunks.splice(0, drop);
    this.starts.splice(0, drop);
    this.chunkBytes.splice(0, drop);
    const head = this.chunks[0];
    if (head !== undefined && (this.starts[0] as number) <= newOffset) {
      const cut = newOffset + 1 - (this.starts[0] as number);
      if (head === this.openTail) {
        this.openTail.splice(0, cut); // private to the log: trim in place
      } else {
        this.chunks[0] = head.slice(cut);
      }
      this.starts[0] = newOffset + 1;
      this.chunkBytes[0] = payloadBytes(this.chunks[0] as readonly Entry[]);
    }
    if (this.chunks.length === 0) this.openTail = null;
    this.offset = newOffset;
    this.confIndexes = this.confIndexes.filter((i) => i > newOffset);
  }
}
