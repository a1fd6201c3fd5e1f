/**
 * Keys and values inside the store are "binary strings": one char per byte
 * (latin1), so native string `<` orders keys exactly as etcd's
 * bytes.Compare, and a 256-byte value costs 307 bytes of RSS against 662 as
 * a Uint8Array copy and 391 as a pooled Buffer copy (1,000,000 values,
 * `node --expose-gc --import tsx bench/mvcc/memory.ts`). Bytes cross the
 * store's boundary as Uint8Array.
 *
 * Also turns etcd's (key, range_end) pair into an explicit range.
 *
 * Never: build a binary string with TextDecoder('latin1') (that is
 * windows-1252 and remaps 0x80-0x9f) or from UTF-8.
 */

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;

export function toBinary(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

export function toBytes(binary: string): Uint8Array {
  return Buffer.from(binary, 'latin1');
}

/** etcd's key ranges: one key, or [low, highExclusive) where null means "no upper bound". */
export type KeyRange =
  | { readonly kind: 'single'; readonly key: string }
  | { readonly kind: 'span'; readonly low: string; readonly highExclusive: string | null };

/**
 * Absent or empty rangeEnd: the single key. A rangeEnd of one zero byte:
 * every key >= key (so key "\0" with rangeEnd "\0" is every key).
 * Otherwise [key, rangeEnd), empty when rangeEnd <= key.
 */
export function toKeyRange(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyRange {
  const low = toBinary(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { kind: 'single', key: low };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { kind: 'span', low, highExclusive: null };
  return { kind: 'span', low, highExclusive: toBinary(rangeEnd) };
}

export function rangeContains(range: KeyRange, key: string): boolean {
  if (range.kind === 'single') return key === range.key;
  return key >= range.low && (range.highExclusive === null || key < range.highExclusive);
}
