/**
 * The follower (and learner) role: accept the leader's appends after the
 * consistency check, heartbeats and snapshots, answer with where our log
 * stands, and campaign at once when the leader hands over (timeout-now).
 * Candidates use the same handlers after yielding to a leader.
 *
 * Never called on a leader: a leader's log is append-only.
 */
import { invariant } from './errors.ts';
import type { Raft } from './raft.ts';
import type { Message } from './types.ts';

type Append = Extract<Message, { type: 'append' }>;
type Heartbeat = Extract<Message, { type: 'heartbeat' }>;
type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

export function followerStep(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
      heardFromLeader(r, m.from);
      handleAppend(r, m);
      return;
    case 'heartbeat':
      heardFromLeader(r, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snapshot':
      heardFromLeader(r, m.from);
      handleSnapshot(r, m);
      return;
    case 'timeout-now':
      // The leader chose us: campaign now, skipping the pre-vote (it would be refused while followers hear the leader).
      r.campaign('transfer');
      return;
    default:
      return;
  }
}

function heardFromLeader(r: Raft, leader: number): void {
  r.electionElapsed = 0;
  r.lead = leader;
  // The leader is alive: votes its lease held back must not be answered when it next goes quiet.
  r.leaseDeferredVotes.clear();
}

function respond(r: Raft, to: number, success: boolean, index: number, hintIndex: number, hintTerm: number): void {
  r.send({ type: 'append-response', from: r.id, to, term: r.term, success, index, hintIndex, hintTerm });
}

/** Figure 2 AppendEntries, receiver side. */
export function handleAppend(r: Raft, m: Append): void {
  invariant(r.role !== 'leader', 'a leader never accepts appends of its own term');
  const log = r.log;
  if (m.prevIndex < log.committed) {
    // Our committed prefix already matches the leader's (Leader Completeness): tell it where we are.
    respond(r, m.from, true, log.committed, 0, 0);
    return;
  }
  if (!log.matchTerm(m.prevIndex, m.prevTerm)) {
    const hintIndex = log.findMatchHint(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm);
    respond(r, m.from, false, m.prevIndex, hintIndex, log.termAt(hintIndex) ?? 0);
    return;
  }
  log.appendAfter(m.prevIndex, m.entries);
  r.refreshConf();
  const lastNew = m.prevIndex + m.entries.length;
  // Rule 5: commit up to the leader's commit, but only within what this append proved matches.
  r.commitTo(Math.min(m.commit, lastNew));
  respond(r, m.from, true, lastNew, 0, 0);
}

export function handleHeartbeat(r: Raft, m: Heartbeat): void {
  // The leader caps `commit` at what it knows we hold, so it is within our log.
  r.commitTo(m.commit);
  r.send({ type: 'heartbeat-response', from: r.id, to: m.from, term: r.term, context: m.context });
}

export function handleSnapshot(r: Raft, m: SnapshotMessage): void {
  const log = r.log;
  const { index, term, conf } = m.snapshot.meta;
  if (index <= log.committed) {
    respond(r, m.from, true, log.committed, 0, 0);
    return;
  }
  if (log.matchTerm(index, term)) {
    // We already hold the snapshot's last entry: just fast-forward the commit index.
    r.commitTo(index);
    respond(r, m.from, true, log.committed, 0, 0);
    return;
  }
  log.restore(m.snapshot);
  r.baseConf = conf;
  r.refreshConf();
  respond(r, m.from, true, log.lastIndex(), 0, 0);
}
