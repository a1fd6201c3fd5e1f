import t from 'tap';
import { openFresh, text } from './helpers.ts';

// One member for the semantic tests (each uses its own keys): starting a
// member costs a worker thread, so tests that need a fresh one say so.
const { db: shared } = await openFresh(t, { maxRequestBytes: 4096, maxTxnOps: 4 });

const bytes = (s: string) => new TextEncoder().encode(s);

t.test('put, get, range and delete keep etcd revisions, versions and prev_kv', async (t) => {
  const db = shared;
  const start = (await db.status()).revision;
  const first = await db.put('a', '1');
  t.equal(first.revision, start + 1, 'each write makes one revision');
  const second = await db.put('a', '2', { prevKv: true });
  t.equal(second.revision, start + 2);
  t.equal(text(second.prevKv?.value), '1');
  const kv = await db.get('a');
  t.same({ value: text(kv?.value), create: kv?.createRevision, mod: kv?.modRevision, version: kv?.version }, { value: '2', create: start + 1, mod: start + 2, version: 2 });
  t.equal(text((await db.get('a', { revision: start + 1 }))?.value), '1', 'a past revision reads the old value');
  await db.put('b', 'x');
  await db.put('c', 'y');
  const range = await db.range({ key: bytes('a'), rangeEnd: bytes('c') });
  t.same(range.kvs.map((k) => text(k.key)), ['a', 'b']);
  t.equal(range.count, 2);
  const limited = await db.range({ key: bytes('a'), rangeEnd: Uint8Array.of(0), limit: 1 });
  t.equal(limited.more, true);
  t.equal(limited.count, 3);
  const deleted = await db.delete('a', { prefix: true, prevKv: true });
  t.equal(deleted.deleted, 1);
  t.equal(text(deleted.prevKvs[0]?.value), '2');
  t.equal(await db.get('a'), null);
  t.equal(text((await db.get('b', { serializable: true }))?.value), 'x', 'serializable reads see applied writes');
});

t.test('txn compare-and-swap, and read-only txns', async (t) => {
  const db = shared;
  await db.put('lock', 'free');
  const cas = (expected: string, next: string) =>
    db.txn({
      compare: [{ key: bytes('lock'), target: 'value', result: 'equal', value: bytes(expected) }],
      success: [{ type: 'put', key: bytes('lock'), value: bytes(next) }],
      failure: [{ type: 'range', key: bytes('lock') }],
    });
  const won = await cas('free', 'me');
  t.equal(won.succeeded, true);
  const lost = await cas('free', 'you');
  t.equal(lost.succeeded, false);
  const failureRead = lost.responses[0];
  t.equal(failureRead?.type, 'range');
  if (failureRead?.type === 'range') t.equal(text(failureRead.kvs[0]?.value), 'me');
  const readOnly = await db.txn({ compare: [], success: [{ type: 'range', key: bytes('lock') }], failure: [] });
  t.equal(readOnly.revision, (await db.status()).revision, 'a read-only txn makes no revision');
  t.equal(readOnly.revision, won.revision);
});

t.test('compaction: old revisions answer etcd\'s compacted error, future ones the future error', async (t) => {
  const db = shared;
  await db.put('k', '1');
  const { revision } = await db.put('k', '2');
  await db.put('k', '3');
  await db.compact(revision);
  await t.rejects(db.get('k', { revision: revision - 1 }), { name: 'ConclaveError', grpcCode: 11, message: 'etcdserver: mvcc: required revision has been compacted' });
  t.equal(text((await db.get('k', { revision }))?.value), '2', 'the compaction revision itself is still readable');
  await t.rejects(db.get('k', { revision: 1000 }), { grpcCode: 11, message: 'etcdserver: mvcc: required revision is a future revision' });
  await t.rejects(db.compact(revision), { message: 'etcdserver: mvcc: required revision has been compacted' });
  await t.rejects(db.compact(1000), { message: 'etcdserver: mvcc: required revision is a future revision' });
});

t.test('bad input gets etcd\'s codes and messages, never a crash', async (t) => {
  const db = shared;
  await t.rejects(db.put('', 'v'), { grpcCode: 3, message: 'etcdserver: key is not provided' });
  await t.rejects(db.get(''), { grpcCode: 3, message: 'etcdserver: key is not provided' });
  await t.rejects(db.put('big', new Uint8Array(8192)), { grpcCode: 3, message: 'etcdserver: request is too large' });
  const ops = Array.from({ length: 5 }, (_, i) => ({ type: 'put' as const, key: bytes(`k${i}`), value: bytes('v') }));
  await t.rejects(db.txn({ compare: [], success: ops, failure: [] }), { grpcCode: 3, message: 'etcdserver: too many operations in txn request' });
  await t.rejects(db.put('k', 'v', { lease: 12345 }), { grpcCode: 5, message: 'etcdserver: requested lease not found' });
  const revisionBefore = (await db.status()).revision;
  t.equal((await db.put('still', 'works')).revision, revisionBefore + 1, 'the member keeps serving after refusals');
  const empty = await db.range({ key: bytes('z'), rangeEnd: bytes('a') });
  t.equal(empty.kvs.length, 0, 'range_end before key is an empty range, as in etcd');
});
