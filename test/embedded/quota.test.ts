/**
 * The backend quota on one member: past --quota-backend-bytes the member
 * raises NOSPACE and refuses what adds data (NoSpaceError, etcd's code and
 * text) while reads, deletes and compactions go on; compacting, defragmenting
 * and disarming brings writes back; the alarm outlives a restart.
 */
import t, { type Test } from 'tap';
import { ConclaveError, NoSpaceError, open } from '../../src/index.ts';
import { fastTimings, freshDir, openFresh } from './helpers.ts';

/** etcd's estimate for a put: 256 bytes of metadata plus key and value. */
const putCost = (key: string, value: string) => 256 + key.length + value.length;
const VALUE = 'v'.repeat(500);
/** Five puts of 2-byte keys and VALUE fit; the sixth does not. */
const QUOTA_BYTES = 4096;

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded; a refusal was expected');
}

/** Puts k0, k1, ... until the quota refuses one; returns how many were stored and the refusal. */
async function fill(db: Awaited<ReturnType<typeof open>>): Promise<{ stored: number; error: unknown }> {
  for (let i = 0; i < 100; i++) {
    try {
      await db.put(`k${i}`, VALUE);
    } catch (error) {
      return { stored: i, error };
    }
  }
  throw new Error('100 puts fitted under the quota');
}

function assertNoSpace(t: Test, error: unknown, what: string): void {
  t.ok(error instanceof NoSpaceError, `${what}: NoSpaceError (${String(error)})`);
  t.ok(error instanceof ConclaveError, `${what}: a ConclaveError`);
  t.equal((error as ConclaveError).grpcCode, 8, `${what}: ResourceExhausted`);
  t.equal((error as ConclaveError).message, 'etcdserver: mvcc: database space exceeded', `${what}: etcd's text`);
}

t.test('the backend size grows by exactly a put\'s estimated cost', async (t) => {
  const { db } = await openFresh(t);
  const before = (await db.status()).backendBytes;
  await db.put('size', 'twelve bytes');
  t.equal((await db.status()).backendBytes - before, putCost('size', 'twelve bytes'));
  const granted = await db.lease.grant(60);
  t.equal((await db.status()).backendBytes - before, putCost('size', 'twelve bytes') + 64, 'a lease counts 64 bytes');
  await db.lease.revoke(granted.id);
  t.equal((await db.status()).backendBytes - before, putCost('size', 'twelve bytes'));
});

t.test('past the quota: NOSPACE raised, writes that add data refused, the rest served; compact + defragment + disarm recovers', async (t) => {
  const { db } = await openFresh(t, { quotaBackendBytes: QUOTA_BYTES });
  const { memberId } = await db.status();
  const { stored, error } = await fill(db);
  t.equal(stored, Math.ceil(QUOTA_BYTES / putCost('k0', VALUE)) - 1, 'puts fit while size + cost stays below the quota');
  assertNoSpace(t, error, 'the put past the quota');
  t.same((await db.status()).alarms, [{ memberId, alarm: 'NOSPACE' }], 'the member raised NOSPACE under its own ID');
  t.same(await db.alarms.list(), [{ memberId, alarm: 'NOSPACE' }], 'listed through Raft too');

  // A put small enough for the quota is still refused: the alarm caps the store.
  t.ok((await db.status()).backendBytes + putCost('s', 'x') < QUOTA_BYTES, 'the small put would fit the quota');
  assertNoSpace(t, await refusal(db.put('s', 'x')), 'a small put while NOSPACE is raised');
  assertNoSpace(t, await refusal(db.lease.grant(60)), 'a lease grant');
  const putTxn = { compare: [], success: [{ type: 'put' as const, key: Buffer.from('t'), value: Buffer.from('x') }], failure: [] };
  assertNoSpace(t, await refusal(db.txn(putTxn)), 'a txn with a put');
  const nested = { compare: [], success: [{ type: 'txn' as const, ...putTxn }], failure: [] };
  assertNoSpace(t, await refusal(db.txn(nested)), 'a txn with a put in a nested txn');

  t.equal((await db.get('k0'))?.value.length, VALUE.length, 'reads are served');
  const deleteTxn = { compare: [], success: [{ type: 'delete-range' as const, key: Buffer.from('k0') }], failure: [] };
  t.equal((await db.txn(deleteTxn)).succeeded, true, 'a txn that only deletes is applied');
  const deleted = await db.delete('k', { prefix: true });
  t.equal(deleted.deleted, stored - 1, 'deletes are applied');
  const sizeBeforeCompaction = (await db.status()).backendBytes;
  await db.compact(deleted.revision);
  const { backendBytes: sizeAfterCompaction } = await db.defragment();
  t.ok(sizeAfterCompaction < sizeBeforeCompaction, `compaction + defragment shrank the backend (${sizeBeforeCompaction} -> ${sizeAfterCompaction} bytes)`);
  t.equal((await db.status()).backendBytes, sizeAfterCompaction, 'Status reports the same figure');
  assertNoSpace(t, await refusal(db.put('s', 'x')), 'a put after compaction, before the disarm');

  t.same(await db.alarms.disarmAll(), [{ memberId, alarm: 'NOSPACE' }], 'disarm answers with the rows disarmed');
  t.same((await db.status()).alarms, []);
  t.ok((await db.put('after', VALUE)).revision > deleted.revision, 'writes are accepted again');
});

t.test('defragment finishes dropping compacted history at once and counts the size anew', async (t) => {
  const { db } = await openFresh(t);
  const keys = 40_000; // several background compaction steps' worth (10,000 keys each)
  for (let start = 0; start < keys; start += 128) {
    const success = Array.from({ length: 128 }, (_, i) => ({ type: 'put' as const, key: Buffer.from(`big/${start + i}`), value: Buffer.from('x') }));
    await db.txn({ compare: [], success, failure: [] });
  }
  await db.put('kept', 'v');
  const deleted = await db.delete('big/', { prefix: true });
  await db.compact(deleted.revision);
  const { backendBytes } = await db.defragment();
  t.equal(backendBytes, putCost('kept', 'v'), 'only the kept key remains');
  t.equal((await db.status()).backendBytes, backendBytes);
});

t.test('a negative quota disables it', async (t) => {
  const { db } = await openFresh(t, { quotaBackendBytes: -1 });
  for (let i = 0; i < 12; i++) await db.put(`k${i}`, VALUE);
  t.same((await db.status()).alarms, [], `no alarm at ${(await db.status()).backendBytes} bytes`);
});

t.test('open() refuses a quota that is not an integer', async (t) => {
  const dir = await freshDir(t);
  await t.rejects(open({ dir, ...fastTimings, quotaBackendBytes: 1.5 }), /quotaBackendBytes must be an integer/);
});

t.test('the alarm outlives a restart, from the log and from a snapshot', async (t) => {
  const dir = await freshDir(t);
  // Snapshots every 4 entries: the entries written after the alarm put it in one.
  const options = { dir, ...fastTimings, quotaBackendBytes: QUOTA_BYTES, snapshotCountEntries: 4, snapshotCatchUpEntries: 1 };
  const first = await open(options);
  const { memberId } = await first.status();
  await fill(first);
  await first.close();

  const second = await open(options);
  t.same((await second.status()).alarms, [{ memberId, alarm: 'NOSPACE' }], 'raised after a restart (log replay)');
  for (let i = 0; i < 8; i++) await second.delete(`k${i}`);
  await second.close();

  // A larger quota does not disarm it: only a disarm does, as in etcd.
  const third = await open({ ...options, quotaBackendBytes: 0 });
  t.teardown(() => third.close());
  t.same((await third.status()).alarms, [{ memberId, alarm: 'NOSPACE' }], 'raised after a restart from a snapshot');
  assertNoSpace(t, await refusal(third.put('s', 'x')), 'a put after the restart');
  await third.alarms.disarmAll();
  t.ok((await third.put('s', 'x')).revision > 0, 'accepted once disarmed');
});
