/**
 * Leader completeness: an entry committed in term C is in the log of every
 * leader of a term after C.
 *
 * The commit term is not directly visible, but a member learning that an
 * entry is committed is at a term >= C, so the lowest such term seen is an
 * upper bound U on C: every leader elected for a term > U must hold the
 * entry. Leaders' logs are recorded when they win (as index -> term; a
 * term identifies an entry once election safety holds) and compared at the
 * end of the run, so a commit observed after an election still counts.
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { LogView, Violation } from './violation.ts';

interface Election {
  readonly timeMs: number;
  readonly term: number;
  readonly node: NodeId;
  readonly snapshotIndex: number;
  /** terms[i] is the term of the entry at snapshotIndex + 1 + i. */
  readonly terms: readonly number[];
}

interface Commit {
  readonly term: number;
  /** Lowest term of a member that saw the entry committed. */
  observedAtTerm: number;
}

export class LeaderCompletenessChecker {
  private readonly elections: Election[] = [];
  private readonly commits = new Map<number, Commit>();

  observeElection(timeMs: number, term: number, node: NodeId, log: LogView): void {
    const terms: number[] = [];
    for (let index = log.snapshotIndex + 1; index <= log.lastIndex; index++) terms.push(log.entry(index)!.term);
    this.elections.push({ timeMs, term, node, snapshotIndex: log.snapshotIndex, terms });
  }

  observeCommitted(memberTerm: number, entry: { readonly index: number; readonly term: number }): void {
    const known = this.commits.get(entry.index);
    if (known === undefined) this.commits.set(entry.index, { term: entry.term, observedAtTerm: memberTerm });
    else known.observedAtTerm = Math.min(known.observedAtTerm, memberTerm);
  }

  /** Compares every recorded election with every commit seen so far (call once, at the end of a run): one violation per faulty election. */
  check(): Violation[] {
    const found: Violation[] = [];
    for (const election of this.elections) {
      const missing: string[] = [];
      for (const [index, commit] of this.commits) {
        if (election.term <= commit.observedAtTerm || index <= election.snapshotIndex) continue;
        const held = election.terms[index - election.snapshotIndex - 1];
        if (held !== commit.term) {
          missing.push(`${held === undefined ? 'without' : `with ${index}@${held} instead of`} committed entry ${index}@${commit.term} (committed by term ${commit.observedAtTerm} at the latest)`);
        }
      }
      if (missing.length > 0) {
        found.push({
          checker: 'leader-completeness',
          timeMs: election.timeMs,
          message: `n${election.node} became leader of term ${election.term} ${missing[0]}${missing.length > 1 ? `, and ${missing.length - 1} more` : ''}`,
        });
      }
    }
    return found;
  }
}
