/**
 * The one LevelDB a member keeps its Raft log in, and the typed handle the
 * rest of the log writer uses. It lives in its own directory under the
 * member's data directory so other stores (the MVCC state, ...) can sit
 * beside it without sharing LevelDB's lock or compaction.
 *
 * Keys and values are raw bytes: the layout is record-keys.ts and
 * record-codec.ts, never LevelDB's own encodings.
 */

import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { IndexRange } from './log-view.ts';
import { entryKey } from './record-keys.ts';

/** The log's LevelDB directory, relative to the member's data directory. */
export const RAFT_LOG_DIRNAME = 'raft-log';

export type LogDb = ClassicLevel<Buffer, Buffer>;

export type LogDbOperation = { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer } | { readonly type: 'del'; readonly key: Buffer };

export function logDbLocation(memberDataDir: string): string {
  return join(memberDataDir, RAFT_LOG_DIRNAME);
}

export async function openLogDb(location: string): Promise<LogDb> {
  const db = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: true });
  await db.open();
  return db;
}

/**
 * Writes `operations` as one atomic LevelDB batch, through abstract-level's
 * chained batch rather than db.batch(array): the array form copies and
 * normalises every operation in JavaScript first, which made it 3-4x dearer
 * on the calling thread (16 puts of 330 B: 138-204 vs 33-50 µs per call; one
 * put: 23-55 vs 19-33 µs; `node --import tsx bench/log-writer/batch-call.ts`,
 * three alternating rounds of 2,000 calls), and this runs
 * on the log writer's thread once per Raft Ready. Same records, same atomicity.
 */
export async function writeBatch(db: LogDb, operations: readonly LogDbOperation[], sync: boolean): Promise<void> {
  const batch = db.batch();
  try {
    for (const operation of operations) {
      if (operation.type === 'put') batch.put(operation.key, operation.value);
      else batch.del(operation.key);
    }
  } catch (error) {
    await batch.close(); // an unwritten chained batch holds the database open
    throw error;
  }
  await batch.write({ sync });
}

/** Deletes of every entry in `range`: LevelDB has no atomic range delete inside a batch. */
export function entryDeletions(range: IndexRange | null): LogDbOperation[] {
  const deletions: LogDbOperation[] = [];
  if (range === null) return deletions;
  for (let index = range.from; index <= range.to; index += 1) deletions.push({ type: 'del', key: entryKey(index) });
  return deletions;
}
