/**
 * What a watcher watches, in etcd's encoding: one key (no range end), the
 * half-open range [key, rangeEnd), or every key from `key` on (range end is
 * the single byte 0). A prefix is a range whose end is `prefixEnd(prefix)`.
 */

import { emptyRange } from './errors.ts';
import { AFTER_ALL_KEYS, keyString } from './key-bytes.ts';

export interface KeyRange {
  /** Key string (see key-bytes.ts) of the first key. */
  readonly start: string;
  /** Key string one past the last key; null for a single key; AFTER_ALL_KEYS for "from key". */
  readonly end: string | null;
}

export function watchRange(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyRange {
  const start = keyString(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { start, end: null };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: AFTER_ALL_KEYS };
  const end = keyString(rangeEnd);
  if (start >= end) throw emptyRange();
  return { start, end };
}

export function rangeContains(range: KeyRange, key: string): boolean {
  return range.end === null ? key === range.start : range.start <= key && key < range.end;
}

/**
 * The range end that makes [prefix, end) exactly the keys starting with
 * `prefix`: the prefix with trailing 0xff bytes dropped and the last byte
 * incremented; a prefix of only 0xff bytes (or none) has no upper bound, so
 * its end is the "from key" marker [0].
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i -= 1) {
    if (prefix[i]! < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = prefix[i]! + 1;
      return end;
    }
  }
  return Uint8Array.of(0);
}
