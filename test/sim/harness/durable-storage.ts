/**
 * One member's simulated disk: what the member persisted from each Ready
 * (hard state, snapshot, log entries). A crash keeps exactly this and loses
 * everything else, so a core that sends before it persists is caught.
 *
 * Must never accept a log with a gap or an entry below the snapshot: those
 * would be caller bugs that hide core bugs, so they throw.
 */
import type { Entry, HardState, Snapshot } from '../../../actors/raft/core/types.ts';

export interface PersistRequest {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export class DurableStorage {
  private hard: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot | null = null;
  private log: Entry[] = [];

  get hardState(): HardState {
    return this.hard;
  }

  get snapshot(): Snapshot | null {
    return this.snap;
  }

  /** Entries after the snapshot, contiguous. */
  get entries(): readonly Entry[] {
    return this.log;
  }

  get snapshotIndex(): number {
    return this.snap === null ? 0 : this.snap.meta.index;
  }

  get lastIndex(): number {
    const last = this.log[this.log.length - 1];
    return last === undefined ? this.snapshotIndex : last.index;
  }

  get lastTerm(): number {
    const last = this.log[this.log.length - 1];
    if (last !== undefined) return last.term;
    return this.snap === null ? 0 : this.snap.meta.term;
  }

  /** The entry at `index`, or undefined when compacted away or beyond the log. */
  entry(index: number): Entry | undefined {
    return this.log[index - this.snapshotIndex - 1];
  }

  persist(request: PersistRequest): void {
    if (request.snapshot !== null) this.installSnapshot(request.snapshot);
    if (request.entries.length > 0) this.append(request.entries);
    if (request.hardState !== null) {
      if (request.hardState.term < this.hard.term) {
        throw new Error(`persisted term went back from ${this.hard.term} to ${request.hardState.term}`);
      }
      this.hard = request.hardState;
    }
  }

  /** The member compacted its log up to a snapshot it took itself. */
  compact(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    if (index <= this.snapshotIndex) return;
    if (index > this.lastIndex) throw new Error(`cannot compact to ${index} beyond the last index ${this.lastIndex}`);
    const atIndex = this.entry(index);
    if (atIndex === undefined || atIndex.term !== snapshot.meta.term) throw new Error(`snapshot ${index}@${snapshot.meta.term} does not match the log`);
    this.log = this.log.slice(index - this.snapshotIndex);
    this.snap = snapshot;
  }

  private installSnapshot(snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.snapshotIndex) throw new Error(`snapshot ${snapshot.meta.index} is not newer than ${this.snapshotIndex}`);
    this.snap = snapshot;
    this.log = [];
  }

  private append(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first <= this.snapshotIndex) throw new Error(`entry ${first} is at or below the snapshot ${this.snapshotIndex}`);
    if (first > this.lastIndex + 1) throw new Error(`entry ${first} leaves a gap after ${this.lastIndex}`);
    entries.forEach((entry, i) => {
      if (entry.index !== first + i) throw new Error(`entries are not contiguous at ${entry.index}`);
    });
    this.log = this.log.slice(0, first - this.snapshotIndex - 1).concat(entries);
  }
}
