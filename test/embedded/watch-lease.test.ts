import t from 'tap';
import type { WatchResponse } from '../../src/index.ts';
import { openFresh, text } from './helpers.ts';

// One member for the whole file (each test uses its own keys): starting a member costs a worker thread.
const { db: shared } = await openFresh(t);

async function nextEvents(iterator: AsyncIterator<WatchResponse>): Promise<WatchResponse> {
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('watch ended');
    if (value.kind !== 'progress') return value;
  }
}

t.test('watch from a past revision replays history, then delivers live events in order', async (t) => {
  const db = shared;
  const { revision: start } = await db.put('job/1', 'a');
  await db.put('job/2', 'b');
  await db.put('other', 'x');
  await db.delete('job/1');
  const watch = await db.watch({ key: 'job/', prefix: true, startRevision: start, prevKv: true });
  const iterator = watch[Symbol.asyncIterator]();
  const seen: string[] = [];
  while (seen.length < 3) {
    const response = await nextEvents(iterator);
    if (response.kind !== 'events') throw new Error(`unexpected ${response.kind}`);
    for (const event of response.events) seen.push(`${event.type} ${text(event.kv.key)} @${event.kv.modRevision}`);
  }
  t.same(seen, [`put job/1 @${start}`, `put job/2 @${start + 1}`, `delete job/1 @${start + 3}`]);
  const live = db.put('job/3', 'c');
  const response = await nextEvents(iterator);
  t.equal(response.kind, 'events');
  if (response.kind === 'events') t.equal(response.events[0]?.kv.modRevision, (await live).revision, 'live event follows replay with no gap');
  watch.cancel();
});

t.test('watch filters and prev_kv', async (t) => {
  const db = shared;
  await db.put('k', 'old');
  const watch = await db.watch({ key: 'k', prevKv: true, filters: ['nodelete'] });
  const iterator = watch[Symbol.asyncIterator]();
  await db.delete('k');
  await db.put('k', 'new');
  const response = await nextEvents(iterator);
  t.equal(response.kind, 'events');
  if (response.kind === 'events') {
    t.same(response.events.map((e) => e.type), ['put'], 'the delete is filtered out');
    t.equal(text(response.events[0]?.kv.value), 'new');
  }
  watch.cancel();
});

t.test('watch from a compacted revision is cancelled with the compaction revision', async (t) => {
  const db = shared;
  await db.put('k', '1');
  await db.put('k', '2');
  const { revision } = await db.put('k', '3');
  await db.compact(revision);
  const watch = await db.watch({ key: 'k', startRevision: 2 });
  const response = await nextEvents(watch[Symbol.asyncIterator]());
  t.equal(response.kind, 'canceled');
  if (response.kind === 'canceled') {
    t.equal(response.compactRevision, revision);
    t.match(response.reason, /required revision has been compacted/);
  }
});

t.test('a watcher sees concurrent writes in revision order with no gap or duplicate', async (t) => {
  const db = shared;
  const watch = await db.watch({ key: 'c/', prefix: true });
  const iterator = watch[Symbol.asyncIterator]();
  const writes = 200;
  const results = await Promise.all(Array.from({ length: writes }, (_, i) => db.put(`c/${i % 7}`, String(i))));
  const expected = results.map((r) => r.revision).sort((a, b) => a - b);
  const revisions: number[] = [];
  while (revisions.length < writes) {
    const response = await nextEvents(iterator);
    if (response.kind === 'events') for (const event of response.events) revisions.push(event.kv.modRevision);
  }
  t.same(revisions, expected);
  watch.cancel();
});

t.test('leases: grant, time-to-live with keys, keep-alive, revoke deletes attached keys in one revision', async (t) => {
  const db = shared;
  const lease = await db.lease.grant(60);
  t.equal(lease.ttlSeconds, 60);
  await db.put('svc/a', '1', { lease: lease.id });
  await db.put('svc/b', '2', { lease: lease.id });
  const ttl = await db.lease.timeToLive(lease.id, { keys: true });
  t.equal(ttl.grantedTtlSeconds, 60);
  t.ok(ttl.ttlSeconds > 0 && ttl.ttlSeconds <= 60);
  t.same(ttl.keys.map(text), ['svc/a', 'svc/b']);
  t.equal((await db.lease.keepAlive(lease.id)).ttlSeconds, 60);
  t.ok((await db.lease.leases()).includes(lease.id), 'the lease is listed');
  const before = (await db.status()).revision;
  const { revision } = await db.lease.revoke(lease.id);
  t.equal(revision, before + 1, 'both keys go in one revision');
  t.equal(await db.get('svc/a'), null);
  t.equal(await db.get('svc/b'), null);
  await t.rejects(db.lease.keepAlive(lease.id), { grpcCode: 5, message: 'etcdserver: requested lease not found' });
  await t.rejects(db.lease.revoke(lease.id), { grpcCode: 5, message: 'etcdserver: requested lease not found' });
  await t.rejects(db.lease.grant(9_000_000_001), { grpcCode: 11, message: 'etcdserver: too large lease TTL' });
});

t.test('a lease that is not kept alive expires and takes its keys with it', async (t) => {
  const db = shared;
  const lease = await db.lease.grant(1);
  await db.put('ephemeral', 'x', { lease: lease.id });
  const watch = await db.watch({ key: 'ephemeral' });
  const response = await nextEvents(watch[Symbol.asyncIterator]());
  t.equal(response.kind, 'events');
  if (response.kind === 'events') t.equal(response.events[0]?.type, 'delete', 'the expiry deletes the key');
  t.equal(await db.get('ephemeral'), null);
  await t.rejects(db.lease.timeToLive(lease.id), { message: 'etcdserver: requested lease not found' });
  watch.cancel();
});
