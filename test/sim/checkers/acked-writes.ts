/**
 * No acknowledged write lost: once the cluster has converged, every write a
 * client saw acknowledged must have been applied by every member's state
 * machine (failed compare-and-sets changed nothing and are not writes).
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { Violation } from './violation.ts';

export interface AckedWrite {
  readonly client: number;
  readonly seq: number;
  readonly description: string;
}

export interface AppliedWrites {
  hasAppliedWrite(client: number, seq: number): boolean;
}

export function checkAckedWrites(timeMs: number, acked: readonly AckedWrite[], machines: ReadonlyMap<NodeId, AppliedWrites>): Violation[] {
  const violations: Violation[] = [];
  for (const [node, machine] of machines) {
    const lost = acked.filter((write) => !machine.hasAppliedWrite(write.client, write.seq));
    if (lost.length > 0) {
      violations.push({
        checker: 'acked-write-lost',
        timeMs,
        message: `n${node} lacks ${lost.length} acknowledged write(s), first: ${lost[0]!.description}`,
      });
    }
  }
  return violations;
}
