/**
 * What the leader knows about one member's log, and how it may send to it:
 *
 *   probe      unsure where the follower's log matches: one append at a
 *              time, then wait for its answer (or a heartbeat response);
 *   replicate  the follower is keeping up: appends are pipelined,
 *              optimistically advancing `next`, up to the in-flight window;
 *   snapshot   the follower needs entries the log no longer holds: a
 *              snapshot was sent, nothing else is until it is acknowledged
 *              (or `snapshotRetryTicks` pass).
 *
 * Also the per-member facts other units need: recent activity (CheckQuorum)
 * and the newest heartbeat round it acknowledged (ReadIndex, leases).
 * Pure bookkeeping: it never builds or sends a message itself.
 */
import { invariant } from './errors.ts';
import { Inflights } from './inflights.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and unanswered. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshotIndex = 0;
  snapshotSentAtTick = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Highest commit index already told to this member. */
  sentCommit = 0;
  /** Newest heartbeat round this member answered, and the tick that round started at. */
  ackedRound = 0;
  ackedRoundStartTick = 0;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflightMsgs: number,
    public isLearner: boolean,
  ) {
    invariant(next >= 1, 'progress next index starts at 1 or later');
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  becomeProbe(): void {
    // Coming back from a snapshot: the follower may have installed it, so
    // probe just past it first; a rejection walks back from there.
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshotIndex + 1) : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.inflights.reset();
  }

  becomeSnapshot(snapshotIndex: number, nowTick: number): void {
    this.state = 'snapshot';
    this.pendingSnapshotIndex = snapshotIndex;
    this.snapshotSentAtTick = nowTick;
    this.next = snapshotIndex + 1;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** The follower stores everything up to `index`. Returns whether `match` moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    if (this.next <= index) this.next = index + 1;
    return updated;
  }

  /**
   * The follower rejected an append whose previous index was `rejected`;
   * `nextHint` is where the leader's log search says the logs may match
   * (+1). Returns false for a stale rejection (one answering an older send).
   */
  maybeDecrTo(rejected: number, nextHint: number): boolean {
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, nextHint), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Accounts for an append carrying `entryCount` entries up to `lastIndex`. */
  sentAppend(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else {
      invariant(this.state === 'probe', 'appends are never sent while a snapshot is pending');
      this.probeSent = true;
    }
  }

  /** A heartbeat response arrived: the member is alive, so probing may resume and a full window may move. */
  heardHeartbeatResponse(): void {
    this.recentActive = true;
    this.probeSent = false;
    if (this.state === 'replicate' && this.inflights.full) this.inflights.freeFirstOne();
  }

  isPaused(): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'replicate') return this.inflights.full;
    return true;
  }
}
