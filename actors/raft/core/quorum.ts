/**
 * Majority math over one voter set, and nothing else: how many votes win,
 * the highest value a majority has reached (commit index from match
 * indexes, confirmed read round from acknowledgements), and an election's
 * outcome. Learners never reach this module: callers pass voters only.
 *
 * Must never allocate per call on the commit path: the caller lends a
 * scratch array.
 */
import { invariant } from './errors.ts';
import type { NodeId } from './types.ts';

export type VoteOutcome = 'won' | 'lost' | 'pending';

/** Votes needed out of `voterCount` voters. */
export function majority(voterCount: number): number {
  invariant(voterCount > 0, 'a quorum needs at least one voter');
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest v such that a majority of `voters` have valueOf(voter) >= v.
 * With match indexes this is the highest index stored on a majority.
 */
export function majorityValue(voters: readonly NodeId[], valueOf: (id: NodeId) => number, scratch: number[]): number {
  const n = voters.length;
  const needed = majority(n);
  scratch.length = n;
  // Insertion sort, descending: voter sets are tiny (3, 5, 7).
  for (let i = 0; i < n; i++) {
    const v = valueOf(voters[i] as NodeId);
    let j = i - 1;
    while (j >= 0 && (scratch[j] as number) < v) {
      scratch[j + 1] = scratch[j] as number;
      j--;
    }
    scratch[j + 1] = v;
  }
  return scratch[needed - 1] as number;
}

/** An election's outcome: granted and rejected votes are counted among `voters` only. */
export function voteOutcome(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const needed = majority(voters.length);
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  if (granted >= needed) return 'won';
  if (rejected > voters.length - needed) return 'lost';
  return 'pending';
}
