/**
 * Reads a saved snapshot file (src/server/snapshot-file.ts, plus the SHA-256
 * the Snapshot stream appends) for `snapshot status` and `snapshot restore`,
 * and checks it as etcd 3.4's restore does (clientv3/snapshot):
 * - the file carries the digest when its size is a multiple of 512 plus 32;
 * - a digest that does not match the body is refused;
 * - a file without one (copied out of a data directory, say) is refused
 *   unless the caller skips the check (--skip-hash-check).
 * Then the body must be a Conclave snapshot whose own checksums hold.
 *
 * Never: hand out state from a file that failed a check that was asked for;
 * every refusal is a CommandFailure saying what is wrong.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { SnapshotCorruptError } from '../../../actors/applier/mvcc/index.ts';
import { decodeMemberState, type DecodedMemberState } from '../../../actors/applier/state-snapshot.ts';
import { decodeSnapshotFile, SNAPSHOT_FILE_ALIGN_BYTES } from '../../server/snapshot-file.ts';
import { CommandFailure } from './command-line.ts';
import type { ByteProgress } from './progress.ts';

/** The SHA-256 etcd's Snapshot stream appends to the file (and etcdctl keeps at its end). */
export const SNAPSHOT_DIGEST_BYTES = 32;
/** Bytes per read: big enough to stream at disk speed, small enough to redraw the bar often. */
const READ_CHUNK_BYTES = 1024 * 1024;

export interface SavedSnapshot {
  /** The file without its trailing SHA-256: what etcd calls the db, and what `status` sizes and hashes. */
  readonly body: Buffer;
  readonly state: DecodedMemberState;
}

export interface ReadOptions {
  /** Refuse a file without the trailing SHA-256 (restore without --skip-hash-check). */
  readonly requireHash: boolean;
  /** Do not compare the trailing SHA-256 (restore --skip-hash-check). */
  readonly skipHashCheck: boolean;
  /** Called with the file's size before the first read: the bar to advance (finished when reading ends). */
  readonly progress: (totalBytes: number) => ByteProgress | null;
}

async function openFile(path: string) {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new CommandFailure(`cannot read snapshot ${path}: ${(error as Error).message}`);
  }
}

async function readWhole(path: string, startProgress: ReadOptions['progress']): Promise<Buffer> {
  const handle = await openFile(path);
  let progress: ByteProgress | null = null;
  try {
    const sizeBytes = (await handle.stat()).size;
    progress = startProgress(sizeBytes);
    const bytes = Buffer.allocUnsafe(sizeBytes);
    // Bounded: each pass reads at least one byte or stops.
    for (let offset = 0; offset < sizeBytes; ) {
      const { bytesRead } = await handle.read(bytes, offset, Math.min(READ_CHUNK_BYTES, sizeBytes - offset), offset);
      if (bytesRead === 0) throw new CommandFailure(`snapshot ${path} shrank while being read (${offset} of ${sizeBytes} bytes)`);
      offset += bytesRead;
      progress?.advance(bytesRead);
    }
    return bytes;
  } finally {
    progress?.finish();
    await handle.close();
  }
}

/** etcd's test for the appended digest: its files are whole 512-byte pages, so 32 bytes over means a digest. */
const hasTrailingHash = (sizeBytes: number): boolean => sizeBytes % SNAPSHOT_FILE_ALIGN_BYTES === SNAPSHOT_DIGEST_BYTES;

export async function readSavedSnapshot(path: string, options: ReadOptions): Promise<SavedSnapshot> {
  const file = await readWhole(path, options.progress);
  const hasHash = hasTrailingHash(file.length);
  const body = hasHash ? file.subarray(0, file.length - SNAPSHOT_DIGEST_BYTES) : file;
  if (!hasHash && options.requireHash && !options.skipHashCheck) {
    throw new CommandFailure('snapshot missing hash but --skip-hash-check=false');
  }
  if (hasHash && !options.skipHashCheck) {
    const expected = file.subarray(file.length - SNAPSHOT_DIGEST_BYTES).toString('hex');
    const actual = createHash('sha256').update(body).digest('hex');
    if (expected !== actual) throw new CommandFailure(`snapshot file integrity check failed: expected sha256 ${expected}, got ${actual}`);
  }
  let stateBytes: Uint8Array;
  try {
    stateBytes = decodeSnapshotFile(body);
  } catch (error) {
    throw new CommandFailure(`${path}: ${(error as Error).message}`);
  }
  try {
    return { body, state: decodeMemberState(stateBytes) };
  } catch (error) {
    if (error instanceof SnapshotCorruptError) throw new CommandFailure(`snapshot file integrity check failed: ${error.message}`);
    throw error;
  }
}
