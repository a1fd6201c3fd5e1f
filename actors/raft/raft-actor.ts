/**
 * The raft actor: runs the pure Raft core inside the runtime. It owns the
 * tick clock, drives the Ready loop and enforces persist-before-send: a
 * Ready's hard state and entries are durable (the log writer answered
 * "durable up to") before its messages leave and its committed entries go to
 * the applier. While one Ready is being persisted, proposals keep arriving
 * and the core batches them into the next one: that is the group commit.
 *
 * Proposals are answered by the applier (it knows the result); this actor
 * only remembers which caller waits on which (index, term), and refuses a
 * caller whose entry was overwritten by another leader's.
 *
 * In a cluster, messages leave through the transport actor. A follower
 * forwards proposals and membership changes to the leader's raft actor (one
 * hop only: a forwarded proposal that finds no leader is refused, never
 * forwarded again), and asks the leader for linearizable reads through the
 * core's ReadIndex. While no leader is known or reachable, requests are
 * held until one is (as etcd's members do); every wait is bounded by etcd's
 * request timeout, counted from the request's first wait.
 *
 * Removal: this member is removed once it applies the conf change removing
 * it, or once a peer of its cluster says so (the transport's removal
 * notice): a follower cut off while it was removed never gets that entry's
 * commit. Either way the host hears at once through 'await-removal'. The
 * members the replicated member table lists as removed (it keeps them in
 * snapshots, so a removal older than the last snapshot still counts) are
 * handed to the transport, which answers their messages with that notice
 * (etcd's members do the same).
 */
import { Packr } from 'msgpackr';
import { defineActor, matchType, type ActorContext, type ActorRef, type Replier } from '../../runtime/index.ts';
import type { ApplierMessage, ApplierStatus, Membership, ReadRequest, ReadResult, WriteResult } from '../applier/applier-actor.ts';
import type { LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import type { LogWriterMessage } from '../log-writer/log-writer-actor.ts';
import { callMember, undelivered } from '../transport/call-member.ts';
import type { RemovalNotice, TransportMessage } from '../transport/transport-messages.ts';
import type { RecoveredLog } from '../log-writer/log-store.ts';
import { ActorNames } from '../member/names.ts';
import { refused, type Outcome, type Refusal } from '../member/outcome.ts';
import { seededRandom } from '../common/seeded-random.ts';
import { decodeConfChange } from './core/conf-change-codec.ts';
import { NotLeaderError, RaftError } from './core/errors.ts';
import { RaftNode } from './core/raft-node.ts';
import { Snapshotting } from './snapshotting.ts';
import type { ConfChange, Entry, HardState, Message, NodeId, Ready, ReadState, SoftState } from './core/types.ts';

export type RaftActorMessage =
  /**
   * Ask: answered by the applier with the entry's result once committed and
   * applied. `forwarded`: sent by a follower's raft actor (not forwarded again).
   */
  | { readonly type: 'propose'; readonly data: Uint8Array; readonly forwarded?: boolean }
  /** Ask: a membership change; answered by the applier (the member list after it) once applied. */
  | { readonly type: 'conf-change'; readonly change: ConfChange; readonly forwarded?: boolean }
  /** Ask (leader only): hand leadership to `to`; answered once `to` leads, or refused. */
  | { readonly type: 'transfer-leader'; readonly to: NodeId }
  /** Ask: before a graceful stop, a leader hands leadership to its most caught-up voter. Answers whether it did. */
  | { readonly type: 'step-down' }
  /** Fire and forget (a lease expiry): losing it is harmless, the proposer retries. */
  | { readonly type: 'propose-quietly'; readonly data: Uint8Array }
  /** Ask: a linearizable read, confirmed by ReadIndex, then served by the applier. */
  | { readonly type: 'read'; readonly read: ReadRequest }
  /** Raft messages from other members, one batch per transport read. */
  | { readonly type: 'peer-batch'; readonly messages: readonly Message[] }
  /** From the transport: a peer of this cluster says the cluster removed this member. */
  | RemovalNotice
  /**
   * Ask (the host's long poll): answered true as soon as this member knows it
   * was removed (at once if it knows already), false after `maxWaitMs` or
   * when the actor closes. At most MAX_REMOVAL_WAITERS wait at once.
   */
  | { readonly type: 'await-removal'; readonly maxWaitMs: number }
  | { readonly type: 'status' }
  /** From the applier: its state at `index`, to store as the snapshot and compact the log behind. */
  | { readonly type: 'snapshot-made'; readonly index: number; readonly data: Uint8Array }
  | { readonly type: 'tick' }
  | { readonly type: 'fail'; readonly reason: string }
  | { readonly type: 'close' };

export interface RaftActorArgs {
  readonly memberId: NodeId;
  /** Bootstrap voters (ignored when the log holds a snapshot with its own membership). */
  readonly voters: readonly NodeId[];
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly preVote: boolean;
  /** Seeds the core's election-timeout randomness. */
  readonly seed: number;
  /** Proposals waiting for their result, at most. */
  readonly maxPendingProposals: number;
  /** True when a transport actor carries messages to other members (a cluster). */
  readonly hasTransport: boolean;
  /** How long a forwarded request or a read may wait (etcd: 5 s + 2 election timeouts). */
  readonly requestTimeoutMs: number;
  /** Log entries kept below a snapshot for slow followers (etcd: 5000). */
  readonly snapshotCatchUpEntries: number;
}

export interface RaftActorStatus {
  readonly memberId: NodeId;
  readonly term: number;
  readonly leader: NodeId;
  readonly role: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  /** The newest snapshot stored on disk (its log trimmed behind it); 0 if none. */
  readonly storedSnapshotIndex: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** A committed membership change removed this member: it should stop (etcd's members exit then). */
  readonly removed: boolean;
  /** Times a new leader became known (etcd's leader_changes_seen_total). */
  readonly leaderChangesSeen: number;
  /** Proposals (writes and membership changes) in this member's log awaiting their result. */
  readonly proposalsPending: number;
  /** Proposals this actor refused itself: never committed (etcd's proposals_failed_total). */
  readonly proposalsFailed: number;
}

interface PendingProposal {
  readonly term: number;
  readonly replier: Replier<Outcome<WriteResult>>;
}

interface PendingRead {
  readonly read: ReadRequest;
  readonly replier: Replier<Outcome<ReadResult>>;
}

interface PendingReadBatch {
  readonly reads: PendingRead[];
  /** Refused as timed out at this tick if the ReadIndex round has not come back. */
  readonly deadlineTick: number;
}

interface LeaderWaiter {
  readonly retry: () => void;
  readonly refuse: (refusal: Refusal) => void;
  readonly deadlineTick: number;
  /** Not released while this member (one it could not reach) is still the known leader... */
  readonly unreachableLeader: NodeId;
  /** ...except to try it again from this tick on (its link may have been redialing). */
  readonly retryTick: number;
}

interface PendingTransfer {
  readonly to: NodeId;
  readonly deadlineTick: number;
  readonly settle: (outcome: Outcome<{ readonly leader: NodeId }>) => void;
}

const stopped: Refusal = { grpcCode: 14, message: 'etcdserver: server stopped' };
/**
 * What a request waiting on a raft actor that failed is answered (the
 * runtime restarts the actor): etcd's answer when a leader failed under a
 * request. Its outcome is unknown: a proposal already in the durable log may
 * still commit under the next incarnation.
 */
const raftFailed: Refusal = { grpcCode: 14, message: 'etcdserver: request timed out, possibly due to previous leader failure' };
const leaderChanged: Refusal = { grpcCode: 14, message: 'etcdserver: leader changed' };
const noLeader: Refusal = { grpcCode: 14, message: 'etcdserver: no leader' };
const notLeader: Refusal = { grpcCode: 14, message: 'etcdserver: not leader' };
const tooManyRequests: Refusal = { grpcCode: 8, message: 'etcdserver: too many requests' };
const timedOut: Refusal = { grpcCode: 14, message: 'etcdserver: request timed out' };
const learnerNotReady: Refusal = { grpcCode: 9, message: 'etcdserver: can only promote a learner member which is in sync with leader' };
/** etcd promotes a learner only once its log holds at least this share of the leader's. */
const LEARNER_READY_SHARE = 0.9;
/** Hosts waiting on 'await-removal' at once (one Conclave handle needs one). */
const MAX_REMOVAL_WAITERS = 16;
/** The longest 'await-removal' wait: the host asks again after it. */
const REMOVAL_WAIT_MAX_MS = 10 * 60_000;
/** A restarted raft actor's log is read back from disk: up to a snapshot's worth of entries, which may take seconds. */
const RECOVER_TIMEOUT_MS = 60_000;
/** Heartbeats between two tries of a leader that could not be reached. */
const UNREACHABLE_RETRY_TICKS = 2;
const transferNotLeader: Refusal = { grpcCode: 9, message: 'etcdserver: not leader' };
const badTransferee: Refusal = { grpcCode: 9, message: 'etcdserver: bad leader transferee' };
const transferTimedOut: Refusal = { grpcCode: 14, message: 'etcdserver: request timed out, leader transfer took too long' };

const contextCodec = new Packr({ useRecords: false });
const NO_MESSAGES: readonly Message[] = [];

/** What a leader sends that depends on nothing it has yet to persist. */
const mayLeaveBeforePersist = (message: Message): boolean => message.type === 'append' || message.type === 'heartbeat';

function proposalRefusal(error: unknown): Refusal {
  if (error instanceof NotLeaderError) return error.details.leader === 0 ? noLeader : notLeader;
  if (error instanceof RaftError) return { grpcCode: 14, message: `etcdserver: ${error.message}` };
  throw error;
}

/** How etcd's clients see a proposal's bytes refused for a malformed membership change. */
function confChangeRefusal(error: unknown): Refusal {
  if (error instanceof RaftError && !(error instanceof NotLeaderError)) return { grpcCode: 9, message: `etcdserver: ${error.message}` };
  return proposalRefusal(error);
}

/**
 * Where a starting core resumes. At a member's start the applier is empty and
 * the core starts from the recovered snapshot. A raft actor restarted while
 * its member ran on finds the applier further on: the core starts at the
 * applier's applied index, so no entry is applied twice. Those entries were
 * committed and durable before the applier got them, so the stored commit
 * index (written lazily: it may lag) is raised to cover them.
 */
function resumePoint(recovered: RecoveredLog, applierAppliedIndex: number): { hardState: HardState; appliedIndex: number } {
  const snapshotIndex = recovered.snapshot?.meta.index ?? 0;
  const lastIndex = Math.max(snapshotIndex, recovered.entries.at(-1)?.index ?? 0);
  if (!Number.isSafeInteger(applierAppliedIndex) || applierAppliedIndex < 0 || applierAppliedIndex > lastIndex) {
    throw new Error(`invariant: the applier applied index ${applierAppliedIndex}, outside the durable log (last index ${lastIndex})`);
  }
  const appliedIndex = Math.max(snapshotIndex, applierAppliedIndex);
  return { hardState: { ...recovered.hardState, commit: Math.max(recovered.hardState.commit, appliedIndex) }, appliedIndex };
}

export const raftActor = defineActor<RaftActorMessage, RaftActorArgs>(async (args, ctx) => {
  const logWriter = ctx.lookup<LogWriterMessage>(ActorNames.logWriter);
  const applier = () => ctx.lookup<ApplierMessage>(ActorNames.applier);
  const leaseWheel = () => ctx.lookup<LeaseWheelMessage>(ActorNames.leaseWheel);
  const transport = () => ctx.lookup<TransportMessage>(ActorNames.transport);

  /**
   * Set when this incarnation ends (a crash, a restart, a stop). What it left
   * running (a write awaited, a leader's answer, a snapshot save) must then do
   * nothing: the next incarnation owns the log, the applier and the peers, and
   * a late 'fail' from this one would crash it.
   */
  let ended = false;
  const fencedLogWriter: Pick<ActorRef<LogWriterMessage>, 'ask'> = {
    ask: <R>(message: LogWriterMessage): Promise<R> => (ended ? Promise.reject<R>(new Error('raft actor incarnation ended')) : logWriter.ask<R>(message)),
  };
  const failSelf = (reason: string): void => {
    if (!ended) ctx.self.send({ type: 'fail', reason });
  };

  // The log writer answers after every write sent before (a previous incarnation's too), and the
  // applier after every entry handed to it: the new core resumes where both stand.
  const recovered = await logWriter.ask<RecoveredLog>({ type: 'recover' }, { timeoutMs: RECOVER_TIMEOUT_MS });
  const { appliedIndex: applierAppliedIndex } = await applier().ask<ApplierStatus>({ type: 'status' });
  const start = resumePoint(recovered, applierAppliedIndex);
  const electionTimeoutTicks = Math.max(2, Math.round(args.electionTimeoutMs / args.heartbeatIntervalMs));
  const node = new RaftNode(
    { id: args.memberId, random: seededRandom(args.seed), electionTimeoutTicks, heartbeatTimeoutTicks: 1, preVote: args.preVote, compactionKeepEntries: args.snapshotCatchUpEntries },
    {
      hardState: start.hardState,
      snapshot: recovered.snapshot,
      entries: recovered.entries,
      conf: recovered.snapshot?.meta.conf ?? { voters: args.voters, learners: [] },
      appliedIndex: start.appliedIndex,
    },
  );
  const snapshots = new Snapshotting({
    node,
    logWriter: fencedLogWriter,
    applier,
    catchUpEntries: args.snapshotCatchUpEntries,
    fail: failSelf,
  });
  snapshots.restoreRecovered(recovered.snapshot, applierAppliedIndex);

  const pendingProposals = new Map<number, PendingProposal>();
  const pendingReads = new Map<number, PendingReadBatch>();
  let readBatch: PendingRead[] = [];
  let nextReadBatchId = 1;
  let closed = false;
  let driving = false;
  let isLeader = false;
  let knownLeader = 0;
  let ticks = 0;
  let transfer: PendingTransfer | null = null;
  let leaderWaiters: LeaderWaiter[] = [];
  const waitDeadlines = new WeakMap<object, number>();
  let removed = false;
  let removalWaiters: Array<{ readonly replier: Replier<boolean>; readonly deadlineTick: number }> = [];
  let leaderChangesSeen = 0;
  let proposalsFailed = 0;
  let warnedNoTransport = false;
  let durableTerm = start.hardState.term;
  let durableVote = start.hardState.vote;
  let unwrittenCommit: HardState | null = null;
  const requestTimeoutTicks = Math.max(1, Math.ceil(args.requestTimeoutMs / args.heartbeatIntervalMs));

  function refuseReads(refusal: Refusal, which: (batch: PendingReadBatch) => boolean): void {
    for (const [batchId, batch] of pendingReads) {
      if (!which(batch)) continue;
      pendingReads.delete(batchId);
      for (const read of batch.reads) read.replier.resolve(refused(refusal));
    }
  }

  /**
   * Called with the core's role and leader as soon as they may have changed
   * (after peer messages and ticks, and before each Ready is collected), not
   * when a Ready reports them: a new leader's held proposals then go out in
   * the same append as its first entry, and a follower forwards its held
   * requests before it writes what the leader sent it. Calls without a change
   * do nothing.
   */
  function onSoftState(soft: SoftState): void {
    if (transfer !== null && soft.leader === transfer.to) {
      transfer.settle({ ok: true, value: { leader: soft.leader } });
      transfer = null;
    }
    const nowLeader = soft.role === 'leader';
    if (nowLeader === isLeader && soft.leader === knownLeader) return;
    const leaderMoved = soft.leader !== knownLeader;
    if (leaderMoved && soft.leader !== 0) leaderChangesSeen += 1;
    isLeader = nowLeader;
    knownLeader = soft.leader;
    leaseWheel().send({ type: 'role', leader: nowLeader, leaderId: soft.leader });
    // A ReadIndex round the old leader never answered will not come back: answer it now.
    if (leaderMoved || !nowLeader) refuseReads(leaderChanged, () => true);
    if (soft.leader !== 0) releaseLeaderWaiters((waiter) => waiter.unreachableLeader !== soft.leader, (waiter) => waiter.retry());
  }

  function onTick(): void {
    ticks += 1;
    writeUnwrittenCommit();
    refuseReads(timedOut, (batch) => batch.deadlineTick <= ticks);
    releaseLeaderWaiters((waiter) => waiter.deadlineTick <= ticks, (waiter) => waiter.refuse(timedOut));
    releaseLeaderWaiters((waiter) => waiter.unreachableLeader !== 0 && waiter.retryTick <= ticks, (waiter) => waiter.retry());
    answerRemovalWaiters(false, (waiter) => waiter.deadlineTick <= ticks);
    if (transfer !== null && transfer.deadlineTick <= ticks) {
      transfer.settle(refused(transferTimedOut));
      transfer = null;
    }
  }

  /** Every refusal of a proposal by this actor goes through here, so the failures are counted. */
  function refuseProposal(replier: Replier<Outcome<WriteResult>> | null, refusal: Refusal): void {
    proposalsFailed += 1;
    replier?.resolve(refused(refusal));
  }

  function waitersFor(entries: readonly Entry[]): Array<[number, Replier<Outcome<WriteResult>>]> {
    const waiters: Array<[number, Replier<Outcome<WriteResult>>]> = [];
    for (const entry of entries) {
      const pending = pendingProposals.get(entry.index);
      if (!pending) continue;
      pendingProposals.delete(entry.index);
      if (pending.term === entry.term) waiters.push([entry.index, pending.replier]);
      else refuseProposal(pending.replier, leaderChanged);
    }
    return waiters;
  }

  function serveReadStates(readStates: readonly ReadState[]): void {
    for (const state of readStates) {
      const batchId = contextCodec.unpack(state.context) as number;
      const batch = pendingReads.get(batchId);
      if (!batch) continue;
      pendingReads.delete(batchId);
      for (const { read, replier } of batch.reads) applier().send({ type: 'read', read, minAppliedIndex: state.index, replier });
    }
  }

  function sendToPeers(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    if (args.hasTransport) return transport().send({ type: 'send', messages });
    // A member opened alone whose log or snapshot names other members (a copied data directory):
    // it serves what it holds, but nothing reaches them. Said once, not per message.
    if (!warnedNoTransport) console.warn(`conclave member ${args.memberId.toString(16)}: the membership names other members, but this member was opened without peers; messages to them are dropped`);
    warnedNoTransport = true;
  }

  /**
   * Entries, term and vote must be durable before anything that depends on
   * them leaves. A hard state whose only change is the commit index need
   * not be: a member that loses it learns the commit index again from the
   * leader, and recovery never sets it below the snapshot (etcd skips that
   * fsync too). So it is not written on its own: it rides with the next
   * write of entries, or a tick writes it (without an fsync) when none came.
   * Writing it at once cost a LevelDB batch per commit, on every member.
   */
  async function persist(ready: Ready): Promise<void> {
    const hardState = ready.hardState;
    const mustSync = ready.entries.length > 0 || (hardState !== null && (hardState.term !== durableTerm || hardState.vote !== durableVote));
    if (!mustSync) {
      if (hardState !== null) unwrittenCommit = hardState;
      return;
    }
    // A newer hard state supersedes the unwritten one; entries alone carry it along (same term and vote).
    const carried = hardState ?? unwrittenCommit;
    unwrittenCommit = null;
    await fencedLogWriter.ask({ type: 'append', entries: ready.entries, hardState: carried });
    if (hardState !== null) [durableTerm, durableVote] = [hardState.term, hardState.vote];
  }

  /** A tick with no write since the last commit-only hard state writes it, in order behind any write in flight. */
  function writeUnwrittenCommit(): void {
    if (unwrittenCommit === null) return;
    logWriter.send({ type: 'append', entries: [], hardState: unwrittenCommit, fsync: false });
    unwrittenCommit = null;
  }

  async function persistAndPublish(): Promise<void> {
    for (;;) {
      // Before the Ready is collected, so what a leader change releases joins it (see onSoftState).
      onSoftState(node.softState());
      if (!node.hasReady()) return;
      const ready = node.ready();
      // Committed entries this member already holds durably need not wait for this Ready's writes
      // (on a leader, that is all of them: it counts its own log only once durable).
      const durableCommitted = ready.snapshot === null ? countBelow(ready.committedEntries, ready.entries[0]?.index ?? Infinity) : 0;
      publishCommitted(ready.committedEntries.slice(0, durableCommitted));
      if (ready.snapshot) await snapshots.persistIncoming(ready.snapshot);
      if (ended) return;
      // A leader's appends may leave while its own copy is being written (Raft thesis 10.2.1): the
      // core counts the leader's own log toward a quorum only after advance(). Votes and acks wait.
      const early = isLeader ? ready.messages.filter(mayLeaveBeforePersist) : NO_MESSAGES;
      sendToPeers(early);
      await persist(ready);
      if (ended) return;
      sendToPeers(early.length === 0 ? ready.messages : ready.messages.filter((message) => !mayLeaveBeforePersist(message)));
      if (ready.snapshot) {
        snapshots.installIncoming(ready.snapshot);
        syncTransportPeers();
      }
      publishCommitted(durableCommitted === 0 ? ready.committedEntries : ready.committedEntries.slice(durableCommitted));
      serveReadStates(ready.readStates);
      node.advance();
      snapshots.afterAdvance();
    }
  }

  /** How many of `entries` (ascending indexes) lie below `index`. */
  function countBelow(entries: readonly Entry[], index: number): number {
    let count = 0;
    while (count < entries.length && (entries[count] as Entry).index < index) count += 1;
    return count;
  }

  /** Hands committed entries to the applier (which answers their proposers) and follows membership changes. */
  function publishCommitted(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    applier().send({ type: 'apply', entries, waiters: waitersFor(entries) });
    const confChanges = entries.filter((entry) => entry.kind === 'conf-change');
    if (confChanges.length > 0) {
      syncTransportPeers();
      noteMembershipChanges(confChanges.map((entry) => decodeConfChange(entry.data).change));
    }
  }

  /**
   * Runs the Ready loop unless it runs already, in a microtask: after the
   * messages being delivered now (every proposal and peer message the
   * runtime drained in this wake-up) but without waiting a turn of the event
   * loop, which would delay every commit by that turn. Proposals that arrive
   * while a Ready is being persisted join the next one (the loop runs while
   * the node has a Ready), which is what batches them under load.
   */
  function drive(): void {
    if (driving || closed || ended) return;
    driving = true;
    queueMicrotask(() => {
      persistAndPublish().then(
        () => {
          driving = false;
          if (node.hasReady()) drive();
        },
        (error: unknown) => failSelf(error instanceof Error ? error.message : String(error)),
      );
    });
  }

  function flushReadBatch(): void {
    const batch = readBatch;
    readBatch = [];
    if (batch.length === 0) return;
    if (!isLeader && knownLeader === 0 && args.hasTransport) {
      const retry = () => {
        if (readBatch.length === 0) setImmediate(flushReadBatch);
        readBatch.push(...batch);
      };
      return awaitLeader(retry, (refusal) => batch.forEach((read) => read.replier.resolve(refused(refusal))), null);
    }
    const batchId = nextReadBatchId++;
    try {
      node.readIndex(contextCodec.pack(batchId));
    } catch (error) {
      const refusal = proposalRefusal(error);
      for (const read of batch) read.replier.resolve(refused(refusal));
      return;
    }
    pendingReads.set(batchId, { reads: batch, deadlineTick: ticks + requestTimeoutTicks });
    drive();
  }

  /** Tracks this member's own removal (the removed peers the transport refuses come from the member table). */
  function noteMembershipChanges(changes: readonly ConfChange[]): void {
    for (const change of changes) {
      if (change.node === args.memberId) removed = change.kind === 'remove';
    }
    if (removed) answerRemovalWaiters(true, () => true);
  }

  /** A peer, or the member table, says the cluster removed this member: the host hears at once and stops it. */
  function markRemoved(): void {
    if (removed || closed) return;
    removed = true;
    answerRemovalWaiters(true, () => true);
  }

  function answerRemovalWaiters(answer: boolean, which: (waiter: { readonly deadlineTick: number }) => boolean): void {
    if (removalWaiters.length === 0) return;
    const answered = removalWaiters.filter(which);
    removalWaiters = removalWaiters.filter((waiter) => !which(waiter));
    for (const waiter of answered) waiter.replier.resolve(answer);
  }

  function awaitRemoval(maxWaitMs: number, replier: Replier<boolean>): void {
    if (!Number.isFinite(maxWaitMs) || maxWaitMs <= 0 || maxWaitMs > REMOVAL_WAIT_MAX_MS) {
      return replier.reject(new RangeError(`await-removal: maxWaitMs must be in (0, ${REMOVAL_WAIT_MAX_MS}], got ${maxWaitMs}`));
    }
    if (removed || closed) return replier.resolve(removed);
    if (removalWaiters.length >= MAX_REMOVAL_WAITERS) return replier.reject(new Error(`await-removal: ${MAX_REMOVAL_WAITERS} hosts wait already`));
    removalWaiters.push({ replier, deadlineTick: ticks + Math.ceil(maxWaitMs / args.heartbeatIntervalMs) });
  }

  /**
   * Points the transport at the member table as it stands after the entries
   * just sent to the applier: the peers to reach and the removed members to
   * refuse. Both come from the replicated table, not from the entries this
   * actor saw, so a removal compacted into a snapshot (recovered at start,
   * or sent by the leader) still counts; so does this member's own.
   */
  function syncTransportPeers(): void {
    if (!args.hasTransport) return;
    applier()
      .ask<Membership>({ type: 'membership' })
      .then(
        ({ members, removedIds }) => {
          const peers = members.filter((member) => member.id !== args.memberId).map(({ id, peerUrls }) => ({ id, peerUrls }));
          transport().send({ type: 'set-peers', peers });
          transport().send({ type: 'set-removed', ids: removedIds.filter((id) => id !== args.memberId) });
          if (removedIds.includes(args.memberId)) markRemoved();
        },
        (error: unknown) => failSelf(`reading the member table failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }

  /** A follower hands what only the leader can do to the leader's raft actor (one hop). */
  function forwardToLeader(message: RaftActorMessage & { forwarded?: boolean }, replier: Replier<Outcome<WriteResult>> | null, retry: () => void): boolean {
    if (isLeader || message.forwarded === true || !args.hasTransport) return false;
    if (knownLeader === 0) {
      awaitLeader(retry, (refusal) => refuseProposal(replier, refusal), replier);
      return true;
    }
    const leader = knownLeader;
    const call = { actor: ActorNames.raft, message: { ...message, forwarded: true } };
    callMember<WriteResult>(transport(), leader, call, args.requestTimeoutMs).then(
      (outcome) => {
        // The leader is unreachable (most likely down) and nothing ran there: hold the request
        // until another leader is known, as etcd's followers do, instead of failing it.
        if (!outcome.ok && outcome.refusal === undelivered) return awaitLeader(retry, (refusal) => refuseProposal(replier, refusal), replier, leader);
        replier?.resolve(outcome);
      },
      (error: unknown) => replier?.reject(error),
    );
    return true;
  }

  /**
   * A member that knows no leader (an election is on) holds a request until
   * one is known, as etcd does, instead of refusing it: bounded by the
   * request timeout and by maxPendingProposals.
   */
  function awaitLeader(retry: () => void, refuse: (refusal: Refusal) => void, request: object | null, unreachableLeader: NodeId = 0): void {
    // A leader's late answer to an ended incarnation: nothing here will release the wait.
    if (ended) return refuse(raftFailed);
    if (leaderWaiters.length >= args.maxPendingProposals) return refuse(tooManyRequests);
    // The deadline is the request's, not this wait's: a request retried against an unreachable
    // leader (a one-way partition) must not wait longer with every try.
    const deadlineTick = deadlineOf(request);
    if (deadlineTick <= ticks) return refuse(timedOut);
    // Already elsewhere: the request can go at once (the answer came after the leader changed).
    if (unreachableLeader !== 0 && knownLeader !== 0 && knownLeader !== unreachableLeader) return retry();
    leaderWaiters.push({ retry, refuse, deadlineTick, unreachableLeader, retryTick: ticks + UNREACHABLE_RETRY_TICKS });
  }

  /** When `request` (a caller's reply slot) started waiting for a leader, plus the request timeout. */
  function deadlineOf(request: object | null): number {
    const fresh = ticks + requestTimeoutTicks;
    if (request === null) return fresh;
    const known = waitDeadlines.get(request);
    if (known !== undefined) return known;
    waitDeadlines.set(request, fresh);
    return fresh;
  }

  function releaseLeaderWaiters(which: (waiter: LeaderWaiter) => boolean, release: (waiter: LeaderWaiter) => void): void {
    if (leaderWaiters.length === 0) return;
    const released = leaderWaiters.filter(which);
    leaderWaiters = leaderWaiters.filter((waiter) => !which(waiter));
    for (const waiter of released) release(waiter);
  }

  function awaitResult(index: number, replier: Replier<Outcome<WriteResult>> | null): void {
    const term = node.termAt(index);
    if (term === undefined) throw new Error(`invariant: proposal at index ${index} has no term in the log`);
    if (replier) pendingProposals.set(index, { term, replier });
    drive();
  }

  function propose(message: Extract<RaftActorMessage, { type: 'propose' | 'propose-quietly' }>, replier: Replier<Outcome<WriteResult>> | null): void {
    if (closed) return refuseProposal(replier, stopped);
    if (pendingProposals.size >= args.maxPendingProposals) return refuseProposal(replier, tooManyRequests);
    if (message.type === 'propose' && forwardToLeader(message, replier, () => propose(message, replier))) return;
    let index: number;
    try {
      index = node.propose(message.data);
    } catch (error) {
      return refuseProposal(replier, proposalRefusal(error));
    }
    awaitResult(index, replier);
  }

  function changeMembership(message: Extract<RaftActorMessage, { type: 'conf-change' }>, replier: Replier<Outcome<WriteResult>>): void {
    if (closed) return refuseProposal(replier, stopped);
    if (forwardToLeader(message, replier, () => changeMembership(message, replier))) return;
    if (isLeader && isUnreadyLearnerPromotion(message.change)) return refuseProposal(replier, learnerNotReady);
    let index: number;
    try {
      index = node.proposeConfChange(message.change);
    } catch (error) {
      return refuseProposal(replier, confChangeRefusal(error));
    }
    awaitResult(index, replier);
  }

  function isUnreadyLearnerPromotion(change: ConfChange): boolean {
    const status = node.status();
    if (change.kind !== 'add-voter' || !status.conf.learners.includes(change.node)) return false;
    const match = node.progressOf(change.node)?.match ?? 0;
    return match < LEARNER_READY_SHARE * status.lastIndex;
  }

  function transferLeader(to: NodeId, settle: (outcome: Outcome<{ readonly leader: NodeId }>) => void): void {
    if (closed) return settle(refused(stopped));
    if (knownLeader === to) return settle({ ok: true, value: { leader: to } });
    if (transfer !== null) return settle(refused({ grpcCode: 14, message: 'etcdserver: leadership transfer in progress' }));
    try {
      node.transferLeadership(to);
    } catch (error) {
      if (error instanceof NotLeaderError) return settle(refused(transferNotLeader));
      if (error instanceof RaftError) return settle(refused(badTransferee));
      throw error;
    }
    transfer = { to, deadlineTick: ticks + requestTimeoutTicks, settle };
    drive();
  }

  /** The voter other than us whose log matches ours furthest: it can lead at once. */
  function bestTransferee(): NodeId | null {
    const { voters } = node.status().conf;
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of voters) {
      if (id === args.memberId) continue;
      const match = node.progressOf(id)?.match ?? -1;
      if (match > bestMatch) [best, bestMatch] = [id, match];
    }
    return best;
  }

  // A member alone need not wait out an election timeout before serving (etcd advances its ticks too).
  const { voters } = node.status().conf;
  if (voters.length === 1 && voters[0] === args.memberId) {
    for (let tick = 0; tick < 2 * electionTimeoutTicks; tick += 1) node.tick();
  }
  // The transport starts from the bootstrap record's members; a recovered snapshot may hold
  // members added at runtime since (their IDs are not derivable from flags), and the entries
  // replayed after it need not contain a membership change that would tell the transport.
  // Likewise after a restart of this actor alone: the entries up to the applier's index are
  // not handed over again, so their membership changes (this member's removal too) are read back.
  if (start.appliedIndex > 0) syncTransportPeers();
  drive();
  const ticker = setInterval(() => ctx.self.send({ type: 'tick' }), args.heartbeatIntervalMs);
  ticker.unref();
  // On a crash, a restart or a shutdown (after a 'close', or without one).
  ctx.onStop(() => endIncarnation());

  function endIncarnation(): void {
    ended = true;
    clearInterval(ticker);
    if (closed) return;
    refuseEverythingWaiting(raftFailed);
    // Until the next incarnation knows a leader, nobody here leads: the lease wheel must not act as leader meanwhile.
    if (isLeader) leaseWheel().send({ type: 'role', leader: false, leaderId: 0 });
  }

  /** Answers every request this actor holds: none may wait on an incarnation that will not answer. */
  function refuseEverythingWaiting(refusal: Refusal): void {
    for (const { replier } of pendingProposals.values()) refuseProposal(replier, refusal);
    pendingProposals.clear();
    refuseReads(refusal, () => true);
    for (const read of readBatch) read.replier.resolve(refused(refusal));
    readBatch = [];
    transfer?.settle(refused(refusal));
    transfer = null;
    releaseLeaderWaiters(() => true, (waiter) => waiter.refuse(refusal));
    answerRemovalWaiters(false, () => true);
  }

  return matchType<RaftActorMessage>({
    propose: (message, context) => propose(message, context.deferReply<Outcome<WriteResult>>()),
    'propose-quietly': (message) => propose(message, null),
    'conf-change': (message, context) => changeMembership(message, context.deferReply<Outcome<WriteResult>>()),
    'transfer-leader': (message, context) => {
      const replier = context.deferReply<Outcome<{ readonly leader: NodeId }>>();
      transferLeader(message.to, (outcome) => replier.resolve(outcome));
    },
    'step-down': (_message, context) => {
      const replier = context.deferReply<boolean>();
      const to = isLeader && !closed ? bestTransferee() : null;
      if (to === null) return replier.resolve(false);
      transferLeader(to, (outcome) => replier.resolve(outcome.ok));
    },
    read: (message, context: ActorContext<RaftActorMessage>) => {
      const replier = context.deferReply<Outcome<ReadResult>>();
      if (closed) return replier.resolve(refused(stopped));
      if (readBatch.length === 0) setImmediate(flushReadBatch);
      readBatch.push({ read: message.read, replier });
    },
    'peer-batch': (message) => {
      if (closed) return;
      for (const peerMessage of message.messages) node.step(peerMessage);
      onSoftState(node.softState());
      drive();
    },
    // The transport logged who said so.
    'removal-notice': () => markRemoved(),
    'await-removal': (message, context) => awaitRemoval(message.maxWaitMs, context.deferReply<boolean>()),
    status: (): RaftActorStatus => {
      const status = node.status();
      return {
        memberId: status.id,
        term: status.term,
        leader: status.leader,
        role: status.role,
        commitIndex: status.commit,
        appliedIndex: status.applied,
        lastIndex: status.lastIndex,
        storedSnapshotIndex: snapshots.storedIndex,
        voters: status.conf.voters,
        learners: status.conf.learners,
        removed,
        leaderChangesSeen,
        proposalsPending: pendingProposals.size,
        proposalsFailed,
      };
    },
    'snapshot-made': (message) => {
      if (!closed) snapshots.snapshotMade(message.index, message.data);
    },
    tick: () => {
      if (closed) return;
      node.tick();
      onSoftState(node.softState());
      onTick();
      drive();
    },
    fail: (message) => {
      throw new Error(`raft actor stopped: ${message.reason}`);
    },
    close: () => {
      closed = true;
      clearInterval(ticker);
      writeUnwrittenCommit();
      refuseEverythingWaiting(stopped);
    },
  });
});
