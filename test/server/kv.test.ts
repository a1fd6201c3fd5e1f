import t from 'tap';
import { status } from '@grpc/grpc-js';
import { callUnary, etcd3Client, rawClient, startTestServer, statusOf, bytes, text } from './helpers.ts';

const limits = { maxTxnOps: 4, maxRequestBytes: 64 * 1024 };
const served = await startTestServer(t, { open: limits });
const client = etcd3Client(t, served.endpoint);
const kv = rawClient(t, 'KV', served.endpoint);

t.test('put, get, prefix range, delete through the etcd3 client', { timeout: 120_000 }, async (t) => {
  await client.put('fruit/apple').value('red');
  await client.put('fruit/banana').value('yellow');
  await client.put('veg/carrot').value('orange');
  t.equal(await client.get('fruit/apple').string(), 'red');
  t.same(await client.getAll().prefix('fruit/').strings(), { 'fruit/apple': 'red', 'fruit/banana': 'yellow' });
  t.equal(await client.getAll().prefix('fruit/').count(), 2);
  t.same(await client.getAll().prefix('fruit/').sort('Key', 'Descend').limit(1).keys(), ['fruit/banana'], 'sort and limit');
  const deleted = await client.delete().prefix('fruit/').getPrevious();
  t.same(deleted.map((kv) => kv.key.toString()).sort(), ['fruit/apple', 'fruit/banana'], 'prev_kvs of the deleted keys');
  t.equal(await client.get('fruit/apple').string(), null);
});

t.test('responses carry etcd headers and KeyValue fields', { timeout: 120_000 }, async (t) => {
  const put = await callUnary<{ header: Record<string, string> }>(kv, 'Put', { key: bytes('h/1'), value: bytes('v1') });
  await callUnary(kv, 'Put', { key: bytes('h/1'), value: bytes('v2') });
  const range = await callUnary<{ header: Record<string, string>; kvs: Array<Record<string, unknown>>; count: string }>(kv, 'Range', {
    key: bytes('h/1'),
  });
  t.equal(put.header['member_id'], String(served.server.memberId));
  t.equal(put.header['cluster_id'], String(served.server.clusterId));
  t.ok(Number(put.header['raft_term']) >= 1, 'raft term');
  t.equal(Number(range.header['revision']), Number(put.header['revision']) + 1, 'header revision is the store revision');
  const [kv1] = range.kvs;
  t.equal(text(kv1?.['value'] as Buffer), 'v2');
  t.equal(kv1?.['version'], '2');
  t.equal(kv1?.['create_revision'], put.header['revision']);
  t.equal(Number(kv1?.['mod_revision']), Number(put.header['revision']) + 1);
  t.equal(range.count, '1');
});

t.test('txn through client.if(): compare, then/else branches', { timeout: 120_000 }, async (t) => {
  await client.put('txn/k').value('1');
  const hit = await client.if('txn/k', 'Value', '==', '1').then(client.put('txn/k').value('2')).else(client.put('txn/other').value('x')).commit();
  t.equal(hit.succeeded, true);
  t.equal(await client.get('txn/k').string(), '2');
  const miss = await client.if('txn/k', 'Value', '==', '1').then(client.put('txn/k').value('3')).else(client.get('txn/k')).commit();
  t.equal(miss.succeeded, false);
  t.equal(text(miss.responses[0]?.response_range?.kvs[0]?.value as Buffer), '2', 'else branch range result');
  const created = await client.if('txn/none', 'Create', '==', 0).then(client.put('txn/none').value('made')).commit();
  t.equal(created.succeeded, true, 'create_revision == 0 of a missing key');
});

t.test('compaction and reads of compacted and future revisions', { timeout: 120_000 }, async (t) => {
  const first = await client.put('c/k').value('1').exec();
  const firstRevision = Number(first.header.revision);
  await client.put('c/k').value('2');
  const latest = Number((await client.put('c/k').value('3').exec()).header.revision);
  t.equal(await client.get('c/k').revision(firstRevision).string(), '1', 'past revision readable before compaction');
  await client.kv.compact({ revision: latest });
  const compacted = await statusOf(callUnary(kv, 'Range', { key: bytes('c/k'), revision: firstRevision }));
  t.same(compacted, { code: status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' });
  const future = await statusOf(callUnary(kv, 'Range', { key: bytes('c/k'), revision: latest + 1000 }));
  t.same(future, { code: status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision is a future revision' });
  const again = await statusOf(callUnary(kv, 'Compact', { revision: firstRevision }));
  t.same(again, { code: status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' }, 'compacting below the compaction');
  await t.rejects(client.get('c/k').revision(firstRevision).string(), /required revision has been compacted/, 'etcd3 surfaces the etcd message');
});

t.test('bad requests are refused with etcd\'s code and message', { timeout: 120_000 }, async (t) => {
  t.same(await statusOf(callUnary(kv, 'Put', { key: bytes(''), value: bytes('v') })), {
    code: status.INVALID_ARGUMENT,
    details: 'etcdserver: key is not provided',
  });
  t.same(await statusOf(callUnary(kv, 'Range', { key: bytes('') })), { code: status.INVALID_ARGUMENT, details: 'etcdserver: key is not provided' });
  t.same(await statusOf(callUnary(kv, 'Put', { key: bytes('k'), value: bytes('v'), lease: 12345 })), {
    code: status.NOT_FOUND,
    details: 'etcdserver: requested lease not found',
  });
  const put = (key: string) => ({ request_put: { key: bytes(key), value: bytes('v') } });
  t.same(await statusOf(callUnary(kv, 'Txn', { success: ['a', 'b', 'c', 'd', 'e'].map(put) })), {
    code: status.INVALID_ARGUMENT,
    details: 'etcdserver: too many operations in txn request',
  });
  t.same(await statusOf(callUnary(kv, 'Txn', { success: [put('dup'), put('dup')] })), {
    code: status.INVALID_ARGUMENT,
    details: 'etcdserver: duplicate key given in txn request',
  });
  t.same(await statusOf(callUnary(kv, 'Txn', { success: [{}] })), { code: status.INVALID_ARGUMENT, details: 'etcdserver: key not found' }, 'empty RequestOp');
  t.same(await statusOf(callUnary(kv, 'Put', { key: bytes('k'), value: bytes('v'), lease: '9007199254740993' })), {
    code: status.INVALID_ARGUMENT,
    details: 'conclave: lease 9007199254740993 is outside 0..2^53-1; Conclave issues IDs and revisions in that range, so this one cannot exist',
  });
});

t.test('request size: over max-request-bytes is etcd\'s "request is too large", beyond the gRPC limit ResourceExhausted', { timeout: 120_000 }, async (t) => {
  const tooLarge = await statusOf(callUnary(kv, 'Put', { key: bytes('big'), value: Buffer.alloc(limits.maxRequestBytes + 1) }));
  t.same(tooLarge, { code: status.INVALID_ARGUMENT, details: 'etcdserver: request is too large' });
  const overGrpc = await statusOf(callUnary(kv, 'Put', { key: bytes('big'), value: Buffer.alloc(limits.maxRequestBytes + 600 * 1024) }));
  t.equal(overGrpc.code, status.RESOURCE_EXHAUSTED, 'gRPC refuses messages over max-request-bytes + 512 KiB');
  t.equal(await client.get('big').string(), null, 'nothing was written');
});

t.test('malformed protobuf is refused, not a crash', { timeout: 120_000 }, async (t) => {
  const garbage = await statusOf(
    new Promise((resolve, reject) => {
      kv.makeUnaryRequest(
        '/etcdserverpb.KV/Put',
        () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        (bytes: Buffer) => bytes,
        {},
        (error, value) => (error ? reject(error) : resolve(value)),
      );
    }),
  );
  t.equal(garbage.code, status.INTERNAL);
  t.equal(await client.put('after/garbage').value('ok').then(() => client.get('after/garbage').string()), 'ok', 'the server still serves');
});

t.test('an RPC the server does not offer is Unimplemented', { timeout: 120_000 }, async (t) => {
  const auth = rawClient(t, 'Auth', served.endpoint);
  const refused = await statusOf(callUnary(auth, 'AuthEnable', {}));
  t.equal(refused.code, status.UNIMPLEMENTED);
});
