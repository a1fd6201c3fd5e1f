import t from 'tap';
import { ConclaveError, open } from '../../src/index.ts';
import { fastTimings, freshDir, text } from './helpers.ts';

// Each test starts and stops its own member, one at a time (one actor system per process).
t.test('writes after close() fail with ClosedError', async (t) => {
  const dir = await freshDir(t);
  const db = await open({ dir, ...fastTimings });
  await db.close();
  await t.rejects(db.put('a', '1'), { name: 'ConclaveError', message: 'conclave: the handle is closed' });
  t.ok(db.put('a', '1').catch((e: unknown) => e instanceof ConclaveError));
});

t.test('restart keeps revisions, values, leases and compaction', async (t) => {
  const dir = await freshDir(t);
  const first = await open({ dir, ...fastTimings });
  await first.put('a', '1');
  await first.put('a', '2');
  const lease = await first.lease.grant(600);
  await first.put('leased', 'x', { lease: lease.id });
  await first.compact(3);
  const before = await first.status();
  const hashBefore = await first.hashKv();
  await first.close();

  const second = await open({ dir, ...fastTimings });
  t.teardown(() => second.close());
  const after = await second.status();
  t.equal(after.revision, before.revision);
  t.equal(after.compactRevision, before.compactRevision);
  t.same(await second.hashKv(), hashBefore, 'same history hash after replay');
  t.equal(text((await second.get('a'))?.value), '2');
  t.same(await second.lease.leases(), [lease.id]);
  t.equal((await second.get('leased'))?.lease, lease.id);
  await t.rejects(second.get('a', { revision: 2 }), { message: 'etcdserver: mvcc: required revision has been compacted' });
  t.equal((await second.put('a', '3')).revision, before.revision + 1, 'revisions continue, never reused');
});

t.test('a data directory written by another member is refused', async (t) => {
  const dir = await freshDir(t);
  const first = await open({ dir, ...fastTimings, name: 'alpha' });
  await first.put('a', '1');
  await first.close();
  await t.rejects(open({ dir, ...fastTimings, name: 'beta' }), /member|identity|another/i);
});
