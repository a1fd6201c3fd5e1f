import t from 'tap';
import { status } from '@grpc/grpc-js';
import { callUnary, etcd3Client, rawClient, startTestServer, statusOf } from './helpers.ts';

const served = await startTestServer(t, { server: { metricsListen: [{ host: '127.0.0.1', port: 0 }] } });
const client = etcd3Client(t, served.endpoint);
const maintenance = rawClient(t, 'Maintenance', served.endpoint);
const cluster = rawClient(t, 'Cluster', served.endpoint);
const memberId = String(served.server.memberId);

t.test('Status reports version, size, leader and Raft progress', { timeout: 120_000 }, async (t) => {
  const put = await client.put('s/k').value('v').exec();
  const statusResponse = await client.maintenance.status();
  t.equal(statusResponse.version, '3.4.0');
  t.equal(statusResponse.leader, memberId, 'a single member leads itself');
  t.equal(statusResponse.header.member_id, memberId);
  t.ok(Number(statusResponse.dbSize) > 0, `dbSize ${statusResponse.dbSize} is the backend size`);
  t.ok(Number(statusResponse.raftTerm) >= 1);
  t.ok(Number(statusResponse.raftAppliedIndex) >= 1);
  t.ok(Number(statusResponse.raftIndex) >= Number(statusResponse.raftAppliedIndex));
  t.ok(Number(statusResponse.header.revision) >= Number(put.header.revision));
  t.same(statusResponse.errors, []);
});

t.test('HashKV is stable for the same history and changes with it', { timeout: 120_000 }, async (t) => {
  const revision = Number((await client.put('hash/k').value('1').exec()).header.revision);
  const first = await callUnary<{ hash: number; header: { revision: string } }>(maintenance, 'HashKV', { revision });
  const again = await callUnary<{ hash: number }>(maintenance, 'HashKV', { revision });
  t.equal(again.hash, first.hash, 'same revision, same hash');
  await client.put('hash/k').value('2');
  const later = await callUnary<{ hash: number }>(maintenance, 'HashKV', { revision: 0 });
  t.not(later.hash, first.hash, 'a later history hashes differently');
  const whole = await callUnary<{ hash: number }>(maintenance, 'Hash', {});
  t.equal(whole.hash, later.hash, 'Hash is the hash of the whole retained history');
});

t.test('Alarm, Defragment, MoveLeader and Snapshot on a single member', { timeout: 120_000 }, async (t) => {
  t.same((await callUnary<{ alarms: unknown[] }>(maintenance, 'Alarm', { action: 'GET' })).alarms, []);
  t.same((await statusOf(callUnary(maintenance, 'Alarm', { action: 'ACTIVATE', alarm: 'CORRUPT' }))).code, status.UNIMPLEMENTED, 'Conclave raises NOSPACE only');
  t.ok(await callUnary(maintenance, 'Defragment', {}), 'defragment succeeds');
  t.ok(await callUnary(maintenance, 'MoveLeader', { targetID: memberId }), 'moving leadership to itself is a no-op');
  t.same(await statusOf(callUnary(maintenance, 'MoveLeader', { targetID: 12345 })), {
    code: status.FAILED_PRECONDITION,
    details: 'etcdserver: bad leader transferee',
  });
  const snapshot = maintenance['Snapshot']!({}) as NodeJS.EventEmitter;
  const chunks: Array<{ remaining_bytes: string | number; blob: Buffer }> = [];
  snapshot.on('data', (chunk: { remaining_bytes: string | number; blob: Buffer }) => chunks.push(chunk));
  await new Promise((resolve, reject) => snapshot.once('end', resolve).once('error', reject));
  t.ok(chunks.length >= 2, 'the state, then its SHA-256');
  t.equal(Number(chunks.at(-1)!.remaining_bytes), 0);
  t.equal(chunks.at(-1)!.blob.length, 32, 'the last message carries the SHA-256 of the file');
});

t.test('MemberList describes this member; membership changes a member alone cannot make are refused', { timeout: 120_000 }, async (t) => {
  const list = await client.cluster.memberList({});
  t.same(list.members, [
    { ID: memberId, name: 'test-member', peerURLs: ['http://127.0.0.1:2380'], clientURLs: ['http://127.0.0.1:2379'], isLearner: false },
  ]);
  t.equal(list.header.cluster_id, String(served.server.clusterId));
  t.same(await statusOf(callUnary(cluster, 'MemberRemove', { ID: 99 })), { code: status.NOT_FOUND, details: 'etcdserver: member not found' });
  t.same(await statusOf(callUnary(cluster, 'MemberRemove', { ID: memberId })), {
    code: status.FAILED_PRECONDITION,
    details: 'etcdserver: re-configuration failed due to not enough started members',
  });
  t.same(await statusOf(callUnary(cluster, 'MemberPromote', { ID: memberId })), {
    code: status.FAILED_PRECONDITION,
    details: 'etcdserver: can only promote a learner member',
  });
  t.same(await statusOf(callUnary(cluster, 'MemberAdd', { peerURLs: ['not a url'] })), {
    code: status.INVALID_ARGUMENT,
    details: 'etcdserver: given member URLs are invalid',
  });
  t.match(await statusOf(callUnary(cluster, 'MemberAdd', { peerURLs: ['http://10.0.0.2:2380'] })), {
    code: status.FAILED_PRECONDITION,
    details: /this member was opened alone, without a peer listener/,
  });
});

t.test('HTTP on the client port and on the metrics listener', { timeout: 120_000 }, async (t) => {
  const health = await fetch(`http://${served.endpoint}/health`);
  t.equal(health.status, 200);
  t.same(await health.json(), { health: 'true' });
  t.same(await (await fetch(`http://${served.endpoint}/version`)).json(), { etcdserver: '3.4.0', etcdcluster: '3.4.0', conclave: '0.1.0' });
  t.equal((await fetch(`http://${served.endpoint}/health`, { method: 'POST' })).status, 405);
  t.equal((await fetch(`http://${served.endpoint}/nope`)).status, 404);
  await client.put('metrics/k').value('v');
  const metricsPort = served.server.metricsAddresses()[0]!.port;
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  t.match(metrics, /etcd_server_has_leader 1/);
  t.match(metrics, /etcd_debugging_mvcc_current_revision [1-9]/);
  t.match(metrics, /conclave_raft_term [1-9]/);
  t.match(metrics, /grpc_server_handled_total\{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="OK"\} [1-9]/);
  t.match(metrics, /grpc_server_handling_seconds_bucket\{le="0.001",grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put"\}/);
  t.same(await (await fetch(`http://127.0.0.1:${metricsPort}/health`)).json(), { health: 'true' });
});
