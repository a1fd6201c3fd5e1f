import t from 'tap';
import { b, Harness, text } from './helpers.ts';

const summary = (events: readonly { type: string; kv: { key: Uint8Array; modRevision: number } }[]): string[] =>
  events.map((e) => `${e.type} ${text(e.kv.key)}@${e.kv.modRevision}`);

t.test('watch replay pages events in revision order without splitting a revision', async (t) => {
  const h = new Harness();
  h.put('a', '1'); // 2
  h.ok({ type: 'txn', compare: [], success: [{ type: 'put', key: b('b'), value: b('1') }, { type: 'put', key: b('c'), value: b('1') }, { type: 'put', key: b('x'), value: b('1') }], failure: [] }); // 3
  h.put('b', '2'); // 4
  h.del('a'); // 5
  const all = h.store.eventsSince(b('a'), b('d'), 2, 100);
  t.same(summary(all.events), ['put a@2', 'put b@3', 'put c@3', 'put b@4', 'delete a@5']);
  t.equal(all.nextRevision, 6, 'caught up: the next revision to watch');
  const first = h.store.eventsSince(b('a'), b('d'), 2, 2);
  t.same(summary(first.events), ['put a@2', 'put b@3', 'put c@3'], 'revision 3 stays whole');
  t.equal(first.nextRevision, 4);
  const second = h.store.eventsSince(b('a'), b('d'), first.nextRevision, 2);
  t.same(summary(second.events), ['put b@4', 'delete a@5']);
  t.equal(second.nextRevision, 6);
  t.same(summary(h.store.eventsSince(b('b'), undefined, 1, 100).events), ['put b@3', 'put b@4'], 'a single key');
  t.same(summary(h.store.eventsSince(b('x'), b('\0'), 1, 100).events), ['put x@3'], 'from key');
  const future = h.store.eventsSince(b('a'), undefined, 10, 100);
  t.same([future.events.length, future.nextRevision], [0, 10], 'a start in the future waits there');
  t.throws(() => h.store.eventsSince(b('a'), undefined, 0, 1), RangeError);
  t.throws(() => h.store.eventsSince(b('a'), undefined, 1, 0), RangeError);
});

t.test('replayed events equal the events emitted at apply time', async (t) => {
  const h = new Harness([4]);
  const emitted = [];
  for (const command of [
    { type: 'put', key: b('k'), value: b('1'), lease: 4 },
    { type: 'put', key: b('k'), value: b('2') },
    { type: 'delete-range', key: b('\0'), rangeEnd: b('\0') },
    { type: 'put', key: b('k'), value: b('3') },
  ] as const) {
    const result = h.apply(command);
    if (result.status !== 'applied') throw new Error('refused');
    emitted.push(...result.events);
  }
  t.same(h.store.eventsSince(b('\0'), b('\0'), 1, 100).events, emitted);
});

t.test('keys attach to leases and revoking deletes them all in one revision', async (t) => {
  const h = new Harness([1, 2]);
  h.put('b', '1', 1); // 2
  h.put('a', '1', 1); // 3
  h.put('c', '1', 2); // 4
  h.put('d', '1', 1); // 5
  h.put('d', '2', 2); // 6: d moves to lease 2
  h.del('a'); // 7: a leaves lease 1
  t.same(h.store.keysForLease(1).map(text), ['b']);
  t.same(h.store.keysForLease(2).map(text), ['c', 'd']);
  t.same(h.store.keysForLease(3), []);
  const result = h.apply({ type: 'lease-revoke', id: 2 });
  if (result.status !== 'applied') throw new Error('refused');
  t.same(result.response, { type: 'lease-revoke', revision: 8, deleted: 2 });
  t.same(summary(result.events), ['delete c@8', 'delete d@8'], 'sorted keys, one revision');
  t.same(h.dump(), ['b=1']);
  t.same(h.store.keysForLease(2), []);
});

t.test('revoking a lease with no keys creates no revision; an unknown lease is refused', async (t) => {
  const h = new Harness([1]);
  h.put('a', '1');
  t.same(h.ok({ type: 'lease-revoke', id: 1 }), { type: 'lease-revoke', revision: 2, deleted: 0 });
  t.equal(h.refused({ type: 'lease-revoke', id: 9 }), 'etcdserver: requested lease not found');
});

t.test('ignoreLease keeps the attachment', async (t) => {
  const h = new Harness([1]);
  h.put('a', '1', 1);
  h.ok({ type: 'put', key: b('a'), value: b('2'), ignoreLease: true });
  t.same(h.store.keysForLease(1).map(text), ['a']);
  h.put('a', '3');
  t.same(h.store.keysForLease(1), [], 'a plain put detaches');
});

t.test('apply skips indexes at or below the applied index', async (t) => {
  const h = new Harness();
  const put = { type: 'put', key: b('a'), value: b('1') } as const;
  t.equal(h.store.apply(1, put).status, 'applied');
  t.same(h.store.apply(1, put), { status: 'skipped', index: 1 });
  t.equal(h.store.currentRevision, 2, 'a replayed entry changes nothing');
  h.store.markApplied(2);
  t.equal(h.store.apply(2, put).status, 'skipped', 'markApplied counts too');
  t.equal(h.store.apply(5, put).status, 'applied', 'gaps are allowed (entries without MVCC commands)');
  t.equal(h.store.appliedIndex, 5);
  t.equal(h.store.apply(4, put).status, 'skipped');
  const rejected = h.store.apply(6, { type: 'compact', revision: 99 });
  t.equal(rejected.status, 'rejected');
  t.equal(h.store.appliedIndex, 6, 'a refused command still counts as applied');
  t.throws(() => h.store.apply(0, put), RangeError);
  t.throws(() => h.store.apply(1.5, put), RangeError);
});

t.test('a broken invariant makes the store refuse further use', async (t) => {
  const h = new Harness();
  t.throws(() => h.store.apply(1, { type: 'nonsense' } as never), /unknown MVCC command/);
  t.throws(() => h.store.range({ key: b('a') }), /unusable after a broken invariant/);
  t.throws(() => h.store.apply(2, { type: 'put', key: b('a'), value: b('1') }), /unusable/);
});
