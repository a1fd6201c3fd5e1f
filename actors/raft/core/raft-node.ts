/**
 * RaftNode: the public face of Conclave's pure Raft core.
 *
 * API summary
 * -----------
 *   const node = new RaftNode(
 *     { id, random, electionTimeoutTicks = 10, heartbeatTimeoutTicks = 1, preVote = true,
 *       checkQuorum = true, maxInflightMsgs = 256, maxSizePerMsgBytes = 1 MiB,
 *       maxUncommittedEntriesBytes = 64 MiB, leaseRead = false, forwardProposals = false, … },
 *     { hardState, snapshot, entries, conf, appliedIndex? },   // DurableState (types.ts)
 *   );
 *   A fresh cluster: hardState EMPTY_HARD_STATE, snapshot null, entries [], conf with every
 *   initial voter. A member joining a running cluster: an empty conf.
 *
 * In (synchronous; never blocks, never does I/O, never reads a clock):
 *   step(message)                    a Message from a peer
 *   tick()                           one logical tick (elections, heartbeats, CheckQuorum)
 *   propose(data) -> index           leader: the log index the entry got; a follower with
 *                                    forwardProposals forwards it to the leader and returns 0
 *   readIndex(context)               linearizable read; answered by a ReadState (same context)
 *   proposeConfChange(change) -> index   one server at a time
 *   transferLeadership(to)
 *   compact(index, data) -> Snapshot the state machine snapshotted at `index` (<= applied)
 * Out:
 *   hasReady(); ready(): Ready; advance()   see Ready in types.ts for what to do, in order
 *   status(), softState(), termAt(index), progressOf(member)   inspection (tests, metrics, simulator)
 * Errors (errors.ts): NotLeaderError (carries the known leader), TransferInProgressError,
 *   ConfChangeInProgressError, ProposalDroppedError, InvalidConfChangeError,
 *   InvalidTransferTargetError, RaftOptionsError, InvariantError (a broken rule: stop the member).
 *
 * Guarantees and choices
 * ----------------------
 * - Persist before send: a Ready's messages may only leave after its hard state, snapshot
 *   and entries are durable. The leader counts its own log toward a quorum only after
 *   advance() confirmed it durable.
 * - No new Ready is handed out before advance(); step/tick/propose may be called in between.
 * - Membership changes, one server at a time (Raft dissertation §4.1): a member uses the
 *   newest membership in its log, committed or not, from the moment the entry is appended
 *   (and falls back if the entry is truncated). Each conf-change entry carries the
 *   membership it produces (conf-change-codec.ts), so the log alone rebuilds it. The
 *   application sees the entry again in committedEntries (to update its peer list).
 *   A leader refuses a new change while one is uncommitted, and before it committed an
 *   entry of its own term. A leader removing itself leads without counting itself until
 *   the change commits, then steps down; a removed member may still campaign while its
 *   removal is uncommitted (it may be needed to commit it), never afterwards.
 *   Why not "in force when committed" (etcd's way): with a leader removing itself, the
 *   remaining voter can be left needing the vote of a member that no longer campaigns;
 *   test/raft/safety.test.ts found exactly that deadlock.
 * - Learners never campaign and are never counted in a quorum. A learner does answer a
 *   vote request: a candidate only asks members its (newer) membership made voters.
 * - Proposals on a follower throw NotLeaderError unless forwardProposals is on; forwarded
 *   proposals and reads can be lost (the caller times out and retries).
 * - Reads waiting on a leader that loses leadership are dropped, never answered wrongly.
 * - Lease reads (leaseRead) are clock-dependent: see options.ts.
 */
import { invariant, NotLeaderError } from './errors.ts';
import { leaderFlush, leaderPropose, leaderProposeConfChange, leaderReadIndex, leaderTransfer } from './leader.ts';
import { normalizeOptions } from './options.ts';
import type { RaftOptions } from './options.ts';
import type { ProgressState } from './progress.ts';
import { Raft } from './raft.ts';
import { NO_NODE } from './types.ts';
import type { ConfChange, ConfState, DurableState, Entry, HardState, Message, NodeId, Ready, Role, Snapshot, SoftState } from './types.ts';

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly role: Role;
  readonly leader: NodeId;
  readonly commit: number;
  /** Highest index handed out in committedEntries and confirmed by advance(). */
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Index of the newest snapshot this member holds (0 if none). */
  readonly snapshotIndex: number;
  readonly conf: ConfState;
  /** The member leadership is being transferred to, or NO_NODE. */
  readonly transferee: NodeId;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
}

interface Outstanding {
  readonly handedOutLast: number;
  readonly appliedTo: number;
  readonly snapshot: Snapshot | null;
}

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

export class RaftNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private applied: number;
  private outstanding: Outstanding | null = null;

  constructor(options: RaftOptions, durable: DurableState) {
    const cfg = normalizeOptions(options);
    this.raft = new Raft(cfg, durable);
    const r = this.raft;
    const snapshotIndex = durable.snapshot?.meta.index ?? 0;
    const applied = durable.appliedIndex ?? snapshotIndex;
    invariant(applied >= snapshotIndex && applied <= r.log.committed, 'appliedIndex must lie between the snapshot index and the commit index');
    this.applied = applied;
    this.prevSoft = { leader: r.lead, role: r.role };
    this.prevHard = { term: r.term, vote: r.vote, commit: r.log.committed };
  }

  get id(): NodeId {
    return this.raft.id;
  }

  step(message: Message): void {
    this.raft.step(message);
  }

  tick(): void {
    this.raft.tick();
  }

  propose(data: Uint8Array): number {
    const r = this.raft;
    if (r.role === 'leader') return leaderPropose(r, data, 'normal');
    if (r.cfg.forwardProposals && r.lead !== NO_NODE) {
      r.send({ type: 'propose', from: r.id, to: r.lead, term: 0, entries: [{ term: 0, index: 0, kind: 'normal', data }] });
      return 0;
    }
    throw new NotLeaderError(r.lead);
  }

  readIndex(context: Uint8Array): void {
    const r = this.raft;
    if (r.role === 'leader') leaderReadIndex(r, context, r.id);
    else if (r.lead !== NO_NODE) r.send({ type: 'read-index', from: r.id, to: r.lead, term: 0, context });
    else throw new NotLeaderError(NO_NODE);
  }

  proposeConfChange(change: ConfChange): number {
    const r = this.raft;
    if (r.role !== 'leader') throw new NotLeaderError(r.lead);
    return leaderProposeConfChange(r, change);
  }

  transferLeadership(to: NodeId): void {
    const r = this.raft;
    if (r.role !== 'leader') throw new NotLeaderError(r.lead);
    leaderTransfer(r, to);
  }

  /**
   * The state machine made a snapshot at `index` (<= applied). Entries up to
   * `index - compactionKeepEntries` (and only durable ones) leave memory; the
   * snapshot is what followers behind the log are sent. Returns it, for the
   * caller to store. The caller trims its stored log as it sees fit.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const r = this.raft;
    const log = r.log;
    invariant(index <= this.applied, 'compact() only at an index the state machine has applied');
    invariant(index > (log.snapshot?.meta.index ?? 0), 'compact() must move past the previous snapshot');
    const term = log.termAt(index);
    invariant(term !== undefined, 'compact() at an index the log still holds');
    const snapshot: Snapshot = { meta: { index, term, conf: r.confAt(index) }, data };
    const newOffset = Math.min(index - r.cfg.compactionKeepEntries, log.stableIndex);
    if (newOffset > log.firstIndex() - 1) {
      r.baseConf = r.confAt(newOffset);
      log.compactTo(newOffset);
    }
    log.snapshot = snapshot;
    return snapshot;
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.raft;
    if (r.role === 'leader') leaderFlush(r);
    const log = r.log;
    return (
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      log.pendingSnapshot !== null ||
      log.unstableFrom <= log.lastIndex() ||
      log.committed > this.applied ||
      this.softChanged() ||
      this.hardChanged()
    );
  }

  ready(): Ready {
    invariant(this.outstanding === null, 'ready() again before advance()');
    const r = this.raft;
    if (r.role === 'leader') leaderFlush(r);
    const log = r.log;
    const softState = this.softChanged() ? { leader: r.lead, role: r.role } : null;
    const hardState = this.hardChanged() ? { term: r.term, vote: r.vote, commit: log.committed } : null;
    if (softState) this.prevSoft = softState;
    if (hardState) this.prevHard = hardState;
    const snapshot = log.pendingSnapshot;
    const entries = log.takeUnstable();
    const applyFrom = snapshot ? snapshot.meta.index : this.applied;
    const committedEntries =
      log.committed > applyFrom ? log.slice(applyFrom + 1, log.committed, r.cfg.maxCommittedBytesPerReady) : NO_ENTRIES;
    const messages = r.msgs;
    const readStates = r.readStates;
    r.msgs = [];
    r.readStates = [];
    this.outstanding = { handedOutLast: log.unstableFrom - 1, appliedTo: applyFrom + committedEntries.length, snapshot };
    return { softState, hardState, snapshot, entries, messages, committedEntries, readStates };
  }

  advance(): void {
    const done = this.outstanding;
    invariant(done !== null, 'advance() without a Ready handed out');
    const r = this.raft;
    const log = r.log;
    log.stableTo(done.handedOutLast);
    if (done.snapshot !== null && log.pendingSnapshot === done.snapshot) log.pendingSnapshot = null;
    this.applied = Math.max(this.applied, done.appliedTo);
    this.outstanding = null;
    r.persisted();
  }

  status(): RaftStatus {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      leader: r.lead,
      commit: r.log.committed,
      applied: this.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      snapshotIndex: r.log.snapshot?.meta.index ?? 0,
      conf: r.tracker.conf,
      transferee: r.transferee,
    };
  }

  /**
   * The role and known leader as they are now, before the next Ready reports
   * them: a caller that learns of a new leader here can add proposals to the
   * Ready it is about to collect.
   */
  softState(): SoftState {
    const r = this.raft;
    return { leader: r.lead, role: r.role };
  }

  /** The term of the entry at `index`, or undefined if the log does not hold it. */
  termAt(index: number): number | undefined {
    return this.raft.log.termAt(index);
  }

  /** The leader's view of `member`'s replication, or undefined (not leader, or not a member). */
  progressOf(member: NodeId): ProgressStatus | undefined {
    const r = this.raft;
    if (r.role !== 'leader') return undefined;
    const pr = r.tracker.progress.get(member);
    if (pr === undefined) return undefined;
    return { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count };
  }

  private softChanged(): boolean {
    const r = this.raft;
    return r.lead !== this.prevSoft.leader || r.role !== this.prevSoft.role;
  }

  private hardChanged(): boolean {
    const r = this.raft;
    const h = this.prevHard;
    return r.term !== h.term || r.vote !== h.vote || r.log.committed !== h.commit;
  }
}
