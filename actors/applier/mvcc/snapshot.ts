/**
 * The store's whole state as bytes, and back: a 12-byte header (magic
 * "CMVS", CRC32 of the body, body length) and a msgpackr body holding the
 * applied index, the revisions and every retained record in revision order
 * (the key index and lease attachments are rebuilt from the records).
 *
 * Pure functions of plain data, so the lead can run them on a piscina
 * worker: `MvccStore.snapshotState()` gives the data, `MvccStore.restore()`
 * takes it back.
 *
 * Keys and values travel as msgpack bin (the stored binary strings turned
 * back into bytes): as str, every byte >= 0x80 would take two bytes.
 *
 * Never: return state from bytes whose checksum or shape is wrong; every
 * such case is a SnapshotCorruptError naming what was wrong.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { SnapshotCorruptError } from './errors.ts';
import type { RevisionRecord } from './history.ts';
import { toBinary, toBytes } from './keys.ts';

export interface MvccSnapshotState {
  readonly appliedIndex: number;
  readonly currentRevision: number;
  readonly compactRevision: number;
  /** Every retained record, in (main, sub) order. */
  readonly records: readonly RevisionRecord[];
}

const MAGIC = 0x53564d43; // "CMVS" read as a little-endian uint32
const HEADER_BYTES = 12;
const FORMAT = 1;
const FIELDS_PER_RECORD = 7;

const packr = new Packr({ useRecords: false });

interface Body {
  readonly format: number;
  readonly appliedIndex: number;
  readonly currentRevision: number;
  readonly compactRevision: number;
  /** FIELDS_PER_RECORD entries per record: main, sub, key, value, createRevision, version, lease. */
  readonly records: ReadonlyArray<number | Uint8Array>;
}

export function encodeSnapshot(state: MvccSnapshotState): Uint8Array {
  const flat: Array<number | Uint8Array> = new Array(state.records.length * FIELDS_PER_RECORD);
  let at = 0;
  for (const r of state.records) {
    flat[at++] = r.main;
    flat[at++] = r.sub;
    flat[at++] = toBytes(r.key);
    flat[at++] = toBytes(r.value);
    flat[at++] = r.createRevision;
    flat[at++] = r.version;
    flat[at++] = r.lease;
  }
  const body: Body = { format: FORMAT, appliedIndex: state.appliedIndex, currentRevision: state.currentRevision, compactRevision: state.compactRevision, records: flat };
  const encoded = packr.pack(body);
  if (encoded.length > 0xffff_ffff) throw new RangeError('mvcc snapshot body exceeds 4 GiB');
  const out = Buffer.allocUnsafe(HEADER_BYTES + encoded.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(crc32(encoded), 4);
  out.writeUInt32LE(encoded.length, 8);
  out.set(encoded, HEADER_BYTES);
  return out;
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

function readBody(bytes: Uint8Array): Body {
  if (bytes.length < HEADER_BYTES) throw new SnapshotCorruptError('truncated', `${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.readUInt32LE(0) !== MAGIC) throw new SnapshotCorruptError('bad-magic', 'not an MVCC snapshot');
  const bodyLength = buf.readUInt32LE(8);
  if (bodyLength !== buf.length - HEADER_BYTES) throw new SnapshotCorruptError('length-mismatch', `header says ${bodyLength} body bytes, found ${buf.length - HEADER_BYTES}`);
  const encoded = buf.subarray(HEADER_BYTES);
  if (crc32(encoded) !== buf.readUInt32LE(4)) throw new SnapshotCorruptError('checksum-mismatch', 'CRC32 of the body does not match the header');
  let body: unknown;
  try {
    body = packr.unpack(encoded);
  } catch (error) {
    throw new SnapshotCorruptError('undecodable', (error as Error).message);
  }
  const b = body as Partial<Body> | null;
  if (typeof b !== 'object' || b === null) throw new SnapshotCorruptError('invalid-state', 'body is not a map');
  if (b.format !== FORMAT) throw new SnapshotCorruptError('unsupported-format', `format ${String(b.format)}, expected ${FORMAT}`);
  if (!isInt(b.appliedIndex) || !isInt(b.currentRevision) || !isInt(b.compactRevision) || !Array.isArray(b.records)) {
    throw new SnapshotCorruptError('invalid-state', 'missing or malformed header fields');
  }
  return b as Body;
}

function readRecord(flat: ReadonlyArray<unknown>, at: number): RevisionRecord {
  const main = flat[at];
  const sub = flat[at + 1];
  const key = flat[at + 2];
  const value = flat[at + 3];
  const createRevision = flat[at + 4];
  const version = flat[at + 5];
  const lease = flat[at + 6];
  if (!isInt(main) || !isInt(sub) || !(key instanceof Uint8Array) || !(value instanceof Uint8Array) || !isInt(createRevision) || !isInt(version) || !isInt(lease)) {
    throw new SnapshotCorruptError('invalid-state', `malformed record at field ${at}`);
  }
  return { main, sub, key: toBinary(key), value: toBinary(value), createRevision, version, lease };
}

/** Decodes and checks a snapshot (record order and contents are checked again on restore). */
export function decodeSnapshot(bytes: Uint8Array): MvccSnapshotState {
  const body = readBody(bytes);
  if (body.records.length % FIELDS_PER_RECORD !== 0) throw new SnapshotCorruptError('invalid-state', 'record array length is not a whole number of records');
  const records: RevisionRecord[] = new Array(body.records.length / FIELDS_PER_RECORD);
  for (let i = 0; i < records.length; i++) records[i] = readRecord(body.records, i * FIELDS_PER_RECORD);
  return { appliedIndex: body.appliedIndex, currentRevision: body.currentRevision, compactRevision: body.compactRevision, records };
}
