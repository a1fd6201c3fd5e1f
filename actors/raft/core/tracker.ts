/**
 * The current membership and everything counted over it: each member's
 * Progress (leader only), the votes of an election, and the quorum
 * questions built on them (commit index, confirmed read round, lease start,
 * "heard from a quorum lately"). Learners have a Progress (they are
 * replicated to) but are never counted: every quorum is over voters.
 *
 * Never decides anything about roles or terms; the Raft state machine asks.
 */
import { invariant } from './errors.ts';
import { isLearner, isVoter } from './membership.ts';
import { Progress } from './progress.ts';
import { majorityValue, voteOutcome } from './quorum.ts';
import type { VoteOutcome } from './quorum.ts';
import type { ConfState, NodeId } from './types.ts';

export class Tracker {
  conf: ConfState;
  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private readonly scratch: number[] = [];
  private readonly matchOf = (id: NodeId): number => this.mustGet(id).match;
  private readonly ackedRoundOf = (id: NodeId): number => this.mustGet(id).ackedRound;
  private readonly ackedStartTickOf = (id: NodeId): number => this.mustGet(id).ackedRoundStartTick;

  constructor(
    conf: ConfState,
    private readonly maxInflightMsgs: number,
  ) {
    this.conf = conf;
  }

  get voters(): readonly NodeId[] {
    return this.conf.voters;
  }

  isVoter(id: NodeId): boolean {
    return isVoter(this.conf, id);
  }

  isLearner(id: NodeId): boolean {
    return isLearner(this.conf, id);
  }

  mustGet(id: NodeId): Progress {
    const pr = this.progress.get(id);
    invariant(pr !== undefined, 'every member has a progress while this member leads');
    return pr;
  }

  /** A new leader starts every member at `nextIndex`, knowing nothing of their logs. */
  resetProgress(nextIndex: number): void {
    this.progress.clear();
    this.reconcileProgress(nextIndex);
  }

  /**
   * After a membership change: new members start probing at `nextIndex`,
   * removed ones are forgotten. Returns the removed members' last progress.
   */
  reconcileProgress(nextIndex: number): Map<NodeId, Progress> {
    const removed = new Map<NodeId, Progress>();
    for (const [id, pr] of this.progress) {
      if (!isVoter(this.conf, id) && !isLearner(this.conf, id)) removed.set(id, pr);
    }
    for (const id of removed.keys()) this.progress.delete(id);
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const existing = this.progress.get(id);
      if (existing) existing.isLearner = isLearner(this.conf, id);
      else this.progress.set(id, new Progress(nextIndex, this.maxInflightMsgs, isLearner(this.conf, id)));
    }
    return removed;
  }

  clearProgress(): void {
    this.progress.clear();
  }

  /** The highest index stored on a majority of voters. */
  committedIndex(): number {
    return majorityValue(this.conf.voters, this.matchOf, this.scratch);
  }

  /** The newest heartbeat round a majority of voters has answered. */
  confirmedRound(): number {
    return majorityValue(this.conf.voters, this.ackedRoundOf, this.scratch);
  }

  /** The latest tick at which a round started that a majority of voters answered (-Infinity if none). */
  leaseStartTick(): number {
    return majorityValue(this.conf.voters, this.ackedStartTickOf, this.scratch);
  }

  /** Whether a majority of voters was heard from since the last reset (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      if (id === self || this.mustGet(id).recentActive) active++;
    }
    return active >= Math.floor(this.conf.voters.length / 2) + 1;
  }

  resetRecentActive(self: NodeId): void {
    for (const [id, pr] of this.progress) pr.recentActive = id === self;
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  voteOutcome(): VoteOutcome {
    return voteOutcome(this.conf.voters, this.votes);
  }

  resetVotes(): void {
    this.votes.clear();
  }
}
