/**
 * Commit safety: when an entry is committed, every voter that lacks it must
 * be unelectable -- enough voters holding it have logs more up to date than
 * the lacking voter's that it can never gather a majority. This is the
 * argument of the Raft paper (5.4.1-5.4.2) turned into a check, and it fires
 * at the moment of an unsafe commit (the Figure 8 commit of an earlier-term
 * entry by counting), before any later leader has to overwrite the entry.
 *
 * Logs are the members' durable logs: a member's acknowledgement and a
 * leader's own count only cover persisted entries, so holders are never
 * overstated; a lacking voter's durable log can only understate it, which
 * can hide a violation but never invent one. Callers skip the check while a
 * membership change is in flight (two voter sets then overlap).
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { LogView, Violation } from './violation.ts';

export interface VoterLog extends LogView {
  readonly lastTerm: number;
}

function holds(log: VoterLog, index: number, term: number): boolean {
  // A compacted index is in the member's snapshot, which state-machine safety vouches for.
  return index <= log.snapshotIndex || log.entry(index)?.term === term;
}

/** Would a voter with log `holder` refuse to vote for a candidate with log `candidate`? */
function refuses(holder: VoterLog, candidate: VoterLog): boolean {
  return candidate.lastTerm < holder.lastTerm || (candidate.lastTerm === holder.lastTerm && candidate.lastIndex < holder.lastIndex);
}

export function checkCommitSafety(
  timeMs: number,
  committedBy: NodeId,
  entry: { readonly index: number; readonly term: number },
  voters: ReadonlyMap<NodeId, VoterLog>,
): Violation | null {
  const size = voters.size;
  if (size === 0) return null;
  const majority = Math.floor(size / 2) + 1;
  const holders = [...voters].filter(([, log]) => holds(log, entry.index, entry.term));
  for (const [id, log] of voters) {
    if (holds(log, entry.index, entry.term)) continue;
    const refusing = holders.filter(([, holder]) => refuses(holder, log)).length;
    if (refusing <= size - majority) {
      return {
        checker: 'commit-safety',
        timeMs,
        message:
          `n${committedBy} saw ${entry.index}@${entry.term} committed, but n${id} (log ends ${log.lastIndex}@${log.lastTerm}) lacks it ` +
          `and only ${refusing} of ${size} voters would refuse it a vote`,
      };
    }
  }
  return null;
}
