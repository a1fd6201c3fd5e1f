/**
 * What every `RaftLogStore` must do, written once and run against both the
 * LevelDB store and its in-memory twin, so the twin the simulator relies on
 * cannot drift from the real thing. "Reopen" is close, then open again on the
 * same directory (or memory disk): what a restarting member does.
 */

import type { Test } from 'tap';
import { LogIdentityMismatchError, LogStoreClosedError, type MemberIdentity, type RaftLogStore } from '../../actors/log-writer/index.ts';
import { IDENTITY, entries, payload, summarize } from './fixtures.ts';

/** Opens a store on one fixed directory or disk; each call is a fresh process's view of it. */
export type OpenStore = (identity?: MemberIdentity) => Promise<RaftLogStore>;

async function reopen(store: RaftLogStore, open: OpenStore): Promise<RaftLogStore> {
  await store.close();
  return open();
}

export function storeContract(t: Test, makeOpener: (t: Test) => Promise<OpenStore>): void {
  t.test('appended entries and hard state come back after a reopen', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    t.same(store.recover(), { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] }, 'a new log is empty');
    t.same(await store.append(entries(1, 3, 1), { term: 1, vote: 1, commit: 0 }), { term: 1, index: 3 });
    t.same(await store.append(entries(4, 5, 2), { term: 2, vote: 2, commit: 3 }), { term: 2, index: 5 });
    store = await reopen(store, open);
    const recovered = store.recover();
    t.same(summarize(recovered.entries), summarize([...entries(1, 3, 1), ...entries(4, 5, 2)]));
    t.same(recovered.hardState, { term: 2, vote: 2, commit: 3 });
    t.equal(recovered.snapshot, null);
    await store.close();
  });

  t.test('an append below the last index replaces the conflicting suffix', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    await store.append(entries(1, 6, 1), { term: 1, vote: 1, commit: 2 });
    t.same(await store.append(entries(4, 4, 2), { term: 2, vote: 0, commit: 2 }), { term: 2, index: 4 }, 'durable up to the new, shorter end');
    store = await reopen(store, open);
    t.same(summarize(store.recover().entries), summarize([...entries(1, 3, 1), ...entries(4, 4, 2)]), 'entries 5 and 6 are gone');
    await store.close();
  });

  t.test('a local snapshot keeps the log until compaction drops the covered prefix', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    await store.append(entries(1, 10, 1), { term: 1, vote: 1, commit: 8 });
    const snapshot = { meta: { index: 6, term: 1, conf: { voters: [1, 2, 3], learners: [4] } }, data: payload(6, 1, 64) };
    t.same(await store.saveSnapshot(snapshot), { term: 1, index: 10 });
    store = await reopen(store, open);
    let recovered = store.recover();
    t.same(summarize(recovered.entries), summarize(entries(1, 10, 1)), 'entries stay after a snapshot');
    t.same(recovered.snapshot?.meta, snapshot.meta);
    t.same(Buffer.from(recovered.snapshot?.data ?? []), Buffer.from(snapshot.data));
    await store.compact(6);
    await t.rejects(store.compact(7), /would drop entries not covered by the snapshot/, 'cannot compact past the snapshot');
    store = await reopen(store, open);
    recovered = store.recover();
    t.same(summarize(recovered.entries), summarize(entries(7, 10, 1)), 'entries up to the snapshot are dropped');
    t.same(recovered.snapshot?.meta.index, 6);
    t.same(await store.append(entries(11, 11, 1)), { term: 1, index: 11 }, 'appends continue after compaction');
    await store.close();
  });

  t.test('a snapshot the log does not match replaces the whole log', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    await store.append(entries(1, 5, 1), { term: 1, vote: 1, commit: 2 });
    const snapshot = { meta: { index: 8, term: 3, conf: { voters: [1, 2, 3], learners: [] } }, data: payload(8, 3) };
    t.same(await store.saveSnapshot(snapshot), { term: 3, index: 8 });
    await store.append([], { term: 3, vote: 0, commit: 8 });
    store = await reopen(store, open);
    const recovered = store.recover();
    t.same(recovered.entries, [], 'the old entries are gone');
    t.same(recovered.snapshot?.meta, snapshot.meta);
    t.same(recovered.hardState, { term: 3, vote: 0, commit: 8 });
    t.same(await store.append(entries(9, 10, 3)), { term: 3, index: 10 }, 'the log restarts after the snapshot');
    await store.close();
  });

  t.test('a hard state alone is persisted, and its invariants are enforced', async (t) => {
    const open = await makeOpener(t);
    let store = await open();
    t.same(await store.append([], { term: 4, vote: 3, commit: 0 }), { term: 0, index: 0 });
    await t.rejects(store.append([], { term: 4, vote: 2, commit: 0 }), /vote changes from 3 to 2 within term 4/);
    await t.rejects(store.append([], { term: 3, vote: 3, commit: 0 }), /term goes back/);
    await t.rejects(store.append([], { term: 4, vote: 3, commit: 1 }), /commit index 1 is beyond the last index 0/);
    store = await reopen(store, open);
    t.same(store.recover().hardState, { term: 4, vote: 3, commit: 0 }, 'refused writes changed nothing');
    await store.close();
  });

  t.test('refuses to open a directory of another member, and writes after close', async (t) => {
    const open = await makeOpener(t);
    const store = await open();
    await store.append(entries(1, 1, 1));
    await store.close();
    await t.rejects(store.append(entries(2, 2, 1)), LogStoreClosedError);
    await t.rejects(open({ clusterId: IDENTITY.clusterId, memberId: 2 }), LogIdentityMismatchError);
    await t.rejects(open({ clusterId: 99, memberId: IDENTITY.memberId }), LogIdentityMismatchError);
  });

  t.test('recover() is only the state found at open', async (t) => {
    const open = await makeOpener(t);
    const store = await open();
    await store.append(entries(1, 1, 1));
    t.throws(() => store.recover(), /call it before the first write/);
    await store.close();
  });
}
