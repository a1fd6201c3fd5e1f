/**
 * Byte estimates for bounding buffers and fragmenting responses. They track
 * the protobuf encoding closely enough for limits (key and value bytes plus
 * the worst case of the varint fields and tags), without encoding anything.
 */

import type { ChangeEvent, KeyValue } from '../applier/mvcc/types.ts';

/** Tags and varints of create/mod revision, version and lease (10 bytes each at most), plus framing. */
const KEY_VALUE_OVERHEAD_BYTES = 48;
const EVENT_OVERHEAD_BYTES = 8;

function keyValueBytes(kv: KeyValue): number {
  return KEY_VALUE_OVERHEAD_BYTES + kv.key.byteLength + kv.value.byteLength;
}

export function eventBytes(event: ChangeEvent): number {
  return EVENT_OVERHEAD_BYTES + keyValueBytes(event.kv) + (event.prevKv === null ? 0 : keyValueBytes(event.prevKv));
}
