/**
 * Keys are bytes, compared bytewise. Inside the hub (and the lease table) a
 * key is held as a latin1 string: one char per byte, so the conversion is
 * lossless, the string is usable as a Map key, and JavaScript's string order
 * (UTF-16 code units, here all <= 0xff) is exactly bytewise order.
 */

export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}

/** Greater than every key string: every char of a key string is <= 0xff. */
export const AFTER_ALL_KEYS = '\uffff';
