/**
 * Watches one simulated run for safety violations: it is fed what members
 * report (elections, leader-only messages, commits, applies) and, at a
 * commit or on demand, reads the members' durable logs through a view of
 * the cluster. It owns the safety checkers and their findings; progress
 * (liveness), acknowledged writes and linearizability are judged at the end
 * of the run by the simulation itself.
 *
 * Must never change the cluster: it only reads what the view hands it.
 */
import type { Entry, NodeId } from '../../../actors/raft/core/types.ts';
import { checkCommitSafety } from './commit-safety.ts';
import type { VoterLog } from './commit-safety.ts';
import { ElectionSafetyChecker } from './election-safety.ts';
import { LeaderCompletenessChecker } from './leader-completeness.ts';
import { checkLogMatching } from './log-matching.ts';
import { StateMachineSafetyChecker } from './state-machine-safety.ts';
import type { LogView, Violation } from './violation.ts';

export interface ClusterView {
  /** Every member's durable log (removed members excluded). */
  memberLogs(): ReadonlyMap<NodeId, LogView>;
  /** The voters' durable logs, or null while a membership change is in flight (two voter sets in play). */
  voterLogs(): ReadonlyMap<NodeId, VoterLog> | null;
}

export class SafetyMonitor {
  private readonly electionSafety = new ElectionSafetyChecker();
  private readonly leaderCompleteness = new LeaderCompletenessChecker();
  private readonly stateMachineSafety = new StateMachineSafetyChecker();
  private readonly found: Violation[] = [];
  /** Commits are checked for safety once, when first seen. */
  private commitSafetyCheckedTo = 0;

  constructor(private readonly view: ClusterView) {}

  get termsWithLeader(): number {
    return this.electionSafety.termsWithLeader;
  }

  get highestApplied(): number {
    return this.stateMachineSafety.highestApplied;
  }

  leaderElected(timeMs: number, term: number, node: NodeId, log: LogView): void {
    this.electionSafety.observeLeader(timeMs, term, node, `n${node} reported leadership`);
    this.leaderCompleteness.observeElection(timeMs, term, node, log);
  }

  leaderMessage(timeMs: number, term: number, node: NodeId, what: string): void {
    this.electionSafety.observeLeader(timeMs, term, node, `n${node} sent ${what}`);
  }

  /** `memberTerm`: the term of the member that learned these entries are committed. */
  committed(timeMs: number, node: NodeId, memberTerm: number, entries: readonly Entry[]): void {
    for (const entry of entries) this.leaderCompleteness.observeCommitted(memberTerm, entry);
    const fresh = entries.filter((entry) => entry.index > this.commitSafetyCheckedTo);
    if (fresh.length === 0) return;
    const voters = this.view.voterLogs();
    if (voters === null) return;
    this.commitSafetyCheckedTo = fresh[fresh.length - 1]!.index;
    for (const entry of fresh) {
      const violation = checkCommitSafety(timeMs, node, entry, voters);
      if (violation !== null) {
        this.found.push(violation);
        return;
      }
    }
  }

  applied(timeMs: number, node: NodeId, entry: Entry): void {
    this.stateMachineSafety.observeApplied(timeMs, node, entry);
  }

  checkLogs(timeMs: number): void {
    this.found.push(...checkLogMatching(timeMs, this.view.memberLogs()));
  }

  /** The final checks; returns every safety violation of the run. */
  finish(timeMs: number): Violation[] {
    this.checkLogs(timeMs);
    return [...this.found, ...this.electionSafety.violations, ...this.stateMachineSafety.violations, ...this.leaderCompleteness.check()];
  }
}
