/**
 * One test body, two targets: the embedded handle (`open()`) and the remote
 * client (`connect()` to a served member). Both are typed as ConclaveApi, so
 * the compiler checks the shapes; the body checks the values, and the two
 * transcripts (results with the random lease IDs left out) must be equal.
 */
import t, { type Test } from 'tap';
import { connect, ConclaveError, type ConclaveApi } from '../../src/client/index.ts';
import { openFresh } from '../embedded/helpers.ts';
import { startTestServer } from '../server/helpers.ts';

const decoder = new TextDecoder();
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : decoder.decode(bytes));

async function refusalOf(work: Promise<unknown>): Promise<{ grpcCode: number; message: string }> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof ConclaveError)) throw error;
    return { grpcCode: error.grpcCode, message: error.message };
  }
  throw new Error('expected a ConclaveError');
}


/** Runs the contract on `db`; returns a transcript of what it saw. */
async function contract(t: Test, db: ConclaveApi): Promise<unknown[]> {
  const transcript: unknown[] = [];
  const note = (label: string, value: unknown) => transcript.push([label, value]);

  const first = await db.put('a/1', 'one');
  t.equal(first.prevKv, null, 'a first put has no previous value');
  const second = await db.put('a/1', 'uno', { prevKv: true });
  t.equal(second.revision, first.revision + 1, 'each put takes the next revision');
  t.equal(text(second.prevKv?.value), 'one', 'prevKv is the old value');
  note('put', [first, second]);

  const kv = await db.get('a/1');
  t.ok(kv !== null && kv.value instanceof Uint8Array && kv.value.constructor === Uint8Array, 'values are plain Uint8Array');
  t.match(kv, { createRevision: first.revision, modRevision: second.revision, version: 2, lease: 0 });
  t.equal(await db.get('missing'), null, 'a missing key reads as null');
  t.equal(text((await db.get('a/1', { revision: first.revision }))?.value), 'one', 'a past revision reads the old value');
  note('get', kv);

  await db.put('a/2', 'two');
  await db.put('a/3', 'three');
  const limited = await db.range({ key: new TextEncoder().encode('a/'), rangeEnd: new TextEncoder().encode('a0'), limit: 2, sortOrder: 'descend' });
  t.same(limited.kvs.map((entry) => text(entry.key)), ['a/3', 'a/2'], 'descending order, limited');
  t.equal(limited.more, true, 'more is set when the limit cut the result');
  t.equal(limited.count, 3, 'count is before the limit');
  note('range', limited);

  const key = new TextEncoder().encode('a/1');
  const txn = await db.txn({
    compare: [{ key, target: 'value', result: 'equal', value: new TextEncoder().encode('uno') }],
    success: [{ type: 'put', key, value: new TextEncoder().encode('eins') }, { type: 'range', key }],
    failure: [],
  });
  t.equal(txn.succeeded, true, 'the compare held');
  t.same(txn.responses.map((op) => op.type), ['put', 'range'], 'one response per op, typed');
  note('txn', txn);

  const deleted = await db.delete('a/', { prefix: true, prevKv: true });
  t.equal(deleted.deleted, 3, 'a prefix delete removes every key under it');
  t.same(deleted.prevKvs.map((entry) => text(entry.value)), ['eins', 'two', 'three'], 'prevKvs in key order');
  note('delete', deleted);

  note('empty key', await refusalOf(db.put('', 'x')));
  const compacted = await db.compact(deleted.revision);
  note('compact', compacted);
  const tooOld = await refusalOf(db.range({ key, revision: first.revision }));
  t.same(tooOld, { grpcCode: 11, message: 'etcdserver: mvcc: required revision has been compacted' }, "etcd's compacted error");
  note('compacted', tooOld);

  const watch = await db.watch({ key: 'w/', prefix: true, prevKv: true });
  const iterator = watch[Symbol.asyncIterator]();
  await db.put('w/x', '1');
  await db.put('w/x', '2');
  const events: unknown[] = [];
  while (events.length < 2) {
    const next = await iterator.next();
    if (next.done) throw new Error('the watch ended early');
    if (next.value.kind === 'events') events.push(...next.value.events);
  }
  t.match(events, [{ type: 'put', prevKv: null }, { type: 'put', prevKv: { version: 1 } }], 'events in order with prevKv');
  watch.cancel();
  note('watch', { createdRevision: watch.createdRevision, events });

  const lease = await db.lease.grant(5);
  t.ok(lease.id > 0 && lease.ttlSeconds === 5, 'a lease is granted');
  await db.put('l/k', 'v', { lease: lease.id });
  const ttl = await db.lease.timeToLive(lease.id, { keys: true });
  t.same(ttl.keys.map(text), ['l/k'], 'timeToLive lists the attached keys');
  t.equal((await db.lease.keepAlive(lease.id)).ttlSeconds, 5, 'a keep-alive renews to the granted TTL');
  t.ok((await db.lease.leases()).includes(lease.id), 'leases() lists it');
  const revoked = await db.lease.revoke(lease.id);
  t.equal(await db.get('l/k'), null, 'revoking deletes the attached keys');
  const gone = { grpcCode: 5, message: 'etcdserver: requested lease not found' };
  t.same(await refusalOf(db.lease.timeToLive(lease.id)), gone, 'timeToLive of a revoked lease is refused');
  t.same(await refusalOf(db.lease.keepAlive(lease.id)), gone, 'keepAlive of a revoked lease is refused');
  note('lease', { ttlSeconds: lease.ttlSeconds, grantedTtlSeconds: ttl.grantedTtlSeconds, revoked });

  const status = await db.status();
  t.ok(status.memberId > 0 && status.leader === status.memberId, 'a single member leads itself');
  t.equal(status.compactRevision, compacted.revision, 'status reports the compaction');
  const members = await db.cluster.members();
  t.same(members.map((member) => member.id), [status.memberId], 'one member in the table');
  t.ok(status.backendBytes > 0, 'status reports the backend size');
  note('status', { revision: status.revision, compactRevision: status.compactRevision, removed: status.removed, alarms: status.alarms });
  note('hash', (await db.hashKv()).compactRevision);

  await db.close();
  t.equal(db.isClosed(), true, 'closed after close()');
  note('closed', await refusalOf(db.get('x')));
  return transcript;
}

t.test("the client's status lists the alarms the member applied, as the embedded status does", async (t) => {
  const server = await startTestServer(t);
  const client = await connect({ endpoints: [server.endpoint] });
  t.teardown(() => client.close());
  const { memberId } = await client.status();
  await server.db.alarms.activate(memberId, 'NOSPACE');
  const [embedded, remote] = [await server.db.status(), await client.status()];
  t.same(remote.alarms, [{ memberId, alarm: 'NOSPACE' }], 'the NOSPACE alarm, from Status.errors');
  t.same(remote.alarms, embedded.alarms, 'as the embedded handle lists it');
  t.equal(remote.backendBytes, embedded.backendBytes, "Status.dbSize is the member's backend size");
});

t.test('the embedded handle and the client keep the same contract', async (t) => {
  // One member runtime per thread: the embedded target closes before the served one starts.
  const transcripts: unknown[][] = [];
  await t.test('embedded', async (t) => {
    const { db } = await openFresh(t);
    transcripts.push(await contract(t, db));
  });
  await t.test('client', async (t) => {
    const server = await startTestServer(t);
    const client = await connect({ endpoints: [server.endpoint] });
    t.teardown(() => client.close());
    transcripts.push(await contract(t, client));
  });
  t.equal(transcripts.length, 2, 'both targets ran the contract');
  t.same(transcripts[1], transcripts[0], 'the client saw exactly what the embedded handle saw');
});
