/**
 * The store's whole state as bytes, and back. Layout:
 *
 *   magic "CMVS" u32 | CRC32 of everything after the header u32 | meta length u32
 *   meta: msgpackr map { format, appliedIndex, currentRevision, compactRevision, recordCount, tableBytes }
 *   table: every retained record in revision order, in record-codec.ts's layout
 *
 * The key index and lease attachments are rebuilt from the records on
 * restore. Records are not msgpackr-encoded because at a million keys that
 * dominated snapshot time (see record-codec.ts).
 *
 * Pure functions of plain data: `MvccStore.snapshotState()` gives the data,
 * `MvccStore.restore()` takes it back. The applier encodes in steps on its
 * own thread rather than on a piscina worker: handing a worker the records
 * is a structured clone that stalls the sender nearly as long as encoding
 * (100k keys: 982 ms vs 1164 ms) and the whole trip took 3.7x as long
 * (bench/snapshot/main.ts, in bench/RESULTS.md).
 *
 * Never: return state from bytes whose checksum or shape is wrong; every
 * such case is a SnapshotCorruptError naming what was wrong.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { SnapshotCorruptError } from './errors.ts';
import type { RevisionRecord } from './history.ts';
import { encodedRecordBytes, MIN_RECORD_BYTES, readRecord, writeRecord } from './record-codec.ts';

export interface MvccSnapshotState {
  readonly appliedIndex: number;
  readonly currentRevision: number;
  readonly compactRevision: number;
  /** Every retained record, in (main, sub) order. */
  readonly records: readonly RevisionRecord[];
}

const MAGIC = 0x53564d43; // "CMVS" read as a little-endian uint32
const HEADER_BYTES = 12;
const FORMAT = 2;

const packr = new Packr({ useRecords: false });

interface Meta {
  readonly format: number;
  readonly appliedIndex: number;
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly recordCount: number;
  readonly tableBytes: number;
}

/**
 * Encodes in steps of `recordsPerStep` records, yielding between steps so a
 * caller can interleave other work (the applier keeps applying while a
 * snapshot is written: the records are immutable and the array is a copy, so
 * later writes do not show through). Returns the bytes when done.
 */
export function* encodeSnapshotSteps(state: MvccSnapshotState, recordsPerStep: number): Generator<void, Uint8Array, void> {
  if (!Number.isSafeInteger(recordsPerStep) || recordsPerStep < 1) throw new RangeError(`recordsPerStep must be a positive integer, got ${recordsPerStep}`);
  let tableBytes = 0;
  for (let i = 0; i < state.records.length; i++) {
    tableBytes += encodedRecordBytes(state.records[i] as RevisionRecord);
    if ((i + 1) % recordsPerStep === 0) yield;
  }
  const meta: Meta = {
    format: FORMAT,
    appliedIndex: state.appliedIndex,
    currentRevision: state.currentRevision,
    compactRevision: state.compactRevision,
    recordCount: state.records.length,
    tableBytes,
  };
  const metaBytes = packr.pack(meta);
  const out = Buffer.allocUnsafe(HEADER_BYTES + metaBytes.length + tableBytes);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(metaBytes.length, 8);
  out.set(metaBytes, HEADER_BYTES);
  let at = HEADER_BYTES + metaBytes.length;
  let crc = crc32(metaBytes);
  for (let from = 0; from < state.records.length; from += recordsPerStep) {
    const stepStart = at;
    const to = Math.min(from + recordsPerStep, state.records.length);
    for (let i = from; i < to; i++) at = writeRecord(state.records[i] as RevisionRecord, out, at);
    crc = crc32(out.subarray(stepStart, at), crc);
    yield;
  }
  if (at !== out.length) throw new Error(`mvcc invariant: snapshot table is ${at - HEADER_BYTES - metaBytes.length} bytes, sized ${tableBytes}`);
  out.writeUInt32LE(crc, 4);
  return out;
}

export function encodeSnapshot(state: MvccSnapshotState): Uint8Array {
  const steps = encodeSnapshotSteps(state, Math.max(1, state.records.length));
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

function readMeta(buf: Buffer): { meta: Meta; tableStart: number } {
  if (buf.length < HEADER_BYTES) throw new SnapshotCorruptError('truncated', `${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  if (buf.readUInt32LE(0) !== MAGIC) throw new SnapshotCorruptError('bad-magic', 'not an MVCC snapshot');
  const metaLength = buf.readUInt32LE(8);
  const tableStart = HEADER_BYTES + metaLength;
  if (tableStart > buf.length) throw new SnapshotCorruptError('length-mismatch', `meta of ${metaLength} bytes runs past the end`);
  let decoded: unknown;
  try {
    decoded = packr.unpack(buf.subarray(HEADER_BYTES, tableStart));
  } catch (error) {
    throw new SnapshotCorruptError('undecodable', (error as Error).message);
  }
  const m = decoded as Partial<Meta> | null;
  if (typeof m !== 'object' || m === null) throw new SnapshotCorruptError('invalid-state', 'meta is not a map');
  if (m.format !== FORMAT) throw new SnapshotCorruptError('unsupported-format', `format ${String(m.format)}, expected ${FORMAT}`);
  if (![m.appliedIndex, m.currentRevision, m.compactRevision, m.recordCount, m.tableBytes].every(isInt)) {
    throw new SnapshotCorruptError('invalid-state', 'missing or malformed meta fields');
  }
  if (tableStart + (m.tableBytes as number) !== buf.length) {
    throw new SnapshotCorruptError('length-mismatch', `meta says ${m.tableBytes} table bytes, found ${buf.length - tableStart}`);
  }
  // Lengths first (they name truncation precisely), then the checksum over everything.
  if (crc32(buf.subarray(HEADER_BYTES)) !== buf.readUInt32LE(4)) throw new SnapshotCorruptError('checksum-mismatch', 'CRC32 of the body does not match the header');
  if ((m.recordCount as number) * MIN_RECORD_BYTES > (m.tableBytes as number)) {
    throw new SnapshotCorruptError('invalid-state', `${m.recordCount} records cannot fit in ${m.tableBytes} bytes`);
  }
  return { meta: m as Meta, tableStart };
}

/** Decodes and checks a snapshot (record order is checked again on restore). */
export function decodeSnapshot(bytes: Uint8Array): MvccSnapshotState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { meta, tableStart } = readMeta(buf);
  const records: RevisionRecord[] = new Array(meta.recordCount);
  let at = tableStart;
  try {
    for (let i = 0; i < meta.recordCount; i++) [records[i], at] = readRecord(buf, at);
  } catch (error) {
    throw new SnapshotCorruptError('invalid-state', (error as Error).message);
  }
  if (at !== buf.length) throw new SnapshotCorruptError('length-mismatch', `${buf.length - at} bytes after the last of ${meta.recordCount} records`);
  return { appliedIndex: meta.appliedIndex, currentRevision: meta.currentRevision, compactRevision: meta.compactRevision, records };
}
