import t from 'tap';
import { b, Harness, text, viewEvent } from './helpers.ts';

/**
 * a=1 [2], b=1 [3], a=2 [4], b deleted [5], c=1 [6], a=3 [7], c deleted [8], b=2 [9]
 * Now (revision 9): a=3 (create 2, v3), b=2 (create 9, v1).
 */
function fixture(): Harness {
  const h = new Harness();
  h.put('a', '1');
  h.put('b', '1');
  h.put('a', '2');
  h.del('b');
  h.put('c', '1');
  h.put('a', '3');
  h.del('c');
  h.put('b', '2');
  return h;
}

t.test('compaction errors follow etcd', async (t) => {
  const h = fixture();
  t.equal(h.store.compactRevision, -1, 'never compacted: -1, as etcd');
  t.equal(h.refused({ type: 'compact', revision: 10 }), 'etcdserver: mvcc: required revision is a future revision');
  const ok = h.ok({ type: 'compact', revision: 5 });
  t.same(ok, { type: 'compact', revision: 9 }, 'the response carries the current revision');
  t.equal(h.store.compactRevision, 5);
  t.equal(h.store.currentRevision, 9, 'compaction creates no revision');
  t.equal(h.refused({ type: 'compact', revision: 5 }), 'etcdserver: mvcc: required revision has been compacted', 'the same revision again');
  t.equal(h.refused({ type: 'compact', revision: 3 }), 'etcdserver: mvcc: required revision has been compacted', 'an older revision');
  const rejected = h.apply({ type: 'compact', revision: 4 });
  t.equal(rejected.status === 'rejected' && rejected.error.compactRevision, 5, 'the error carries the compaction revision');
  t.equal(rejected.status === 'rejected' && rejected.error.grpcCode, 11, 'OutOfRange');
  h.ok({ type: 'compact', revision: 9 });
  t.equal(h.store.compactRevision, 9, 'compacting at the current revision is allowed');
});

t.test('compacting at 0 on a fresh store is allowed once (compaction revision starts at -1)', async (t) => {
  const h = new Harness();
  h.ok({ type: 'compact', revision: 0 });
  t.equal(h.refused({ type: 'compact', revision: 0 }), 'etcdserver: mvcc: required revision has been compacted');
  h.ok({ type: 'compact', revision: 1 });
});

t.test('reads at or after the compaction revision still answer; before it they are refused', async (t) => {
  const h = fixture();
  const before = [5, 6, 7, 8, 9].map((revision) => h.dump(revision));
  h.ok({ type: 'compact', revision: 5 });
  t.same([5, 6, 7, 8, 9].map((revision) => h.dump(revision)), before, 'every revision >= 5 reads the same');
  t.throws(() => h.store.range({ key: b('a'), revision: 4 }), { name: 'MvccError', kind: 'compacted', message: 'etcdserver: mvcc: required revision has been compacted', compactRevision: 5 });
  const at5 = h.store.range({ key: b('a'), revision: 5 }).kvs[0];
  t.same(at5 && [text(at5.value), at5.createRevision, at5.modRevision, at5.version], ['2', 2, 4, 2], 'the latest version at or below 5 keeps its metadata');
});

t.test('compaction drops history: only what a read at >= the revision needs stays', async (t) => {
  const h = fixture();
  h.ok({ type: 'compact', revision: 8 });
  // Records kept: a=3 [7] (latest of a at 8), b=2 [9]; c's generation ended at 8 and b's first one at 5: gone.
  const page = h.store.eventsSince(b('\0'), b('\0'), 8, 100);
  t.same(page.events.map((e) => [e.type, text(e.kv.key), e.kv.modRevision]), [['put', 'b', 9]], 'the tombstone at the compaction revision is gone, as in etcd');
  const state = h.store.snapshotState();
  t.same(state.records.map((r) => [r.key, r.main]), [['a', 7], ['b', 9]]);
});

t.test('watch replay below the compaction revision is refused with the revision', async (t) => {
  const h = fixture();
  h.ok({ type: 'compact', revision: 6 });
  t.throws(() => h.store.eventsSince(b('a'), undefined, 5, 10), { name: 'MvccError', kind: 'compacted', compactRevision: 6 });
  const page = h.store.eventsSince(b('a'), undefined, 6, 10);
  t.same(page.events.map(viewEvent), [{ type: 'put', kv: { key: 'a', value: '3', createRevision: 2, modRevision: 7, version: 3, lease: 0 }, prevKv: { key: 'a', value: '2', createRevision: 2, modRevision: 4, version: 2, lease: 0 } }]);
});

t.test('a replayed event loses prevKv when the revision before it is compacted', async (t) => {
  const h = fixture();
  h.ok({ type: 'compact', revision: 7 });
  const page = h.store.eventsSince(b('a'), undefined, 7, 10);
  t.equal(page.events.length, 1);
  t.equal(page.events[0]?.prevKv, null, 'revision 6 is below the compaction revision');
});

t.test('compaction keeps lease attachments and later writes work', async (t) => {
  const h = new Harness([3]);
  h.put('x', '1', 3);
  h.put('y', '1');
  h.put('y', '2');
  h.ok({ type: 'compact', revision: 4 });
  t.same(h.store.keysForLease(3).map(text), ['x']);
  h.put('y', '3');
  t.same(h.store.range({ key: b('y') }).kvs.map((kv) => [text(kv.value), kv.createRevision, kv.version]), [['3', 3, 3]]);
  h.del('x');
  h.ok({ type: 'compact', revision: h.store.currentRevision });
  t.same(h.dump(), ['y=3']);
  t.same(h.store.snapshotState().records.map((r) => r.key), ['y'], 'a deleted key leaves the index once compacted past');
});

t.test('HashKV: equal on equal histories, sensitive to content, with etcd\'s revision errors', async (t) => {
  const one = fixture();
  const two = fixture();
  t.same(one.store.hashKv(0), two.store.hashKv(0));
  t.same(one.store.hashKv(0), { ...one.store.hashKv(9) }, 'revision 0 means current');
  t.equal(one.store.hashKv(0).revision, 9);
  t.equal(one.store.hashKv(0).compactRevision, -1);
  two.put('z', '1');
  t.not(one.store.hashKv(0).hash, two.store.hashKv(0).hash, 'one more write changes the hash');
  t.equal(one.store.hashKv(9).hash, two.store.hashKv(9).hash, 'hashing up to a common revision agrees');
  const three = fixture();
  three.put('a', '3'); // same value as before, new revision: history differs
  t.not(three.store.hashKv(0).hash, one.store.hashKv(0).hash);
  t.throws(() => one.store.hashKv(10), { name: 'MvccError', kind: 'futureRevision' });
  one.ok({ type: 'compact', revision: 5 });
  two.ok({ type: 'compact', revision: 5 });
  t.throws(() => one.store.hashKv(5), { name: 'MvccError', kind: 'compacted', compactRevision: 5 }, 'etcd: at or below the compaction revision');
  t.equal(one.store.hashKv(6).hash, two.store.hashKv(6).hash, 'members that compacted alike agree');
  t.equal(one.store.hashKv(0).compactRevision, 5);
});
