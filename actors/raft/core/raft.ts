/**
 * The Raft state machine of one member: term, vote, role, the log and the
 * membership, and the rules every role shares — the term rules of
 * Figure 2, vote granting, role transitions and commit handling. What each
 * role does with a message lives in leader.ts, candidate.ts and
 * follower.ts; the current role's step and tick functions are swapped in
 * on every transition.
 *
 * Internal: RaftNode is the public face. Never performs I/O, reads a clock
 * or calls Math.random: messages go to `msgs`, randomness comes from the
 * injected `random`, time is `tick()`.
 */
import { decodeConfChange } from './conf-change-codec.ts';
import { candidateStep, electionTick } from './candidate.ts';
import { invariant, RaftOptionsError } from './errors.ts';
import { followerStep } from './follower.ts';
import { leaderAfterCommit, leaderAfterProgress, leaderMembershipChanged, leaderStep, leaderTick } from './leader.ts';
import { RaftLog } from './log.ts';
import { confEquals, isVoter, validateConfState } from './membership.ts';
import type { RaftConfig } from './options.ts';
import { ReadOnly } from './read-only.ts';
import { Tracker } from './tracker.ts';
import { NO_NODE } from './types.ts';
import type { ConfState, DurableState, Message, NodeId, ReadState, Role } from './types.ts';

export type StepFn = (r: Raft, m: Message) => void;
type VoteRequest = Extract<Message, { type: 'vote' }>;

/** Vote requests kept for the end of a lease, at most (one per sender; a cluster has few voters). */
const MAX_LEASE_DEFERRED_VOTES = 16;
export type TickFn = (r: Raft) => void;
export type CampaignKind = 'pre-vote' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  term: number;
  vote: NodeId;
  lead: NodeId = NO_NODE;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker: Tracker;
  readonly reads: ReadOnly;
  /** The membership as of the log's offset (snapshot or bootstrap): the base for conf lookups. */
  baseConf: ConfState;
  /** The log's confVersion the membership in force was computed at. */
  private confVersion: number;

  /** Ticks since this member started: the clock of heartbeat rounds and snapshot retries. */
  ticks = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeoutTicks = 0;

  // Leader-only state, reset on every transition.
  transferee: NodeId = NO_NODE;
  transferElapsed = 0;
  /** A timeout-now went out this term: another member may win without waiting out our lease. */
  leaseRevoked = false;
  committedInTerm = false;
  uncommittedBytes = 0;

  /**
   * Vote requests the lease guard held back, by sender. They are answered
   * when the lease runs out (see redeliverLeaseDeferredVotes), and dropped when the leader
   * is heard from again or the term moves.
   */
  readonly leaseDeferredVotes = new Map<NodeId, VoteRequest>();

  msgs: Message[] = [];
  readStates: ReadState[] = [];
  stepRole: StepFn = followerStep;
  tickRole: TickFn = electionTick;

  constructor(cfg: RaftConfig, durable: DurableState) {
    this.id = cfg.id;
    this.cfg = cfg;
    const { hardState, snapshot } = durable;
    for (const [name, value] of [['term', hardState.term], ['vote', hardState.vote], ['commit', hardState.commit]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RaftOptionsError(`hardState.${name}`, `must be a non-negative integer, got ${String(value)}`);
    }
    const conf = validateConfState(durable.conf, 'conf');
    if (snapshot !== null && !confEquals(conf, snapshot.meta.conf)) {
      throw new RaftOptionsError('conf', "must equal the snapshot's conf (the membership the log starts from)");
    }
    this.baseConf = conf;
    this.log = new RaftLog(snapshot, durable.entries, hardState.commit);
    this.tracker = new Tracker(this.confAt(this.log.lastIndex()), cfg.maxInflightMsgs);
    this.confVersion = this.log.confVersion;
    this.reads = new ReadOnly(cfg.maxPendingReadIndex);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(this.term, NO_NODE);
  }

  send(m: Message): void {
    this.msgs.push(m);
  }

  /**
   * Whether this member may campaign: a voter of its newest membership, or a
   * voter removed by a change that is not committed yet — it may still be
   * needed to commit it (dissertation §4.2.2). Its own vote then does not
   * count: elections count the newest membership's voters only.
   */
  promotable(): boolean {
    if (this.tracker.isVoter(this.id)) return true;
    const confIndex = this.log.lastConfIndex();
    return confIndex > this.log.committed && isVoter(this.confAt(confIndex - 1), this.id);
  }

  /** The membership given by the log up to `index`: its last conf-change entry at or before it, else the base. */
  confAt(index: number): ConfState {
    const confIndex = this.log.confIndexAtOrBefore(index);
    return confIndex === 0 ? this.baseConf : decodeConfChange(this.log.entryAt(confIndex).data).conf;
  }

  /**
   * Every member uses the newest membership in its log, committed or not
   * (one-server changes, Raft dissertation §4.1): called after anything
   * that may add or remove a conf-change entry.
   */
  refreshConf(): void {
    if (this.log.confVersion === this.confVersion) return;
    this.confVersion = this.log.confVersion;
    this.tracker.conf = this.confAt(this.log.lastIndex());
    this.membershipChanged();
  }

  step(m: Message): void {
    invariant(m.to === this.id, 'a message was delivered to the wrong member');
    if (m.type === 'propose' || m.type === 'read-index') {
      // Forwarded requests carry no term: only a leader takes them, others drop them (no re-forwarding loops).
      if (this.role === 'leader') this.stepRole(this, m);
      return;
    }
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.answerLowerTerm(m);
      return;
    }
    if (m.type === 'vote') this.handleVoteRequest(m);
    else if (m.type === 'read-index-response') {
      if (this.role !== 'leader') this.readStates.push({ index: m.index, context: m.context });
    } else this.stepRole(this, m);
  }

  /** Figure 2: a higher term makes us a follower of it. Returns false when the message must be ignored. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === 'vote') {
      // Leader lease guard: while we hear from a leader we do not help anyone depose it,
      // unless the leader itself asked for the election (transfer).
      const inLease = this.cfg.checkQuorum && this.lead !== NO_NODE && this.electionElapsed < this.cfg.electionTimeoutTicks;
      if (inLease && !m.transfer) {
        // A leader has no lease of its own to outlive: only a follower answers later.
        const keep = this.role !== 'leader' && (this.leaseDeferredVotes.has(m.from) || this.leaseDeferredVotes.size < MAX_LEASE_DEFERRED_VOTES);
        if (keep) this.leaseDeferredVotes.set(m.from, m);
        return false;
      }
      if (m.pre) return true; // a pre-vote never changes our term
    }
    if (m.type === 'vote-response' && m.pre && m.granted) return true; // the future term we asked about
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
    return true;
  }

  private answerLowerTerm(m: Message): void {
    if (m.type === 'append' || m.type === 'heartbeat') {
      // Figure 2: refuse, naming our term, so a deposed leader steps down. (Ignoring it
      // would leave a leader of an old term stuck whenever we cannot campaign ourselves:
      // a learner, a removed member, or a pre-vote that cannot win.)
      this.send({ type: 'append-response', from: this.id, to: m.from, term: this.term, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'vote' && m.pre) {
      this.send({ type: 'vote-response', from: this.id, to: m.from, term: this.term, pre: true, granted: false });
    }
  }

  /** Figure 2 RequestVote: one vote per term, only for a log at least as up to date as ours. */
  private handleVoteRequest(m: Extract<Message, { type: 'vote' }>): void {
    const canVote =
      this.vote === m.from || (this.vote === NO_NODE && this.lead === NO_NODE) || (m.pre && m.term > this.term);
    const granted = canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm);
    if (granted && !m.pre) {
      invariant(this.vote === NO_NODE || this.vote === m.from, 'one vote per term');
      this.vote = m.from;
      this.electionElapsed = 0;
    }
    // A granted pre-vote answers in the candidate's future term; anything else in ours.
    this.send({ type: 'vote-response', from: this.id, to: m.from, term: granted ? m.term : this.term, pre: m.pre, granted });
  }

  tick(): void {
    this.ticks++;
    this.tickRole(this);
  }

  /**
   * The lease ran out without word from the leader: answer the vote requests
   * it held back as if they arrived now (a delayed delivery, which Raft
   * allows). Without this, a candidate whose timer fired a moment before
   * ours — same silence, another tick phase — waits out a whole new
   * randomized timeout, or splits the vote with us when we campaign too.
   */
  redeliverLeaseDeferredVotes(): void {
    if (this.leaseDeferredVotes.size === 0) return;
    const deferred = [...this.leaseDeferredVotes.values()];
    this.leaseDeferredVotes.clear();
    for (const m of deferred) this.step(m);
  }

  private reset(term: number): void {
    invariant(term >= this.term, 'the term never decreases');
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.leaseDeferredVotes.clear();
    this.resetRandomizedElectionTimeout();
    this.tracker.resetVotes();
    this.tracker.clearProgress();
    this.reads.reset();
    this.transferee = NO_NODE;
    this.transferElapsed = 0;
    this.leaseRevoked = false;
    this.committedInTerm = false;
    this.uncommittedBytes = 0;
  }

  resetRandomizedElectionTimeout(): void {
    const r = this.cfg.random();
    invariant(r >= 0 && r < 1, 'random() must return a number in [0, 1)');
    const t = this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeoutTicks = t + Math.floor(r * t);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = this.tracker.isLearner(this.id) ? 'learner' : 'follower';
    this.stepRole = followerStep;
    this.tickRole = electionTick;
  }

  becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'a leader never becomes a pre-candidate');
    // Term and vote stay as they are: a pre-vote only asks whether an election could be won.
    this.tracker.resetVotes();
    this.lead = NO_NODE;
    this.resetRandomizedElectionTimeout();
    this.role = 'pre-candidate';
    this.stepRole = candidateStep;
    this.tickRole = electionTick;
  }

  becomeCandidate(): void {
    invariant(this.role !== 'leader', 'a leader never becomes a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepRole = candidateStep;
    this.tickRole = electionTick;
  }

  becomeLeader(): void {
    invariant(this.role === 'candidate', 'only a candidate becomes leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.stepRole = leaderStep;
    this.tickRole = leaderTick;
    const log = this.log;
    this.tracker.resetProgress(log.lastIndex() + 1);
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) {
      self.maybeUpdate(log.stableIndex);
      self.recentActive = true;
    }
    // The no-op of §8: entries of earlier terms commit only once one of ours does.
    log.appendNew({ term: this.term, index: log.lastIndex() + 1, kind: 'normal', data: new Uint8Array(0) });
  }

  /** Starts an election (or a pre-vote). Only voters campaign. */
  campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.voteOutcome() === 'won') {
      // A single voter wins on its own vote.
      if (kind === 'pre-vote') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const voter of this.tracker.voters) {
      if (voter === this.id) continue;
      this.send({ type: 'vote', from: this.id, to: voter, term: voteTerm, pre: kind === 'pre-vote', lastIndex, lastTerm, transfer: kind === 'transfer' });
    }
  }

  commitTo(index: number): void {
    const before = this.log.committed;
    if (index <= before) return;
    this.log.commitTo(index);
    if (this.role === 'leader') leaderAfterCommit(this, before);
  }

  /** Adopts a new membership (a conf-change entry entered or left the log, or a snapshot was installed). */
  membershipChanged(): void {
    switch (this.role) {
      case 'leader':
        leaderMembershipChanged(this);
        return;
      case 'pre-candidate':
      case 'candidate':
        if (!this.promotable()) this.becomeFollower(this.term, NO_NODE);
        return;
      default:
        this.role = this.tracker.isLearner(this.id) ? 'learner' : 'follower';
    }
  }

  /** The caller persisted everything handed out so far (advance()). */
  persisted(): void {
    if (this.role !== 'leader') return;
    // The leader's own log counts toward a quorum only once it is durable.
    // (A leader removing itself has no progress of its own: it no longer counts.)
    const self = this.tracker.progress.get(this.id);
    if (self?.maybeUpdate(this.log.stableIndex)) leaderAfterProgress(this);
  }
}

