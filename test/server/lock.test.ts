import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { status } from '@grpc/grpc-js';
import { etcdctlMissing, etcdctlPath, rawClient, statusOf } from './helpers.ts';
import { armChange, callUnary, cancellableCall, leaseHex, startRecipeServer } from './recipe-helpers.ts';

interface Header {
  revision: string;
}
interface LockResponse {
  header: Header;
  key: Buffer;
}

const served = await startRecipeServer(t);
const { client, lock } = served;
const leaseRpc = rawClient(t, 'Lease', served.endpoint);
const lockCall = (name: string, lease: string) => callUnary<LockResponse>(lock, 'Lock', { name: Buffer.from(name), lease });

t.test('an uncontended Lock answers at once with name/<lease hex>, the key carrying the lease', async (t) => {
  const lease = client.lease(30, { autoKeepAlive: false });
  const id = await lease.grant();
  const locked = await lockCall('free', id);
  t.equal(String(locked.key), `free/${leaseHex(id)}`);
  const kv = (await client.get(String(locked.key)).exec()).kvs[0];
  t.equal(kv?.lease, id, 'the key is attached to the lease');
  t.equal(kv?.create_revision, locked.header.revision, 'the header is the revision that created the key');
  const again = await lockCall('free', id);
  t.equal(String(again.key), String(locked.key), 'locking again on the same lease re-enters the held lock');
  await lease.revoke();
});

t.test('a second locker waits until the holder unlocks', async (t) => {
  const [a, b] = [client.lease(30, { autoKeepAlive: false }), client.lease(30, { autoKeepAlive: false })];
  const [idA, idB] = [await a.grant(), await b.grant()];
  const held = await lockCall('unlock', idA);
  const queued = await armChange(client, 'unlock/', 'put');
  let acquired = false;
  const waiting = lockCall('unlock', idB).then((response) => {
    acquired = true;
    return response;
  });
  t.equal(await queued.happened, `unlock/${leaseHex(idB)}`, 'the waiter queued its key');
  t.equal(acquired, false, 'the waiter does not have the lock while the holder holds it');
  const unlocked = await callUnary<{ header: Header }>(lock, 'Unlock', { key: held.key });
  const got = await waiting;
  t.equal(String(got.key), `unlock/${leaseHex(idB)}`);
  t.equal(got.header.revision, unlocked.header.revision, 'answered at the revision that released the lock');
  await Promise.all([a.revoke(), b.revoke()]);
});

t.test('a lock is held until its lease is revoked or expires', async (t) => {
  const expiring = client.lease(1, { autoKeepAlive: false });
  const holder = client.lease(30, { autoKeepAlive: false });
  const waiter = client.lease(30, { autoKeepAlive: false });
  const [idE, idH, idW] = [await expiring.grant(), await holder.grant(), await waiter.grant()];
  await lockCall('expiry', idE);
  const heldAfterExpiry = await lockCall('expiry', idH);
  t.equal(String(heldAfterExpiry.key), `expiry/${leaseHex(idH)}`, 'the 1 s lease expired and released the lock');
  const queued = await armChange(client, 'expiry/', 'put');
  const waiting = lockCall('expiry', idW);
  await queued.happened;
  await holder.revoke();
  t.equal(String((await waiting).key), `expiry/${leaseHex(idW)}`, 'revoking the holder lease handed the lock on');
  await waiter.revoke();
});

t.test('a waiter that goes away gives up its place and leaves no watch open', async (t) => {
  const [a, b] = [client.lease(30, { autoKeepAlive: false }), client.lease(30, { autoKeepAlive: false })];
  const [idA, idB] = [await a.grant(), await b.grant()];
  await lockCall('leave', idA);
  const queued = await armChange(client, 'leave/', 'put');
  const waiting = cancellableCall<LockResponse>(lock, 'Lock', { name: Buffer.from('leave'), lease: idB });
  await queued.happened;
  await served.watches.until((open) => open === 1);
  const left = await armChange(client, 'leave/', 'delete');
  waiting.cancel();
  t.equal((await statusOf(waiting.result)).code, status.CANCELLED);
  t.equal(await left.happened, `leave/${leaseHex(idB)}`, "the waiter's key was deleted (etcd's Mutex does the same)");
  await served.watches.until((open) => open === 0);
  t.same(await client.getAll().prefix('leave/').keys(), [`leave/${leaseHex(idA)}`], 'the holder keeps the lock');
  await Promise.all([a.revoke(), b.revoke()]);
});

t.test('Lock without a lease gets a 60 s session lease, as etcd does', async (t) => {
  const locked = await lockCall('session', '0');
  const kv = (await client.get(String(locked.key)).exec()).kvs[0];
  t.ok(kv !== undefined && kv.lease !== '0', 'the key has a lease');
  t.equal(String(locked.key), `session/${leaseHex(kv!.lease)}`);
  const ttl = await callUnary<{ grantedTTL: string }>(leaseRpc, 'LeaseTimeToLive', { ID: kv!.lease });
  t.equal(ttl.grantedTTL, '60');
  await callUnary(leaseRpc, 'LeaseRevoke', { ID: kv!.lease });
});

t.test('refusals as etcd 3.4 gives them (code Unknown, etcd text); an empty name is accepted', async (t) => {
  t.same(await statusOf(lockCall('bad', '424242')), { code: status.UNKNOWN, details: 'etcdserver: requested lease not found' });
  t.same(await statusOf(callUnary(lock, 'Unlock', { key: Buffer.alloc(0) })), { code: status.UNKNOWN, details: 'etcdserver: key is not provided' });
  const unlockedNothing = await callUnary<{ header: Header }>(lock, 'Unlock', { key: Buffer.from('no-such-lock/1') });
  t.ok(Number(unlockedNothing.header.revision) > 0, 'unlocking a key that does not exist is not an error');
  const lease = client.lease(30, { autoKeepAlive: false });
  const id = await lease.grant();
  t.equal(String((await lockCall('', id)).key), `/${leaseHex(id)}`, 'an empty name queues under "/"');
  await lease.revoke();
});

t.test('etcdctl lock waits for a lock held through the Lock service, and gets it once released', { skip: etcdctlMissing }, async (t) => {
  const lease = client.lease(30, { autoKeepAlive: false });
  const id = await lease.grant();
  await lockCall('ctl', id);
  const queued = await armChange(client, 'ctl/', 'put');
  const child = spawn(etcdctlPath, ['--endpoints', served.endpoint, 'lock', 'ctl', 'echo', 'ran-under-lock'], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  await queued.happened;
  t.equal(stdout, '', 'etcdctl is queued behind the service-held lock');
  await lease.revoke();
  const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(30_000) })) as [number];
  t.equal(code, 0);
  t.equal(stdout.trim(), 'ran-under-lock');
});
