import t from 'tap';
import type { WatchHubOptions, WatchRequest, WatchResponse } from '../../actors/watch-hub/index.ts';
import { COMPACTED_REASON, HistoryCompactedError, prefixEnd, WatchHub } from '../../actors/watch-hub/index.ts';
import type { ChangeEvent } from '../../actors/applier/mvcc/types.ts';
import { dec, enc, show, StoreModel } from './store-model.ts';

function setup(options: Partial<WatchHubOptions> = {}): { store: StoreModel; hub: WatchHub } {
  const store = new StoreModel();
  const hub = new WatchHub({ currentRevision: 0, compactRevision: 0, readEvents: store.read, startMs: 0, ...options });
  return { store, hub };
}

/** Writes through the store and publishes, as the applier would. */
function write(store: StoreModel, hub: WatchHub, ...txns: Parameters<StoreModel['txn']>[]): void {
  for (const ops of txns) hub.publish(store.txn(...ops));
}

function drain(hub: WatchHub, watchId: number): WatchResponse[] {
  return hub.take(watchId, 1_000);
}

function eventsOf(responses: readonly WatchResponse[]): string[] {
  return responses.flatMap((r) => (r.kind === 'events' ? r.events.map(show) : []));
}

/** Runs catch-up passes until nothing is unsynced (bounded). */
async function settle(hub: WatchHub): Promise<void> {
  for (let pass = 0; pass < 50 && hub.unsyncedCount > 0; pass += 1) await hub.catchUp();
}

t.test('a single-key watcher sees only its key, with prevKv only when asked', async (t) => {
  const { store, hub } = setup();
  const plain = hub.create({ key: enc('a') }).watchId;
  const withPrev = hub.create({ key: enc('a'), prevKv: true }).watchId;
  write(store, hub, [['put', 'a', 'one']], [['put', 'b']], [['put', 'ab']], [['put', 'a', 'two']], [['delete', 'a']]);
  const plainEvents = drain(hub, plain).flatMap((r) => (r.kind === 'events' ? r.events : []));
  t.same(plainEvents.map(show), ['put a@1', 'put a@4', 'delete a@5']);
  t.ok(plainEvents.every((e) => e.prevKv === null), 'prevKv stripped');
  const prevEvents = drain(hub, withPrev).flatMap((r) => (r.kind === 'events' ? r.events : []));
  t.same(prevEvents.map((e) => (e.prevKv === null ? null : dec(e.prevKv.value))), [null, 'one', 'two']);
});

t.test('ranges, prefixes and from-key select by bytewise order', async (t) => {
  const keys = ['a', 'b', 'ba', 'bz', 'b\xff', 'c', 'zz'];
  const rows: [string, WatchRequest, string[]][] = [
    ['[b, c)', { key: enc('b'), rangeEnd: enc('c') }, ['b', 'ba', 'bz', 'b\xff']],
    ['prefix b', { key: enc('b'), rangeEnd: prefixEnd(enc('b')) }, ['b', 'ba', 'bz', 'b\xff']],
    ['prefix ba', { key: enc('ba'), rangeEnd: prefixEnd(enc('ba')) }, ['ba']],
    ['from c', { key: enc('c'), rangeEnd: Uint8Array.of(0) }, ['c', 'zz']],
    ['everything', { key: new Uint8Array(0), rangeEnd: Uint8Array.of(0) }, keys],
  ];
  for (const [name, request, expected] of rows) {
    const { store, hub } = setup();
    const id = hub.create(request).watchId;
    for (const key of keys) write(store, hub, [['put', key]]);
    t.same(
      drain(hub, id).flatMap((r) => (r.kind === 'events' ? r.events.map((e) => dec(e.kv.key)) : [])),
      expected.map((k) => dec(enc(k))),
      name,
    );
  }
  t.same(prefixEnd(Uint8Array.of(0x61, 0xff, 0xff)), Uint8Array.of(0x62), 'trailing 0xff bytes roll over');
  t.same(prefixEnd(Uint8Array.of(0xff)), Uint8Array.of(0), 'an all-0xff prefix has no end: from-key');
  const { hub } = setup();
  t.throws(() => hub.create({ key: enc('b'), rangeEnd: enc('a') }), { code: 'empty-range', message: 'mvcc: watcher range is empty' });
  t.throws(() => hub.create({ key: enc('b'), rangeEnd: enc('b') }), { code: 'empty-range' });
});

t.test('NOPUT and NODELETE filters', async (t) => {
  const { store, hub } = setup();
  const noPut = hub.create({ key: enc('k'), filters: ['noput'] }).watchId;
  const noDelete = hub.create({ key: enc('k'), filters: ['nodelete'] }).watchId;
  const neither = hub.create({ key: enc('k'), filters: ['noput', 'nodelete'] }).watchId;
  write(store, hub, [['put', 'k']], [['delete', 'k']], [['put', 'k']]);
  t.same(eventsOf(drain(hub, noPut)), ['delete k@2']);
  t.same(eventsOf(drain(hub, noDelete)), ['put k@1', 'put k@3']);
  t.same(drain(hub, neither), [], 'everything filtered: no empty responses either');
});

t.test('a multi-key transaction is one response, with the revision in the header', async (t) => {
  const { store, hub } = setup();
  const id = hub.create({ key: enc('a'), rangeEnd: enc('z') }).watchId;
  write(store, hub, [['put', 'a'], ['put', 'b'], ['put', 'c']]);
  const responses = drain(hub, id);
  t.equal(responses.length, 1);
  t.match(responses[0], { kind: 'events', revision: 1, fragment: false });
  t.same(eventsOf(responses), ['put a@1', 'put b@1', 'put c@1']);
});

t.test('start in the past: history replay, then live, with no gap and no duplicate at the seam', async (t) => {
  const { store, hub } = setup({ recentEventsCapacity: 2, maxRevisionsPerRead: 3 });
  for (let i = 1; i <= 10; i += 1) write(store, hub, [['put', `k${i % 3}`]]);
  const created = hub.create({ key: enc('k'), rangeEnd: prefixEnd(enc('k')), startRevision: 2 });
  t.equal(created.revision, 10, 'created at the current revision');
  t.equal(hub.unsyncedCount, 1, 'too far back for the recent window: needs history');
  const firstPass = hub.catchUp();
  write(store, hub, [['put', 'k1']]); // published while the first read is pending
  await firstPass;
  await settle(hub);
  write(store, hub, [['put', 'k2']]);
  const revisions = drain(hub, created.watchId).flatMap((r) => (r.kind === 'events' ? r.events.map((e) => e.kv.modRevision) : []));
  t.same(revisions, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'every revision once, in order');
  t.ok(store.readCalls >= 3, 'read in bounded spans of 3 revisions');
});

t.test('a start just behind is served from the recent window without reading history', async (t) => {
  const { store, hub } = setup();
  write(store, hub, [['put', 'a']], [['put', 'a']], [['put', 'a']]);
  const id = hub.create({ key: enc('a'), startRevision: 2 }).watchId;
  t.equal(hub.unsyncedCount, 0, 'synced at once');
  t.equal(store.readCalls, 0);
  write(store, hub, [['put', 'a']]);
  t.same(eventsOf(drain(hub, id)), ['put a@2', 'put a@3', 'put a@4']);
});

t.test('a start in the future skips everything before it', async (t) => {
  const { store, hub } = setup();
  const id = hub.create({ key: enc('a'), startRevision: 3 }).watchId;
  write(store, hub, [['put', 'a']], [['put', 'a']], [['put', 'a']], [['put', 'a']]);
  t.same(eventsOf(drain(hub, id)), ['put a@3', 'put a@4']);
});

t.test('a start below the compaction: created, then cancelled with compactRevision, then gone', async (t) => {
  const { store, hub } = setup();
  write(store, hub, [['put', 'a']], [['put', 'a']], [['put', 'a']], [['put', 'a']]);
  store.compact(3);
  hub.compact(3);
  const created = hub.create({ key: enc('a'), startRevision: 2 });
  t.same(drain(hub, created.watchId), [
    { kind: 'canceled', watchId: created.watchId, revision: 4, compactRevision: 3, reason: COMPACTED_REASON },
  ]);
  t.throws(() => hub.take(created.watchId, 1), { code: 'watcher-not-found' }, 'removed once the client has the cancel');
  const atCompaction = hub.create({ key: enc('a'), startRevision: 3 }).watchId;
  t.same(eventsOf(drain(hub, atCompaction)), ['put a@3', 'put a@4'], 'the compaction revision itself is still readable');
});

t.test('progress on request: the current revision, after every event up to it; deferred while catching up', async (t) => {
  const { store, hub } = setup({ recentEventsCapacity: 1 });
  const synced = hub.create({ key: enc('a') }).watchId;
  write(store, hub, [['put', 'a']], [['put', 'b']]);
  hub.requestProgress(synced);
  hub.requestProgress(synced);
  t.same(
    drain(hub, synced).map((r) => `${r.kind}@${r.revision}`),
    ['events@1', 'progress@2'],
    'two requests in a row coalesce into one notification',
  );
  const behind = hub.create({ key: enc('a'), startRevision: 1 }).watchId;
  hub.requestProgress(behind);
  t.same(drain(hub, behind), [], 'no progress while history is owed: it would claim events not yet sent');
  await settle(hub);
  t.same(drain(hub, behind).map((r) => `${r.kind}@${r.revision}`), ['events@1', 'progress@2'], 'events through the read span, then progress at the current revision');
});

t.test('periodic progress: only to idle synced watchers that asked for it', async (t) => {
  const { store, hub } = setup({ progressIntervalMs: 1_000 });
  const idle = hub.create({ key: enc('idle'), progressNotify: true }).watchId;
  const busy = hub.create({ key: enc('busy'), progressNotify: true }).watchId;
  const silent = hub.create({ key: enc('idle') }).watchId;
  write(store, hub, [['put', 'x']]);
  hub.tick(999);
  t.same(hub.readyWatchIds(), [], 'not yet an interval');
  hub.tick(1_000);
  t.same(drain(hub, idle), [{ kind: 'progress', watchId: idle, revision: 1 }]);
  t.same(drain(hub, busy), [{ kind: 'progress', watchId: busy, revision: 1 }]);
  write(store, hub, [['put', 'busy']]);
  hub.tick(2_000);
  t.same(drain(hub, idle), [{ kind: 'progress', watchId: idle, revision: 2 }]);
  t.same(eventsOf(drain(hub, busy)), ['put busy@2'], 'events in this interval: no progress needed');
  t.same(drain(hub, silent), []);
  t.throws(() => hub.tick(1_500), /backwards/);
});

t.test('a slow watcher is bounded, falls behind without stalling anyone, and catches up exactly', async (t) => {
  const { store, hub } = setup({ maxQueuedEventsPerWatcher: 3, recentEventsCapacity: 4 });
  const slow = hub.create({ key: enc('k') }).watchId;
  const fast = hub.create({ key: enc('k') }).watchId;
  const fastSeen: string[] = [];
  for (let i = 0; i < 10; i += 1) {
    write(store, hub, [['put', 'k']]);
    fastSeen.push(...eventsOf(drain(hub, fast)));
  }
  t.equal(fastSeen.length, 10, 'the fast watcher got every event live');
  t.equal(store.readCalls, 0, 'publish never reads history');
  t.equal(hub.unsyncedCount, 1, 'the slow one left the live path');
  const slowSeen: string[] = [];
  const firstTake = drain(hub, slow);
  t.equal(eventsOf(firstTake).length, 3, 'it held only its bound');
  slowSeen.push(...eventsOf(firstTake));
  for (let pass = 0; pass < 10 && hub.unsyncedCount > 0; pass += 1) {
    await hub.catchUp();
    slowSeen.push(...eventsOf(drain(hub, slow)));
  }
  write(store, hub, [['put', 'k']]);
  slowSeen.push(...eventsOf(drain(hub, slow)));
  t.same(slowSeen, [...fastSeen, 'put k@11'], 'same events, same order, none twice');
  t.ok(store.readCalls > 0, 'the part beyond the recent window came from history');
});

t.test('a slow watcher overtaken by compaction gets its queued events, then a compacted cancel', async (t) => {
  const { store, hub } = setup({ maxQueuedEventsPerWatcher: 2, recentEventsCapacity: 2 });
  const slow = hub.create({ key: enc('k') }).watchId;
  for (let i = 0; i < 6; i += 1) write(store, hub, [['put', 'k']]);
  store.compact(5);
  hub.compact(5);
  const responses = drain(hub, slow);
  t.same(eventsOf(responses), ['put k@1', 'put k@2']);
  t.match(responses[responses.length - 1], { kind: 'canceled', compactRevision: 5, reason: COMPACTED_REASON });
});

t.test('a single revision larger than the bound still gets through an empty outbox', async (t) => {
  const { store, hub } = setup({ maxQueuedEventsPerWatcher: 2 });
  const id = hub.create({ key: enc('a'), rangeEnd: enc('z') }).watchId;
  write(store, hub, [['put', 'a'], ['put', 'b'], ['put', 'c']], [['put', 'd']]);
  t.same(eventsOf(drain(hub, id)), ['put a@1', 'put b@1', 'put c@1']);
  t.equal(hub.unsyncedCount, 0, 'caught up from the window on take');
  t.same(eventsOf(drain(hub, id)), ['put d@2']);
});

t.test('fragments: a big batch is split for watches that ask, whole for others', async (t) => {
  const { store, hub } = setup({ maxResponseBytes: 300 });
  const fragmented = hub.create({ key: enc('a'), rangeEnd: enc('z'), fragment: true }).watchId;
  const whole = hub.create({ key: enc('a'), rangeEnd: enc('z') }).watchId;
  const big = 'x'.repeat(100);
  write(store, hub, [['put', 'a', big], ['put', 'b', big], ['put', 'c', big], ['put', 'd', big], ['put', 'e', big]]);
  const parts = drain(hub, fragmented);
  t.ok(parts.length > 1, `split into ${parts.length}`);
  t.same(parts.map((r) => (r.kind === 'events' ? r.fragment : null)), [...parts.slice(1).map(() => true), false]);
  t.same(eventsOf(parts), ['put a@1', 'put b@1', 'put c@1', 'put d@1', 'put e@1']);
  t.equal(drain(hub, whole).length, 1);
});

t.test('cancel: removes the watcher and its queue; a read in flight is discarded', async (t) => {
  const { store, hub } = setup({ recentEventsCapacity: 1 });
  write(store, hub, [['put', 'a']], [['put', 'a']]);
  const id = hub.create({ key: enc('a'), startRevision: 1 }).watchId;
  const pass = hub.catchUp();
  t.equal(hub.cancel(id), true);
  t.equal(hub.cancel(id), false, 'unknown now');
  await pass;
  t.equal(hub.watcherCount, 0);
  t.same(hub.readyWatchIds(), []);
  t.throws(() => hub.take(id, 1), { code: 'watcher-not-found' });
  t.throws(() => hub.requestProgress(id), { code: 'watcher-not-found' });
});

t.test('publish refuses gaps, repeats and disorder', async (t) => {
  const { store, hub } = setup();
  write(store, hub, [['put', 'a']]);
  const event = (revision: number): ChangeEvent => ({
    type: 'put',
    kv: { key: enc('a'), createRevision: 1, modRevision: revision, version: 1, value: enc('v'), lease: 0 },
    prevKv: null,
  });
  t.throws(() => hub.publish([event(3)]), /does not follow/, 'gap');
  t.throws(() => hub.publish([event(1)]), /does not follow/, 'repeat');
  t.throws(() => hub.publish([event(2), event(4)]), /does not follow/, 'gap inside a batch');
  t.throws(() => hub.publish([event(3), event(2)]), /does not follow/, 'disorder');
  hub.publish([event(2), event(2), event(3)]);
  t.equal(hub.currentRevision, 3, 'several whole revisions in one batch are fine');
});

t.test('bounded: watcher count', async (t) => {
  const { hub } = setup({ maxWatchers: 2 });
  hub.create({ key: enc('a') });
  const second = hub.create({ key: enc('b') }).watchId;
  t.throws(() => hub.create({ key: enc('c') }), { code: 'too-many-watchers' });
  hub.cancel(second);
  t.ok(hub.create({ key: enc('c') }).watchId > second, 'room again after a cancel; IDs are never reused');
});

t.test('history reader errors: compaction cancels the watch, anything else rejects the pass and is retried', async (t) => {
  let mode: 'compacted' | 'broken' | 'garbage' | 'ok' = 'compacted';
  const store = new StoreModel();
  const hub = new WatchHub({
    currentRevision: 0,
    compactRevision: 0,
    startMs: 0,
    recentEventsCapacity: 1,
    readEvents: (from, to, key, rangeEnd) => {
      if (mode === 'compacted') throw new HistoryCompactedError(7);
      if (mode === 'broken') return Promise.reject(new Error('disk on fire'));
      if (mode === 'garbage') return store.read(1, to + 5, key, rangeEnd);
      return store.read(from, to, key, rangeEnd);
    },
  });
  write(store, hub, [['put', 'a']], [['put', 'a']], [['put', 'a']]);
  const doomed = hub.create({ key: enc('a'), startRevision: 1 }).watchId;
  await hub.catchUp();
  t.match(drain(hub, doomed), [{ kind: 'canceled', compactRevision: 7 }]);
  const survivor = hub.create({ key: enc('a'), startRevision: 2 }).watchId;
  mode = 'broken';
  await t.rejects(hub.catchUp(), /disk on fire/);
  mode = 'garbage';
  await t.rejects(hub.catchUp(), /outside/);
  mode = 'ok';
  await settle(hub);
  t.same(eventsOf(drain(hub, survivor)), ['put a@2', 'put a@3'], 'retried after the failures, nothing lost or doubled');
});

t.test('restore to a snapshot: every watcher catches up across the jump from history', async (t) => {
  const { store, hub } = setup();
  const id = hub.create({ key: enc('a') }).watchId;
  write(store, hub, [['put', 'a']]);
  store.txn(['put', 'a']);
  store.txn(['put', 'b']);
  store.txn(['put', 'a']);
  hub.restore(4, 0);
  t.equal(hub.unsyncedCount, 1);
  await settle(hub);
  write(store, hub, [['put', 'a']]);
  t.same(eventsOf(drain(hub, id)), ['put a@1', 'put a@2', 'put a@4', 'put a@5']);
  t.throws(() => hub.restore(3, 0), /behind/);
});
