/**
 * Rebuilds the Raft log from a member's LevelDB on open: hard state, the last
 * snapshot, then one forward scan of the entries, checking every record's
 * checksum and the log's shape (no gaps, terms never decreasing, the log
 * reaches the snapshot, the commit index is covered).
 *
 * Damage is treated by where it is. A run of bad entries that reaches the end
 * of the log is what a crash in the middle of a write leaves: it was never
 * acknowledged, so it is cut (on disk too, with a warning). Anything else --
 * a bad entry with good ones after it, a gap, a bad hard state or snapshot --
 * means acknowledged data is damaged, and recovery stops with a typed error
 * naming the directory and the index. It must never guess or repair those.
 */

import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from '../raft/core/types.ts';
import { LogCorruptionError, LogGapError } from './errors.ts';
import { entryDeletions, type LogDb } from './log-db.ts';
import type { LogStoreLogger, RecoveredLog } from './log-store.ts';
import type { IndexRange } from './log-view.ts';
import { decodeEntry, decodeHardState, decodeSnapshotData, decodeSnapshotMeta } from './record-codec.ts';
import { ENTRY_KEY_RANGE, HARD_STATE_KEY, SNAPSHOT_DATA_KEY, SNAPSHOT_META_KEY, indexOfEntryKey } from './record-keys.ts';

interface TornTail {
  readonly range: IndexRange;
  readonly reason: string;
}

export async function recoverLog(db: LogDb, dataDir: string, logger: LogStoreLogger): Promise<RecoveredLog> {
  const hardState = await readHardState(db, dataDir);
  const snapshot = await readSnapshot(db, dataDir);
  const { entries, tornTail } = await scanEntries(db, dataDir);
  checkLogShape(dataDir, hardState, snapshot, entries, tornTail);
  if (tornTail !== null) await cutTornTail(db, dataDir, tornTail, logger);
  return { hardState, snapshot, entries };
}

async function readHardState(db: LogDb, dataDir: string): Promise<HardState> {
  const value = await db.get(HARD_STATE_KEY);
  if (value === undefined) return EMPTY_HARD_STATE;
  const decoded = decodeHardState(value);
  if (!decoded.ok) throw new LogCorruptionError({ dataDir, recordKind: 'hard-state', index: null, reason: decoded.reason });
  return decoded.value;
}

async function readSnapshot(db: LogDb, dataDir: string): Promise<Snapshot | null> {
  const [metaValue, dataValue] = await db.getMany([SNAPSHOT_META_KEY, SNAPSHOT_DATA_KEY]);
  if (metaValue === undefined) {
    if (dataValue === undefined) return null;
    throw new LogCorruptionError({ dataDir, recordKind: 'snapshot-meta', index: null, reason: 'missing, while snapshot data is present' });
  }
  const meta = decodeSnapshotMeta(metaValue);
  if (!meta.ok) throw new LogCorruptionError({ dataDir, recordKind: 'snapshot-meta', index: null, reason: meta.reason });
  const index = meta.value.index;
  if (dataValue === undefined) throw new LogCorruptionError({ dataDir, recordKind: 'snapshot-data', index, reason: 'missing, while snapshot meta is present' });
  const data = decodeSnapshotData(dataValue, meta.value);
  if (!data.ok) throw new LogCorruptionError({ dataDir, recordKind: 'snapshot-data', index, reason: data.reason });
  return { meta: meta.value, data: data.value };
}

async function scanEntries(db: LogDb, dataDir: string): Promise<{ entries: Entry[]; tornTail: TornTail | null }> {
  const entries: Entry[] = [];
  let previousIndex: number | null = null;
  let previousTerm = 0;
  let firstBad: { index: number; reason: string } | null = null;
  for await (const [key, value] of db.iterator(ENTRY_KEY_RANGE)) {
    const index = indexOfEntryKey(key);
    if (index === null) throw new LogCorruptionError({ dataDir, recordKind: 'entry', index: null, reason: `malformed entry key 0x${key.toString('hex')}` });
    if (previousIndex !== null && index !== previousIndex + 1) throw new LogGapError({ dataDir, expectedIndex: previousIndex + 1, foundIndex: index });
    previousIndex = index;
    const decoded = decodeEntry(key, value, index);
    if (!decoded.ok) {
      firstBad ??= { index, reason: decoded.reason };
      continue;
    }
    if (firstBad !== null) {
      const reason = `${firstBad.reason}; a valid entry follows at ${index}, so this is not a torn tail`;
      throw new LogCorruptionError({ dataDir, recordKind: 'entry', index: firstBad.index, reason });
    }
    const entry = decoded.value;
    if (entry.term < previousTerm) {
      throw new LogCorruptionError({ dataDir, recordKind: 'entry', index, reason: `term ${entry.term} is below the previous entry's term ${previousTerm}` });
    }
    previousTerm = entry.term;
    entries.push(entry);
  }
  const tornTail = firstBad === null || previousIndex === null ? null : { range: { from: firstBad.index, to: previousIndex }, reason: firstBad.reason };
  return { entries, tornTail };
}

function checkLogShape(dataDir: string, hardState: HardState, snapshot: Snapshot | null, entries: readonly Entry[], tornTail: TornTail | null): void {
  const snapshotIndex = snapshot?.meta.index ?? 0;
  const first = entries[0];
  const last = entries.at(-1);
  if (first !== undefined && first.index > snapshotIndex + 1) {
    throw new LogGapError({ dataDir, expectedIndex: snapshotIndex + 1, foundIndex: first.index });
  }
  if (snapshot !== null && first !== undefined && last !== undefined) {
    if (last.index < snapshotIndex) {
      throw new LogCorruptionError({ dataDir, recordKind: 'snapshot-meta', index: snapshotIndex, reason: `the log ends at ${last.index}, before the snapshot` });
    }
    const atSnapshot = entries[snapshotIndex - first.index];
    if (atSnapshot !== undefined && atSnapshot.term !== snapshot.meta.term) {
      const reason = `term ${atSnapshot.term} differs from the snapshot's term ${snapshot.meta.term} at the same index`;
      throw new LogCorruptionError({ dataDir, recordKind: 'entry', index: snapshotIndex, reason });
    }
  }
  const lastIndex = Math.max(last?.index ?? 0, snapshotIndex);
  if (hardState.commit > lastIndex) {
    const cut = tornTail === null ? '' : ` once the damaged tail ${tornTail.range.from}..${tornTail.range.to} (${tornTail.reason}) is cut`;
    throw new LogCorruptionError({ dataDir, recordKind: 'hard-state', index: null, reason: `commit index ${hardState.commit} is beyond the last durable entry ${lastIndex}${cut}` });
  }
}

async function cutTornTail(db: LogDb, dataDir: string, tornTail: TornTail, logger: LogStoreLogger): Promise<void> {
  const { from, to } = tornTail.range;
  logger.warn('cutting a torn tail off the raft log (a crash interrupted its write; it was never acknowledged)', {
    dataDir,
    fromIndex: from,
    toIndex: to,
    reason: tornTail.reason,
  });
  await db.batch(entryDeletions(tornTail.range), { sync: true });
}
