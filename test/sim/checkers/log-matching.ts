/**
 * Log matching: if two logs hold an entry with the same index and term,
 * they are identical up to that index. Compared pairwise over the indexes
 * both logs still hold (compacted prefixes are left to state-machine safety).
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import { sameBytes } from './violation.ts';
import type { LogView, Violation } from './violation.ts';

export function checkLogMatching(timeMs: number, logs: ReadonlyMap<NodeId, LogView>): Violation[] {
  const violations: Violation[] = [];
  const members = [...logs.keys()].sort((a, b) => a - b);
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const problem = comparePair(logs.get(members[i]!)!, logs.get(members[j]!)!);
      if (problem !== null) {
        violations.push({ checker: 'log-matching', timeMs, message: `n${members[i]} and n${members[j]}: ${problem}` });
      }
    }
  }
  return violations;
}

function comparePair(a: LogView, b: LogView): string | null {
  const low = Math.max(a.snapshotIndex, b.snapshotIndex) + 1;
  const high = Math.min(a.lastIndex, b.lastIndex);
  let lastAgreement = 0;
  for (let index = high; index >= low; index--) {
    if (a.entry(index)!.term === b.entry(index)!.term) {
      lastAgreement = index;
      break;
    }
  }
  for (let index = low; index <= lastAgreement; index++) {
    const x = a.entry(index)!;
    const y = b.entry(index)!;
    if (x.term !== y.term || !sameBytes(x.data, y.data)) {
      return `both hold ${lastAgreement}@${a.entry(lastAgreement)!.term} but differ at ${index} (${x.term} vs ${y.term})`;
    }
  }
  return null;
}
