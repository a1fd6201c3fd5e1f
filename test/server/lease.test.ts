import t from 'tap';
import { once } from 'node:events';
import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import type { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from '../../src/proto/load.ts';
import { callUnary, etcd3Client, rawClient, startTestServer, statusOf, untilStreams } from './helpers.ts';

const served = await startTestServer(t);
const client = etcd3Client(t, served.endpoint);
const leaseRpc = rawClient(t, 'Lease', served.endpoint);

t.test('etcd3 lease: grant, attach keys, keepalive, revoke deletes the keys', { timeout: 120_000 }, async (t) => {
  const lease = client.lease(10, { autoKeepAlive: false });
  const id = await lease.grant();
  await lease.put('leased/a').value('1');
  await lease.put('leased/b').value('2');
  const renewed = await lease.keepaliveOnce();
  t.equal(renewed.TTL, '10', 'keepalive answers the granted TTL');
  const ttl = await callUnary<{ TTL: string; grantedTTL: string; keys: Buffer[] }>(leaseRpc, 'LeaseTimeToLive', { ID: id, keys: true });
  t.equal(ttl.grantedTTL, '10');
  t.ok(Number(ttl.TTL) > 0 && Number(ttl.TTL) <= 10, `remaining TTL ${ttl.TTL}`);
  t.same(ttl.keys.map(String), ['leased/a', 'leased/b']);
  const listed = await callUnary<{ leases: Array<{ ID: string }> }>(leaseRpc, 'LeaseLeases', {});
  t.ok(listed.leases.some((lease) => lease.ID === id), 'LeaseLeases lists it');
  await lease.revoke();
  t.same(await client.getAll().prefix('leased/').keys(), [], 'revoking deleted the attached keys');
  const gone = await callUnary<{ TTL: string; ID: string }>(leaseRpc, 'LeaseTimeToLive', { ID: id });
  t.match(gone, { ID: id, TTL: '-1' }, 'TimeToLive of a revoked lease is TTL -1, not an error (etcd)');
});

t.test('lease refusals as etcd gives them', { timeout: 120_000 }, async (t) => {
  t.same(await statusOf(callUnary(leaseRpc, 'LeaseRevoke', { ID: 424242 })), {
    code: status.NOT_FOUND,
    details: 'etcdserver: requested lease not found',
  });
  const granted = await callUnary<{ ID: string }>(leaseRpc, 'LeaseGrant', { TTL: 30, ID: 777 });
  t.equal(granted.ID, '777', 'a client-chosen ID');
  t.same(await statusOf(callUnary(leaseRpc, 'LeaseGrant', { TTL: 30, ID: 777 })), {
    code: status.FAILED_PRECONDITION,
    details: 'etcdserver: lease already exists',
  });
  t.same(await statusOf(callUnary(leaseRpc, 'LeaseGrant', { TTL: 9_000_000_001 })), {
    code: status.OUT_OF_RANGE,
    details: 'etcdserver: too large lease TTL',
  });
  const beyond = await statusOf(callUnary(leaseRpc, 'LeaseGrant', { TTL: 30, ID: '9223372036854775807' }));
  t.equal(beyond.code, status.INVALID_ARGUMENT, 'an ID beyond 2^53 cannot be represented: refused, never rounded');
});

t.test('keepalive stream: unknown lease answers TTL 0, the stream goes on; disconnecting leaves nothing', { timeout: 120_000 }, async (t) => {
  const { ID } = await callUnary<{ ID: string }>(leaseRpc, 'LeaseGrant', { TTL: 20 });
  const stream = leaseRpc['LeaseKeepAlive']!() as ClientDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>;
  stream.on('error', () => undefined);
  const next = async () => (await once(stream, 'data', { signal: AbortSignal.timeout(30_000) }))[0] as LeaseKeepAliveResponse;
  stream.write({ ID: 31337 });
  t.match(await next(), { ID: '31337', TTL: '0' });
  stream.write({ ID });
  t.match(await next(), { ID, TTL: '20' });
  await untilStreams(served.server, (counts) => counts.keepAliveStreams === 1);
  stream.cancel();
  await untilStreams(served.server, (counts) => counts.keepAliveStreams === 0);
  t.pass('the keepalive stream was released');
});

t.test('etcd3 lock over KV and leases: exclusive while held, free after release', { timeout: 120_000 }, async (t) => {
  const first = client.lock('jobs/lock');
  await first.acquire();
  await t.rejects(client.lock('jobs/lock').acquire(), /Failed to acquire a lock on jobs\/lock/, 'a second holder is refused while the first holds it');
  await first.release();
  const second = client.lock('jobs/lock');
  await second.acquire();
  t.pass('acquired after release');
  await second.release();
});
