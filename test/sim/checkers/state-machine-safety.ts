/**
 * State-machine safety: no two members apply different entries at one
 * index. Every applied entry is compared with the first one applied at its
 * index anywhere in the cluster.
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import { sameBytes } from './violation.ts';
import type { Violation } from './violation.ts';

interface FirstApplied {
  readonly node: NodeId;
  readonly term: number;
  readonly data: Uint8Array;
}

export class StateMachineSafetyChecker {
  private readonly appliedAt = new Map<number, FirstApplied>();
  readonly violations: Violation[] = [];

  observeApplied(timeMs: number, node: NodeId, entry: { readonly index: number; readonly term: number; readonly data: Uint8Array }): void {
    const first = this.appliedAt.get(entry.index);
    if (first === undefined) {
      this.appliedAt.set(entry.index, { node, term: entry.term, data: entry.data });
      return;
    }
    if (first.term !== entry.term || !sameBytes(first.data, entry.data)) {
      this.violations.push({
        checker: 'state-machine-safety',
        timeMs,
        message: `index ${entry.index}: n${first.node} applied an entry of term ${first.term}, n${node} one of term ${entry.term}${first.term === entry.term ? ' with different data' : ''}`,
      });
    }
  }

  get highestApplied(): number {
    let highest = 0;
    for (const index of this.appliedAt.keys()) highest = Math.max(highest, index);
    return highest;
  }
}
