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

/** Deletes of every entry in `range`: LevelDB has no atomic range delete inside a batch. */
export function entryDeletions(range: IndexRange | null): LogDbOperation[] {
  const deletions: LogDbOperation[] = [];
  if (range === null) return deletions;
  for (let index = range.from; index <= range.to; index += 1) deletions.push({ type: 'del', key: entryKey(index) });
  return deletions;
}
