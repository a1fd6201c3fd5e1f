/**
 * Txn compares, as etcd 3.4 evaluates them (etcdserver/apply.go
 * applyCompare): a compare over a range holds only if it holds for every key
 * in it; over no key at all it is checked against an all-zero KeyValue
 * (version/create/mod/lease 0), except a value compare, which then fails
 * (an absent value cannot equal anything, not even the empty value).
 *
 * Never: read at any revision but the one the txn started from.
 */
import type { RevisionRecord } from './history.ts';
import { toBinary, toKeyRange } from './keys.ts';
import type { KvState } from './kv-state.ts';
import type { Compare } from './requests.ts';

/** Sign of (the record's side - the compare's operand): -1, 0 or 1. */
function order(compare: Compare, record: RevisionRecord | null): number {
  switch (compare.target) {
    case 'version':
      return Math.sign((record?.version ?? 0) - compare.version);
    case 'create':
      return Math.sign((record?.createRevision ?? 0) - compare.createRevision);
    case 'mod':
      return Math.sign((record?.main ?? 0) - compare.modRevision);
    case 'lease':
      return Math.sign((record?.lease ?? 0) - compare.lease);
    case 'value': {
      const actual = record?.value ?? '';
      const expected = toBinary(compare.value);
      return actual < expected ? -1 : actual > expected ? 1 : 0;
    }
  }
}

function holdsFor(compare: Compare, record: RevisionRecord | null): boolean {
  const sign = order(compare, record);
  switch (compare.result) {
    case 'equal':
      return sign === 0;
    case 'not-equal':
      return sign !== 0;
    case 'greater':
      return sign > 0;
    case 'less':
      return sign < 0;
  }
}

export function compareHolds(state: KvState, compare: Compare, revision: number): boolean {
  let seen = false;
  let holds = true;
  state.forEachVisible(toKeyRange(compare.key, compare.rangeEnd), revision, (record) => {
    seen = true;
    holds = holdsFor(compare, record);
    return holds;
  });
  if (seen) return holds;
  return compare.target !== 'value' && holdsFor(compare, null);
}
