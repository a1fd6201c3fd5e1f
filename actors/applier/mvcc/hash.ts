/**
 * HashKV: a CRC32 over the store's retained records up to a revision, the
 * same on every member that applied the same log (compaction is applied
 * synchronously and deterministically, so members agree on what is
 * retained). Values differ from etcd's own hashes, which cover bbolt's
 * encoding; only equality across Conclave members is meaningful.
 *
 * A pure function of the records, so a worker can run it on a snapshot
 * state.
 *
 * Never: hash anything member-local (applied index, timings).
 */
import { crc32 } from 'node:zlib';
import { MvccError } from './errors.ts';
import type { RevisionRecord } from './history.ts';
import { encodedRecordBytes, writeRecord } from './record-codec.ts';

export interface HashKvResult {
  readonly hash: number;
  readonly compactRevision: number;
  /** The store's current revision. */
  readonly revision: number;
}

const SCRATCH_BYTES = 64 * 1024;

/** CRC32 of the records with main <= revision, in log order, in the snapshot's record layout. */
function hashRecords(records: readonly RevisionRecord[], revision: number): number {
  let hash = 0;
  let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  let used = 0;
  for (const record of records) {
    if (record.main > revision) break;
    const size = encodedRecordBytes(record);
    if (used + size > scratch.length) {
      hash = crc32(scratch.subarray(0, used), hash);
      used = 0;
      if (size > scratch.length) scratch = Buffer.allocUnsafe(size);
    }
    used = writeRecord(record, scratch, used);
  }
  return crc32(scratch.subarray(0, used), hash);
}

/**
 * etcd's HashByRev checks: a positive revision at or below the compaction
 * revision is compacted, above the current one is future; 0 or less means
 * the current revision.
 */
export function hashKv(records: readonly RevisionRecord[], revision: number, currentRevision: number, compactRevision: number): HashKvResult {
  if (!Number.isSafeInteger(revision)) throw new TypeError(`revision must be a safe integer, got ${revision}`);
  if (revision > 0 && revision <= compactRevision) throw new MvccError('compacted', compactRevision);
  if (revision > currentRevision) throw new MvccError('futureRevision');
  const upTo = revision > 0 ? revision : currentRevision;
  return { hash: hashRecords(records, upTo), compactRevision, revision: currentRevision };
}
