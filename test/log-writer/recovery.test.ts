import t from 'tap';
import type { Test } from 'tap';
import { LogCorruptionError, LogGapError, openLevelLogStore, type LevelLogStore } from '../../actors/log-writer/index.ts';
import { encodeEntry, encodeSnapshot } from '../../actors/log-writer/record-codec.ts';
import { HARD_STATE_KEY, entryKey } from '../../actors/log-writer/record-keys.ts';
import { IDENTITY, entries, entry, logDbPath, memberDir, payload, recordingLogger, rejection, summarize, withRawDb } from './fixtures.ts';

/** A closed member directory holding entries 1..5 (term 1) with commit `commit`. */
async function fiveEntries(t: Test, commit: number): Promise<string> {
  const dataDir = await memberDir(t);
  const store = await openLevelLogStore({ dataDir, ...IDENTITY });
  await store.append(entries(1, 5, 1), { term: 1, vote: 1, commit });
  await store.close();
  return dataDir;
}

async function damage(dataDir: string, key: Buffer, change: (value: Buffer) => Buffer): Promise<void> {
  await withRawDb(dataDir, async (db) => {
    const value = await db.get(key);
    if (value === undefined) throw new Error(`no record under ${key.toString('hex')}`);
    await db.put(key, change(Buffer.from(value)));
  });
}

const torn = (value: Buffer): Buffer => value.subarray(0, value.length - 3);

function flipByte(at: number) {
  return (value: Buffer): Buffer => {
    const flipped = Buffer.from(value);
    flipped[at] = (flipped[at] ?? 0) ^ 0x5a;
    return flipped;
  };
}

async function openExpectingError(t: Test, dataDir: string): Promise<unknown> {
  const logger = recordingLogger();
  const error = await rejection(openLevelLogStore({ dataDir, ...IDENTITY, logger }));
  t.match((error as Error).message, logDbPath(dataDir), 'the message names the log directory');
  t.same(logger.warnings, [], 'damage that stops recovery is not also "cut"');
  return error;
}

t.test('a torn record at the tail is cut, with a warning, and stays cut', async (t) => {
  const dataDir = await fiveEntries(t, 3);
  await damage(dataDir, entryKey(5), torn);
  const logger = recordingLogger();
  let store: LevelLogStore = await openLevelLogStore({ dataDir, ...IDENTITY, logger });
  t.same(summarize(store.recover().entries), summarize(entries(1, 4, 1)), 'entry 5 is cut');
  t.equal(logger.warnings.length, 1, 'one warning');
  t.match(logger.warnings[0]?.fields, { dataDir: logDbPath(dataDir), fromIndex: 5, toIndex: 5 });
  t.same(await store.append(entries(5, 5, 1)), { term: 1, index: 5 }, 'the cut index can be written again');
  await store.close();

  const quiet = recordingLogger();
  store = await openLevelLogStore({ dataDir, ...IDENTITY, logger: quiet });
  t.same(summarize(store.recover().entries), summarize(entries(1, 5, 1)));
  t.same(quiet.warnings, [], 'nothing to cut on the next open');
  await store.close();
});

t.test('several damaged records at the tail are cut together', async (t) => {
  const dataDir = await fiveEntries(t, 3);
  await damage(dataDir, entryKey(4), flipByte(10));
  await damage(dataDir, entryKey(5), torn);
  const logger = recordingLogger();
  const store = await openLevelLogStore({ dataDir, ...IDENTITY, logger });
  t.same(summarize(store.recover().entries), summarize(entries(1, 3, 1)));
  t.match(logger.warnings[0]?.fields, { fromIndex: 4, toIndex: 5 });
  await store.close();
});

t.test('a damaged tail below the commit index is an error, not a cut', async (t) => {
  const dataDir = await fiveEntries(t, 5);
  await damage(dataDir, entryKey(5), torn);
  const error = await openExpectingError(t, dataDir);
  t.ok(error instanceof LogCorruptionError);
  t.match((error as LogCorruptionError).details, { recordKind: 'hard-state' });
  t.match((error as Error).message, /commit index 5 is beyond the last durable entry 4 once the damaged tail 5..5/);
});

t.test('flipped bytes in a middle record stop recovery, naming directory and index', async (t) => {
  const dataDir = await fiveEntries(t, 0);
  await damage(dataDir, entryKey(3), flipByte(12));
  const error = await openExpectingError(t, dataDir);
  t.ok(error instanceof LogCorruptionError, 'a typed error');
  t.match((error as LogCorruptionError).details, { dataDir: logDbPath(dataDir), recordKind: 'entry', index: 3 });
  t.match((error as Error).message, /entry record at index 3: checksum mismatch/);
});

t.test('a record copied under another index fails its checksum', async (t) => {
  const dataDir = await fiveEntries(t, 0);
  await withRawDb(dataDir, async (db) => {
    const second = await db.get(entryKey(2));
    if (second === undefined) throw new Error('entry 2 missing');
    await db.put(entryKey(3), second);
  });
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogCorruptionError).details, { recordKind: 'entry', index: 3 });
});

t.test('a missing entry in the middle is a gap', async (t) => {
  const dataDir = await fiveEntries(t, 0);
  await withRawDb(dataDir, (db) => db.del(entryKey(3)));
  const error = await openExpectingError(t, dataDir);
  t.ok(error instanceof LogGapError, 'a typed error');
  t.match((error as LogGapError).details, { dataDir: logDbPath(dataDir), expectedIndex: 3, foundIndex: 4 });
});

t.test('a log that does not start at 1 (and has no snapshot) is a gap', async (t) => {
  const dataDir = await fiveEntries(t, 0);
  await withRawDb(dataDir, (db) => db.del(entryKey(1)));
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogGapError).details, { expectedIndex: 1, foundIndex: 2 });
});

t.test('a term that goes back is corruption', async (t) => {
  const dataDir = await memberDir(t);
  const store = await openLevelLogStore({ dataDir, ...IDENTITY });
  await store.append(entries(1, 3, 2));
  await store.close();
  await withRawDb(dataDir, async (db) => {
    const record = encodeEntry(entry(2, 1));
    await db.put(record.key, record.value);
  });
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogCorruptionError).details, { recordKind: 'entry', index: 2 });
  t.match((error as Error).message, /term 1 is below the previous entry's term 2/);
});

t.test('a damaged hard state stops recovery', async (t) => {
  const dataDir = await fiveEntries(t, 2);
  await damage(dataDir, HARD_STATE_KEY, flipByte(5));
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogCorruptionError).details, { recordKind: 'hard-state', index: null });
});

t.test('a snapshot whose term disagrees with the log at its index is corruption', async (t) => {
  const dataDir = await memberDir(t);
  const store = await openLevelLogStore({ dataDir, ...IDENTITY });
  await store.append(entries(1, 5, 1), { term: 1, vote: 1, commit: 4 });
  await store.saveSnapshot({ meta: { index: 3, term: 1, conf: { voters: [1], learners: [] } }, data: payload(3, 1) });
  await store.close();
  await withRawDb(dataDir, async (db) => {
    const records = encodeSnapshot({ meta: { index: 3, term: 2, conf: { voters: [1], learners: [] } }, data: payload(3, 2) });
    await db.batch(records.map((record) => ({ type: 'put' as const, key: record.key, value: record.value })));
  });
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogCorruptionError).details, { recordKind: 'entry', index: 3 });
});

t.test('snapshot data that belongs to another snapshot is corruption', async (t) => {
  const dataDir = await memberDir(t);
  const store = await openLevelLogStore({ dataDir, ...IDENTITY });
  await store.append(entries(1, 5, 1), { term: 1, vote: 1, commit: 4 });
  await store.saveSnapshot({ meta: { index: 3, term: 1, conf: { voters: [1], learners: [] } }, data: payload(3, 1) });
  await store.close();
  await withRawDb(dataDir, async (db) => {
    const [, staleData] = encodeSnapshot({ meta: { index: 2, term: 1, conf: { voters: [1], learners: [] } }, data: payload(2, 1) });
    await db.put(staleData.key, staleData.value);
  });
  const error = await openExpectingError(t, dataDir);
  t.match((error as LogCorruptionError).details, { recordKind: 'snapshot-data', index: 3 });
});
