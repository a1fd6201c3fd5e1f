/**
 * Where each record lives in the member's LevelDB. Entries are keyed
 * `log/` + the index as 8 big-endian bytes, so LevelDB's byte order is index
 * order and recovery is one forward scan. The few singleton records sit under
 * `meta/`, which sorts after `log/` and so never interrupts that scan.
 *
 * Changing any of these bytes changes the on-disk format: bump
 * `LOG_FORMAT_VERSION` in store-identity.ts if you do.
 */

import assert from 'node:assert/strict';

const ENTRY_PREFIX = Buffer.from('log/', 'latin1');
const INDEX_BYTES = 8;
const TWO_POW_32 = 2 ** 32;

export const IDENTITY_KEY = Buffer.from('meta/identity', 'latin1');
export const HARD_STATE_KEY = Buffer.from('meta/hard-state', 'latin1');
export const SNAPSHOT_META_KEY = Buffer.from('meta/snapshot-meta', 'latin1');
export const SNAPSHOT_DATA_KEY = Buffer.from('meta/snapshot-data', 'latin1');

export function entryKey(index: number): Buffer {
  assert.ok(Number.isSafeInteger(index) && index >= 0, `log index must be a non-negative safe integer, got ${index}`);
  const key = Buffer.allocUnsafe(ENTRY_PREFIX.length + INDEX_BYTES);
  ENTRY_PREFIX.copy(key, 0);
  key.writeUInt32BE(Math.floor(index / TWO_POW_32), ENTRY_PREFIX.length);
  key.writeUInt32BE(index % TWO_POW_32, ENTRY_PREFIX.length + 4);
  return key;
}

/** The index an entry key encodes, or null if `key` is not a well-formed entry key. */
export function indexOfEntryKey(key: Uint8Array): number | null {
  if (key.length !== ENTRY_PREFIX.length + INDEX_BYTES) return null;
  const bytes = Buffer.from(key.buffer, key.byteOffset, key.length);
  if (!bytes.subarray(0, ENTRY_PREFIX.length).equals(ENTRY_PREFIX)) return null;
  const index = bytes.readUInt32BE(ENTRY_PREFIX.length) * TWO_POW_32 + bytes.readUInt32BE(ENTRY_PREFIX.length + 4);
  return Number.isSafeInteger(index) ? index : null;
}

/** Every key that starts with the entry prefix, well-formed or not, so damaged keys are seen too. */
export const ENTRY_KEY_RANGE = {
  gte: ENTRY_PREFIX,
  lt: Buffer.from('log0', 'latin1'),
} as const;
