import t from 'tap';
import {
  LOG_FORMAT_VERSION,
  LogCorruptionError,
  LogFormatTooNewError,
  openLevelLogStore,
  type BatchReport,
} from '../../actors/log-writer/index.ts';
import { encodeIdentity } from '../../actors/log-writer/store-identity.ts';
import { IDENTITY, entries, memberDir, recordingLogger, rejection, summarize, withRawDb } from './fixtures.ts';
import { storeContract } from './store-contract.ts';

storeContract(t, async (t) => {
  const dataDir = await memberDir(t);
  return (identity = IDENTITY) => openLevelLogStore({ dataDir, ...identity, logger: recordingLogger() });
});

t.test('group commit: concurrent appends share batches, resolve in order, once durable', async (t) => {
  const dataDir = await memberDir(t);
  const batches: BatchReport[] = [];
  const store = await openLevelLogStore({ dataDir, ...IDENTITY, onBatch: (report) => batches.push(report) });
  const appendCount = 200;
  const resolvedOrder: number[] = [];
  const pending: Promise<unknown>[] = [];
  for (let index = 1; index <= appendCount; index += 1) {
    const batchesBefore = batches.length;
    pending.push(
      store.append(entries(index, index, 1), { term: 1, vote: 1, commit: index - 1 }).then((durable) => {
        t.ok(batches.length > batchesBefore, `append ${index} resolves only after a batch completed`);
        t.ok(durable.index >= index, `append ${index} reports durable up to ${durable.index}`);
        resolvedOrder.push(index);
      }),
    );
  }
  await Promise.all(pending);
  t.same(resolvedOrder, Array.from({ length: appendCount }, (_, i) => i + 1), 'promises resolve in call order');
  t.ok(store.stats.batches < appendCount, `${store.stats.batches} batches for ${appendCount} appends`);
  t.equal(store.stats.writes, appendCount);
  t.equal(store.stats.records, appendCount * 2, 'each append is one entry record and one hard-state record');
  t.equal(batches.length, store.stats.batches, 'the metrics hook sees every batch');
  t.equal(batches.reduce((sum, b) => sum + b.writes, 0), appendCount);
  t.ok(store.stats.syncLatencyMsMax > 0, 'fsync latency is measured');
  await store.close();
  const reopened = await openLevelLogStore({ dataDir, ...IDENTITY });
  t.same(summarize(reopened.recover().entries), summarize(entries(1, appendCount, 1)));
  await reopened.close();
});

t.test('close waits for queued appends to become durable', async (t) => {
  const dataDir = await memberDir(t);
  const store = await openLevelLogStore({ dataDir, ...IDENTITY });
  const appended = [store.append(entries(1, 1, 1)), store.append(entries(2, 2, 1)), store.append(entries(3, 3, 1))];
  await store.close();
  const durable = await Promise.all(appended);
  t.same(durable.at(-1), { term: 1, index: 3 }, 'the last append was written before close returned');
  const reopened = await openLevelLogStore({ dataDir, ...IDENTITY });
  t.equal(reopened.recover().entries.length, 3);
  await reopened.close();
});

t.test('a directory written by a newer format is refused', async (t) => {
  const dataDir = await memberDir(t);
  await (await openLevelLogStore({ dataDir, ...IDENTITY })).close();
  await withRawDb(dataDir, async (db) => {
    const record = encodeIdentity(IDENTITY, LOG_FORMAT_VERSION + 1);
    await db.put(record.key, record.value);
  });
  const error = await rejection(openLevelLogStore({ dataDir, ...IDENTITY }));
  t.ok(error instanceof LogFormatTooNewError, 'a typed error');
  t.match((error as LogFormatTooNewError).details, { foundVersion: LOG_FORMAT_VERSION + 1, supportedVersion: LOG_FORMAT_VERSION });
  t.match((error as Error).message, dataDir, 'the message names the directory');
});

t.test('a LevelDB that is not a Conclave log is refused', async (t) => {
  const dataDir = await memberDir(t);
  await withRawDb(dataDir, (db) => db.put(Buffer.from('someone-else'), Buffer.from('x')));
  await t.rejects(openLevelLogStore({ dataDir, ...IDENTITY }), LogCorruptionError);
});

t.test('options are checked before the disk is touched', async (t) => {
  await t.rejects(openLevelLogStore({ dataDir: '', ...IDENTITY }), /dataDir must name/);
  await t.rejects(openLevelLogStore({ dataDir: '/nonexistent/never', clusterId: 0, memberId: 1 }), /clusterId must be a positive safe integer/);
  await t.rejects(openLevelLogStore({ dataDir: '/nonexistent/never', ...IDENTITY, maxQueuedBytes: 0 }), /maxQueuedBytes must be a positive integer/);
});
