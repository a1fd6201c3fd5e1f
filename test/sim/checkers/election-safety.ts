/**
 * Election safety: at most one leader per term. Fed from two independent
 * sources: a member reporting that it became leader, and any message only a
 * leader sends (append, heartbeat, snapshot, timeout-now) carrying its term.
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { Violation } from './violation.ts';

export class ElectionSafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** term:node pairs already reported, so one usurper yields one violation, not one per message. */
  private readonly reported = new Set<string>();
  readonly violations: Violation[] = [];

  observeLeader(timeMs: number, term: number, node: NodeId, evidence: string): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, node);
      return;
    }
    if (known !== node && !this.reported.has(`${term}:${node}`)) {
      this.reported.add(`${term}:${node}`);
      this.violations.push({
        checker: 'election-safety',
        timeMs,
        message: `two leaders in term ${term}: n${known} and n${node} (${evidence})`,
      });
    }
  }

  get termsWithLeader(): number {
    return this.leaderOfTerm.size;
  }
}
