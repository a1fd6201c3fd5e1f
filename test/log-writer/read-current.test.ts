/**
 * `readCurrent()`: a raft actor restarted while its member runs on recovers
 * again from the same open store. It must get the log as the writes before
 * it left it (including those still in flight when it asked), exactly what a
 * reopen would find, on both the LevelDB store and its in-memory twin.
 */
import t from 'tap';
import type { Test } from 'tap';
import {
  LogStoreClosedError,
  MemoryLogDisk,
  openLevelLogStore,
  openMemoryLogStore,
  type LevelLogStore,
  type MemoryLogStore,
  type RecoveredLog,
} from '../../actors/log-writer/index.ts';
import { IDENTITY, entries, memberDir, payload, recordingLogger, summarize } from './fixtures.ts';

/** Both stores (not only the RaftLogStore seam): the raft actor also writes hard states without their own fsync. */
type Store = LevelLogStore | MemoryLogStore;
type OpenStore = () => Promise<Store>;

const comparable = (log: RecoveredLog) => ({ hardState: log.hardState, snapshot: log.snapshot?.meta ?? null, entries: summarize(log.entries) });

function readCurrentContract(t: Test, makeOpener: (t: Test) => Promise<OpenStore>): void {
  t.test('before any write it is what recover() returns', async (t) => {
    const open = await makeOpener(t);
    const first = await open();
    await first.append(entries(1, 4, 1), { term: 1, vote: 1, commit: 2 });
    await first.close();
    const store = await open();
    t.same(comparable(await store.readCurrent()), comparable(store.recover()));
    await store.close();
  });

  t.test('after writes it waits for those in flight and returns what a reopen finds', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    await store.append(entries(1, 10, 1), { term: 1, vote: 1, commit: 8 });
    await store.saveSnapshot({ meta: { index: 6, term: 1, conf: { voters: [1], learners: [] } }, data: payload(6, 1, 32) });
    await store.compact(4);
    // Not awaited: readCurrent must answer after these, with them in.
    const inFlight = [store.append(entries(11, 12, 2), { term: 2, vote: 1, commit: 10 }), store.append([], { term: 2, vote: 1, commit: 12 }, { fsync: false })];
    const current = await store.readCurrent();
    await Promise.all(inFlight);
    t.same(summarize(current.entries), summarize([...entries(5, 10, 1), ...entries(11, 12, 2)]), 'entries after the compaction, the in-flight ones included');
    t.same(current.hardState, { term: 2, vote: 1, commit: 12 }, 'the last hard state written, even one without its own fsync');
    t.equal(current.snapshot?.meta.index, 6);
    t.same(await store.append(entries(13, 13, 2), { term: 2, vote: 1, commit: 12 }), { term: 2, index: 13 }, 'writes go on after it');
    t.same(summarize((await store.readCurrent()).entries).at(-1), summarize(entries(13, 13, 2))[0], 'and a later read sees them');
    store = await reopenAfter(store, open);
    t.same(comparable(store.recover()), comparable({ ...current, entries: [...current.entries, ...entries(13, 13, 2)] }), 'a reopen finds the same log');
    await store.close();
  });

  t.test('a closed store refuses it', async (t) => {
    const open = await makeOpener(t);
    const store = await open();
    await store.append(entries(1, 1, 1), { term: 1, vote: 1, commit: 0 });
    await store.close();
    await t.rejects(store.readCurrent(), LogStoreClosedError);
  });
}

async function reopenAfter(store: Store, open: OpenStore): Promise<Store> {
  await store.close();
  return open();
}

t.test('LevelDB store', async (t) => {
  readCurrentContract(t, async (t) => {
    const dataDir = await memberDir(t);
    return () => openLevelLogStore({ dataDir, ...IDENTITY, logger: recordingLogger() });
  });
});

t.test('in-memory twin', async (t) => {
  readCurrentContract(t, async () => {
    const disk = new MemoryLogDisk('read-current');
    return async () => openMemoryLogStore(disk, IDENTITY);
  });
});
