/**
 * The (pre-)candidate role and the election timer every non-leader runs.
 * A pre-candidate asks whether it could win at term+1 without touching its
 * term; a candidate has bumped its term and voted for itself. Either one
 * yields to a leader of its term, and counts only voters' answers to the
 * kind of request it sent.
 *
 * Never campaigns from a member that is not a voter (learners, removed members).
 */
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.ts';
import type { Raft } from './raft.ts';
import { NO_NODE } from './types.ts';
import type { Message } from './types.ts';

export function candidateStep(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snapshot':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'vote-response':
      countVote(r, m);
      return;
    default:
      // timeout-now: we are already campaigning. Others concern a leader.
      return;
  }
}

function countVote(r: Raft, m: Extract<Message, { type: 'vote-response' }>): void {
  if (m.pre !== (r.role === 'pre-candidate')) return; // an answer to an earlier request
  if (!r.tracker.isVoter(m.from)) return;
  r.tracker.recordVote(m.from, m.granted);
  switch (r.tracker.voteOutcome()) {
    case 'won':
      if (r.role === 'pre-candidate') r.campaign('election');
      else r.becomeLeader();
      return;
    case 'lost':
      // Rejections in our own term: someone else is ahead; wait for a leader as a follower.
      r.becomeFollower(r.term, NO_NODE);
      return;
    case 'pending':
      return;
  }
}

/** Followers, learners and candidates: start an election when no leader was heard from for the randomized timeout. */
export function electionTick(r: Raft): void {
  r.electionElapsed++;
  // Before our own campaign: a request answered now may make campaigning pointless (we follow its term).
  if (r.electionElapsed >= r.cfg.electionTimeoutTicks) r.redeliverLeaseDeferredVotes();
  if (r.electionElapsed < r.randomizedElectionTimeoutTicks || !r.promotable()) return;
  r.electionElapsed = 0;
  r.campaign(r.cfg.preVote ? 'pre-vote' : 'election');
}
