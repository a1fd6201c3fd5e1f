/**
 * How each record is laid out as a LevelDB value: a 4-byte big-endian CRC32
 * followed by a msgpackr body. The CRC covers the record's key and then its
 * body, so a record that is damaged, torn, or sitting under the wrong key
 * fails the check. LevelDB checksums its own blocks too; this check also
 * catches damage LevelDB lets through and does not rely on its options.
 *
 * Bodies are positional arrays (compact, and the order is the format);
 * decoding checks every field's type, so a record that passes its CRC but
 * does not have the right shape is still reported as corrupt. Nothing
 * here throws on bad input: decoders return a reason, and recovery decides
 * whether that is a tail to cut or an error.
 */

import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { Entry, EntryKind, HardState, Snapshot, SnapshotMeta } from '../raft/core/types.ts';
import { HARD_STATE_KEY, SNAPSHOT_DATA_KEY, SNAPSHOT_META_KEY, entryKey } from './record-keys.ts';

const CRC_BYTES = 4;
const packr = new Packr({ useRecords: false, moreTypes: false });

export interface StoredRecord {
  readonly key: Buffer;
  readonly value: Buffer;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ENTRY_KIND_CODES: Readonly<Record<EntryKind, number>> = { normal: 0, 'conf-change': 1 };
const ENTRY_KINDS_BY_CODE: readonly EntryKind[] = ['normal', 'conf-change'];

export function encodeRecord(key: Buffer, body: unknown): StoredRecord {
  const packed = packr.pack(body);
  const value = Buffer.allocUnsafe(CRC_BYTES + packed.length);
  packed.copy(value, CRC_BYTES);
  value.writeUInt32BE(checksum(key, value.subarray(CRC_BYTES)), 0);
  return { key, value };
}

/** The body of a record if its checksum holds and it decodes; otherwise why not. */
export function openRecord(key: Uint8Array, value: Uint8Array): Decoded<unknown> {
  if (value.length <= CRC_BYTES) return failure(`record is ${value.length} bytes, shorter than its checksum and body`);
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.length);
  const stored = bytes.readUInt32BE(0);
  const body = bytes.subarray(CRC_BYTES);
  const computed = checksum(key, body);
  if (stored !== computed) return failure(`checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  try {
    return { ok: true, value: packr.unpack(body) };
  } catch (error) {
    return failure(`body does not decode: ${(error as Error).message}`);
  }
}

export function encodeEntry(entry: Entry): StoredRecord {
  return encodeRecord(entryKey(entry.index), [entry.index, entry.term, ENTRY_KIND_CODES[entry.kind], entry.data]);
}

export function decodeEntry(key: Uint8Array, value: Uint8Array, keyIndex: number): Decoded<Entry> {
  const opened = openRecord(key, value);
  if (!opened.ok) return opened;
  const body = opened.value;
  if (!Array.isArray(body) || body.length !== 4) return failure('entry body is not [index, term, kind, data]');
  const [index, term, kindCode, data] = body as unknown[];
  if (index !== keyIndex) return failure(`entry body says index ${String(index)} under the key of index ${keyIndex}`);
  if (!isPositiveInteger(term)) return failure(`entry term ${String(term)} is not a positive integer`);
  const kind = typeof kindCode === 'number' ? ENTRY_KINDS_BY_CODE[kindCode] : undefined;
  if (kind === undefined) return failure(`unknown entry kind code ${String(kindCode)}`);
  if (!(data instanceof Uint8Array)) return failure('entry data is not bytes');
  return { ok: true, value: { index: keyIndex, term, kind, data } };
}

export function encodeHardState(hardState: HardState): StoredRecord {
  return encodeRecord(HARD_STATE_KEY, [hardState.term, hardState.vote, hardState.commit]);
}

export function decodeHardState(value: Uint8Array): Decoded<HardState> {
  const opened = openRecord(HARD_STATE_KEY, value);
  if (!opened.ok) return opened;
  const body = opened.value;
  if (!Array.isArray(body) || body.length !== 3 || !body.every(isCount)) return failure('hard state body is not [term, vote, commit]');
  const [term, vote, commit] = body as [number, number, number];
  return { ok: true, value: { term, vote, commit } };
}

/** A snapshot is two records, meta and data, always written in one batch. */
export function encodeSnapshot(snapshot: Snapshot): [StoredRecord, StoredRecord] {
  const { index, term, conf } = snapshot.meta;
  return [
    encodeRecord(SNAPSHOT_META_KEY, [index, term, conf.voters, conf.learners]),
    encodeRecord(SNAPSHOT_DATA_KEY, [index, term, snapshot.data]),
  ];
}

export function decodeSnapshotMeta(value: Uint8Array): Decoded<SnapshotMeta> {
  const opened = openRecord(SNAPSHOT_META_KEY, value);
  if (!opened.ok) return opened;
  const body = opened.value;
  if (!Array.isArray(body) || body.length !== 4) return failure('snapshot meta body is not [index, term, voters, learners]');
  const [index, term, voters, learners] = body as unknown[];
  if (!isPositiveInteger(index) || !isPositiveInteger(term)) return failure('snapshot index or term is not a positive integer');
  if (!isIdList(voters) || !isIdList(learners)) return failure('snapshot membership is not two lists of member IDs');
  return { ok: true, value: { index, term, conf: { voters, learners } } };
}

/** The data record must name the same (index, term) as the meta: a mismatched pair is corruption. */
export function decodeSnapshotData(value: Uint8Array, meta: SnapshotMeta): Decoded<Uint8Array> {
  const opened = openRecord(SNAPSHOT_DATA_KEY, value);
  if (!opened.ok) return opened;
  const body = opened.value;
  if (!Array.isArray(body) || body.length !== 3) return failure('snapshot data body is not [index, term, data]');
  const [index, term, data] = body as unknown[];
  if (index !== meta.index || term !== meta.term) {
    return failure(`snapshot data is for (${String(term)}, ${String(index)}) but its meta says (${meta.term}, ${meta.index})`);
  }
  if (!(data instanceof Uint8Array)) return failure('snapshot data is not bytes');
  return { ok: true, value: data };
}

function checksum(key: Uint8Array, body: Uint8Array): number {
  return crc32(body, crc32(key));
}

function failure(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPositiveInteger(value: unknown): value is number {
  return isCount(value) && value >= 1;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isCount);
}
