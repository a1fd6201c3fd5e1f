/**
 * The leader role: accepting proposals, replicating with per-member flow
 * control, committing by counting (current-term entries only), heartbeat
 * rounds for ReadIndex and leases, CheckQuorum, leadership transfer, and
 * membership changes from the leader's side.
 *
 * Appends are not sent when a proposal arrives but when the caller collects
 * a Ready (`leaderFlush`): everything proposed since the last Ready leaves
 * in one append per member, which is the core's proposal batching.
 * Never sends to a member in a paused state, never counts learners, never
 * commits an entry of an earlier term by counting.
 */
import { encodeConfChange } from './conf-change-codec.ts';
import {
  ConfChangeInProgressError,
  invariant,
  InvalidTransferTargetError,
  ProposalDroppedError,
  TransferInProgressError,
} from './errors.ts';
import { applyConfChange } from './membership.ts';
import type { Progress } from './progress.ts';
import type { Raft } from './raft.ts';
import { decodeRoundContext } from './read-only.ts';
import type { PendingRead } from './read-only.ts';
import { NO_NODE } from './types.ts';
import type { ConfChange, EntryKind, Message, NodeId } from './types.ts';

type AppendResponse = Extract<Message, { type: 'append-response' }>;
type HeartbeatResponse = Extract<Message, { type: 'heartbeat-response' }>;
type ForwardedProposal = Extract<Message, { type: 'propose' }>;

export function leaderStep(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append-response':
      handleAppendResponse(r, m);
      return;
    case 'heartbeat-response':
      handleHeartbeatResponse(r, m);
      return;
    case 'propose':
      acceptForwardedProposal(r, m);
      return;
    case 'read-index':
      leaderReadIndex(r, m.context, m.from);
      return;
    default:
      // Vote responses of an election already won, and anything else, change nothing.
      return;
  }
}

export function leaderTick(r: Raft): void {
  r.electionElapsed++;
  r.heartbeatElapsed++;
  if (r.transferee !== NO_NODE && ++r.transferElapsed >= r.cfg.electionTimeoutTicks) abortTransfer(r);
  if (r.electionElapsed >= r.cfg.electionTimeoutTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum) {
      if (!r.tracker.quorumActive(r.id)) {
        r.becomeFollower(r.term, NO_NODE);
        return;
      }
      r.tracker.resetRecentActive(r.id);
    }
  }
  for (const pr of r.tracker.progress.values()) {
    if (pr.state === 'snapshot' && r.ticks - pr.snapshotSentAtTick >= r.cfg.snapshotRetryTicks) pr.becomeProbe();
  }
  if (r.heartbeatElapsed >= r.cfg.heartbeatTimeoutTicks) {
    r.heartbeatElapsed = 0;
    broadcastHeartbeats(r);
  }
}

/** Sends what is due: a heartbeat round if reads wait for one, then appends to every member that can take them. */
export function leaderFlush(r: Raft): void {
  if (r.reads.wantsRound()) broadcastHeartbeats(r);
  for (const [id, pr] of r.tracker.progress) {
    if (id !== r.id) sendAppends(r, id, pr);
  }
}

/** Appends a proposal to the leader's log. Returns its index. */
export function leaderPropose(r: Raft, data: Uint8Array, kind: EntryKind): number {
  if (r.transferee !== NO_NODE) throw new TransferInProgressError(r.transferee);
  if (!canAccept(r, data.byteLength)) {
    throw new ProposalDroppedError(`${r.uncommittedBytes} uncommitted bytes already (maxUncommittedEntriesBytes ${r.cfg.maxUncommittedEntriesBytes})`);
  }
  return appendProposal(r, data, kind);
}

function canAccept(r: Raft, bytes: number): boolean {
  // An oversized entry still goes through when nothing else is uncommitted, so progress is always possible.
  return r.uncommittedBytes === 0 || r.uncommittedBytes + bytes <= r.cfg.maxUncommittedEntriesBytes;
}

function appendProposal(r: Raft, data: Uint8Array, kind: EntryKind): number {
  const index = r.log.lastIndex() + 1;
  r.log.appendNew({ term: r.term, index, kind, data });
  r.uncommittedBytes += data.byteLength;
  if (kind === 'conf-change') r.refreshConf();
  return index;
}

function acceptForwardedProposal(r: Raft, m: ForwardedProposal): void {
  // Dropped silently when refused: the follower's caller times out and retries.
  for (const entry of m.entries) {
    if (entry.kind !== 'normal' || r.transferee !== NO_NODE || !canAccept(r, entry.data.byteLength)) return;
    appendProposal(r, entry.data, 'normal');
  }
}

export function leaderProposeConfChange(r: Raft, change: ConfChange): number {
  if (r.transferee !== NO_NODE) throw new TransferInProgressError(r.transferee);
  if (!r.committedInTerm) throw new ConfChangeInProgressError('this leader has not committed an entry of its term yet');
  const pending = r.log.lastConfIndex();
  if (pending > r.log.committed) throw new ConfChangeInProgressError(`the change at index ${pending} is not committed yet`);
  const conf = applyConfChange(r.tracker.conf, change);
  return leaderPropose(r, encodeConfChange({ change, conf }), 'conf-change');
}

export function leaderTransfer(r: Raft, to: NodeId): void {
  if (to === r.id) return;
  if (!r.tracker.isVoter(to)) throw new InvalidTransferTargetError(to);
  if (r.transferee !== NO_NODE) {
    if (r.transferee === to) return;
    throw new TransferInProgressError(r.transferee);
  }
  r.transferee = to;
  r.transferElapsed = 0;
  // Until the target is caught up the flush keeps replicating to it; then it gets timeout-now.
  maybeSendTimeoutNow(r, r.tracker.mustGet(to));
}

function maybeSendTimeoutNow(r: Raft, pr: Progress): void {
  if (pr.match !== r.log.lastIndex()) return;
  r.send({ type: 'timeout-now', from: r.id, to: r.transferee, term: r.term });
  r.leaseRevoked = true;
}

function abortTransfer(r: Raft): void {
  r.transferee = NO_NODE;
  r.transferElapsed = 0;
}

export function leaderReadIndex(r: Raft, context: Uint8Array, from: NodeId): void {
  if (!r.committedInTerm) {
    r.reads.defer(context, from);
    return;
  }
  if (leaseValid(r)) {
    deliverRead(r, r.log.committed, context, from);
    return;
  }
  r.reads.add(r.log.committed, context, from);
}

/**
 * Lease reads: a majority acknowledged a round started at tick s, and each of
 * them then refuses votes for an election timeout, so no other leader exists
 * before s + T on their clocks. Two ticks are kept back for tick phase and drift.
 */
function leaseValid(r: Raft): boolean {
  if (!r.cfg.leaseRead || r.leaseRevoked || r.transferee !== NO_NODE) return false;
  return r.ticks - r.tracker.leaseStartTick() <= r.cfg.electionTimeoutTicks - 2;
}

function deliverRead(r: Raft, index: number, context: Uint8Array, from: NodeId): void {
  if (from === r.id) r.readStates.push({ index, context });
  else r.send({ type: 'read-index-response', from: r.id, to: from, term: r.term, index, context });
}

function confirmReads(r: Raft): void {
  if (r.reads.size === 0) return;
  const released: PendingRead[] = r.reads.release(r.tracker.confirmedRound());
  for (const read of released) deliverRead(r, read.index, read.context, read.from);
}

function broadcastHeartbeats(r: Raft): void {
  const context = r.reads.startRound(r.ticks);
  const self = r.tracker.progress.get(r.id);
  if (self !== undefined) {
    self.ackedRound = r.reads.round;
    self.ackedRoundStartTick = r.ticks;
  }
  const committed = r.log.committed;
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    // Never tell a member to commit beyond what it is known to hold.
    r.send({ type: 'heartbeat', from: r.id, to: id, term: r.term, commit: Math.min(pr.match, committed), context });
  }
  confirmReads(r);
}

function handleHeartbeatResponse(r: Raft, m: HeartbeatResponse): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  pr.heardHeartbeatResponse();
  const round = decodeRoundContext(m.context);
  if (round !== null && round.round > pr.ackedRound) {
    invariant(round.round <= r.reads.round, 'a member acknowledged a heartbeat round that never started');
    pr.ackedRound = round.round;
    pr.ackedRoundStartTick = round.startTick;
  }
  // Behind, with nothing in flight it could still answer (appends were lost, or it
  // restarted): an append at `next` either fills the gap or draws a refusal that starts a probe.
  if (pr.match < r.log.lastIndex() && !pr.isPaused()) sendAppend(r, m.from, pr);
  confirmReads(r);
}

function handleAppendResponse(r: Raft, m: AppendResponse): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (!m.success) {
    // Fast backtracking: skip every index where the member's term cannot match ours.
    const nextHint = r.log.findMatchHint(m.hintIndex, m.hintTerm) + 1;
    pr.maybeDecrTo(m.index, nextHint);
    return;
  }
  const updated = pr.maybeUpdate(m.index);
  if (!updated && !(pr.state === 'probe' && pr.match === m.index)) return; // a stale answer
  switch (pr.state) {
    case 'probe':
      pr.becomeReplicate();
      break;
    case 'snapshot':
      if (pr.match >= r.log.firstIndex() - 1) pr.becomeReplicate();
      break;
    case 'replicate':
      pr.inflights.freeUpTo(m.index);
      break;
  }
  if (updated) leaderAfterProgress(r);
  if (r.role === 'leader' && m.from === r.transferee) maybeSendTimeoutNow(r, pr);
}

/** A match index moved: maybe the commit index can too. */
export function leaderAfterProgress(r: Raft): void {
  // Each pass raises the commit index, so the loop ends within the log's length.
  while (r.role === 'leader') {
    const candidate = r.tracker.committedIndex();
    if (candidate <= r.log.committed || r.log.termAt(candidate) !== r.term) return;
    r.commitTo(candidate);
  }
}

/** Bookkeeping once the commit index moved from `before`. */
export function leaderAfterCommit(r: Raft, before: number): void {
  const log = r.log;
  r.uncommittedBytes -= log.bytesOfTerm(before + 1, log.committed, r.term);
  invariant(r.uncommittedBytes >= 0, 'uncommitted bytes never go negative');
  if (!r.committedInTerm && log.termAt(log.committed) === r.term) {
    r.committedInTerm = true;
    for (const read of r.reads.takeDeferred()) leaderReadIndex(r, read.context, read.from);
  }
  const confIndex = log.lastConfIndex();
  if (before < confIndex && confIndex <= log.committed) noticeRemovedMembers(r, confIndex);
  if (!r.tracker.isVoter(r.id) && log.committed >= confIndex) {
    // Our removal (or demotion) is committed: tell the others the commit index, then step down.
    leaderFlush(r);
    r.becomeFollower(r.term, NO_NODE);
  }
}

/**
 * This leader appended a conf change: the new membership is in force at once.
 * A leader that removed (or demoted) itself keeps leading without counting
 * itself until the change commits (then leaderAfterCommit steps it down).
 */
export function leaderMembershipChanged(r: Raft): void {
  const removed = r.tracker.reconcileProgress(r.log.lastIndex() + 1);
  // Best effort: the removed member gets the entry that removes it, so it stops campaigning.
  for (const [id, pr] of removed) if (!pr.isPaused() && id !== r.id) sendAppend(r, id, pr);
  if (r.transferee !== NO_NODE && !r.tracker.isVoter(r.transferee)) abortTransfer(r);
}

function sendAppends(r: Raft, id: NodeId, pr: Progress): void {
  // Bounded: each pass sends one message, and a full window pauses the member.
  for (let sent = 0; sent <= r.cfg.maxInflightMsgs; sent++) {
    if (pr.isPaused()) return;
    const hasEntries = pr.next <= r.log.lastIndex();
    if (!hasEntries && pr.sentCommit >= r.log.committed) return;
    if (!sendAppend(r, id, pr) || !hasEntries) return;
  }
}

/** Sends one append (or the snapshot, when the entries are compacted). Returns false if it sent a snapshot. */
function sendAppend(r: Raft, id: NodeId, pr: Progress): boolean {
  const log = r.log;
  const prevIndex = pr.next - 1;
  const prevTerm = log.termAt(prevIndex);
  if (prevTerm === undefined) {
    invariant(prevIndex < log.firstIndex(), 'a member is never ahead of the leader');
    sendSnapshot(r, id, pr);
    return false;
  }
  const last = log.lastIndex();
  const entries = log.slice(pr.next, last, r.cfg.maxSizePerMsgBytes);
  const commit = log.committed;
  r.send({ type: 'append', from: r.id, to: id, term: r.term, prevIndex, prevTerm, entries, commit });
  pr.sentCommit = commit;
  pr.sentAppend(prevIndex + entries.length, entries.length);
  return true;
}

function sendSnapshot(r: Raft, id: NodeId, pr: Progress): void {
  const snapshot = r.log.snapshot;
  invariant(snapshot !== null, 'a compacted log always has a snapshot to send');
  r.send({ type: 'snapshot', from: r.id, to: id, term: r.term, snapshot });
  pr.becomeSnapshot(snapshot.meta.index, r.ticks);
}


/**
 * The change at `confIndex` committed. Members it removed no longer hear from
 * us, so tell them once that it is committed: a member that knows its removal
 * is committed stops campaigning (until then it may still be needed). Best effort.
 */
function noticeRemovedMembers(r: Raft, confIndex: number): void {
  const before = r.confAt(confIndex - 1);
  const confTerm = r.log.termAt(confIndex) as number;
  for (const id of [...before.voters, ...before.learners]) {
    if (id === r.id || r.tracker.progress.has(id)) continue;
    r.send({ type: 'append', from: r.id, to: id, term: r.term, prevIndex: confIndex, prevTerm: confTerm, entries: [], commit: confIndex });
  }
}
