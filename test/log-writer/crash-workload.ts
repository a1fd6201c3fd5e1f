/**
 * What crash-child.ts writes and crash.test.ts checks, defined once: groups
 * of GROUP_SIZE entries, each group's payload a function of (index, term)
 * with a size that varies, so records of many lengths are in flight when the
 * child is killed.
 */

import { payload } from './fixtures.ts';

export const GROUP_SIZE = 3;

export function crashPayload(index: number, term: number): Uint8Array {
  return payload(index, term, 32 + (index % 200));
}
