import t from 'tap';
import { missingProgram } from '../support/real-programs.ts';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { ServiceError } from '@grpc/grpc-js';
import { EtcdConnection } from '../../src/bench/connection.ts';
import { etcdMethods, etcdProtoFiles, etcdServiceNames, etcdServices, protoDir } from '../../src/proto/load.ts';
import type { WatchResponse } from '../../src/proto/load.ts';
import { etcdMissing, startTestEtcd } from './etcd-fixture.ts';

const etcdSourceDir = '/usr/share/gocode/src/go.etcd.io/etcd';
const etcdSourceFiles = [
  'etcdserver/etcdserverpb/rpc.proto',
  'etcdserver/api/v3lock/v3lockpb/v3lock.proto',
  'etcdserver/api/v3election/v3electionpb/v3election.proto',
];

t.test('every etcd service and the typed methods are loaded', async (t) => {
  t.same(Object.keys(etcdServices).sort(), ['Auth', 'Cluster', 'Election', 'KV', 'Lease', 'Lock', 'Maintenance', 'Watch']);
  t.equal(etcdMethods.range.path, '/etcdserverpb.KV/Range');
  t.equal(etcdMethods.watch.path, '/etcdserverpb.Watch/Watch');
  t.ok(etcdMethods.watch.requestStream && etcdMethods.watch.responseStream, 'Watch is bidirectional');
  t.equal(etcdMethods.leaseKeepAlive.path, '/etcdserverpb.Lease/LeaseKeepAlive');
  t.equal(etcdServices.Lock['Lock']?.path, '/v3lockpb.Lock/Lock');
  t.equal(etcdServices.Election['Observe']?.responseStream, true);
  t.equal(etcdServiceNames.Maintenance, 'etcdserverpb.Maintenance');
});

t.test('int64 values beyond 2^53 encode and decode exactly (lease IDs)', async (t) => {
  const method = etcdMethods.leaseGrant;
  const bigId = '9007199254740993'; // 2^53 + 1: a JS number cannot hold it
  const bytes = method.requestSerialize({ TTL: 5, ID: bigId });
  const back = etcdServices.Lease['LeaseGrant']?.requestDeserialize(bytes) as { ID: string; TTL: string };
  t.same(back, { ID: bigId, TTL: '5' });
  const negative = etcdMethods.range.requestDeserialize(etcdMethods.range.requestSerialize({ key: Buffer.from('k'), revision: '-1' }));
  t.equal(negative.revision, '-1', 'negative int64 decodes as a signed decimal string');
});

/** A structural description of every message, enum and service: what the wire depends on. */
function wireShape(root: protobuf.Root): Record<string, unknown> {
  const shape: Record<string, unknown> = {};
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const item of ns.nestedArray) {
      if (item instanceof protobuf.Type) {
        shape[item.fullName] = item.fieldsArray
          .map((f) => `${f.id} ${f.name} ${f.repeated ? 'repeated ' : ''}${f.resolvedType?.fullName ?? f.type}${f.partOf ? ` oneof ${f.partOf.name}` : ''}`)
          .sort();
      } else if (item instanceof protobuf.Enum) {
        shape[item.fullName] = Object.entries(item.values).map(([name, id]) => `${id} ${name}`).sort();
      } else if (item instanceof protobuf.Service) {
        shape[item.fullName] = item.methodsArray
          .map((m) => `${m.name}(${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType?.fullName}) -> ${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType?.fullName}`)
          .sort();
      }
      if (item instanceof protobuf.Namespace) visit(item);
    }
  };
  visit(root);
  return shape;
}

function loadRoot(files: string[], resolve: (target: string) => string | null): protobuf.Root {
  const root = new protobuf.Root();
  // protobufjs skips an import whose resolved path is null (etcd's gogoproto and HTTP annotation imports).
  root.resolvePath = (_origin, target) => resolve(target) as string;
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

t.test('the .proto files match etcd 3.4 on the wire: same names, numbers, types, oneofs, streams', {
  skip: missingProgram(etcdSourceDir, 'apt-get install -y golang-etcd-server-dev'),
}, async (t) => {
  const etcd = loadRoot(etcdSourceFiles.map((f) => join(etcdSourceDir, f)), (target) => {
    if (target.startsWith('gogoproto/') || target.startsWith('google/')) return null;
    return target.startsWith('etcd/') ? join(etcdSourceDir, target.slice('etcd/'.length)) : target;
  });
  const ours = loadRoot(etcdProtoFiles.map((f) => join(protoDir, f)), (target) => (target.startsWith('/') ? target : join(protoDir, target)));
  const etcdShape = wireShape(etcd);
  const ourShape = wireShape(ours);
  t.same(Object.keys(ourShape).sort(), Object.keys(etcdShape).sort(), 'same set of messages, enums and services');
  for (const [name, shape] of Object.entries(etcdShape)) t.same(ourShape[name], shape, name);
  t.ok(Object.keys(etcdShape).length > 100, `compared ${Object.keys(etcdShape).length} definitions`);
});

t.test('round trip against real etcd', { skip: etcdMissing }, async (t) => {
  const server = await startTestEtcd(t);
  const conn = new EtcdConnection({ host: server.host, port: server.clientPort });
  t.teardown(() => conn.close());
  await conn.waitReady(5_000);

  const put = await conn.unary(etcdMethods.put, { key: Buffer.from('greeting'), value: Buffer.from('hello') });
  t.match(put.header?.revision, /^[1-9]\d*$/, 'put header carries the new revision');
  t.equal(put.prev_kv, null, 'unset sub-message decodes as null');

  const range = await conn.unary(etcdMethods.range, { key: Buffer.from('greeting') });
  t.equal(range.count, '1');
  t.equal(range.kvs[0]?.value.toString(), 'hello');
  t.equal(range.kvs[0]?.mod_revision, put.header?.revision, 'the key was written at the put revision');
  t.equal(range.kvs[0]?.version, '1');
  t.equal(range.header?.revision, put.header?.revision, 'range header has the current revision');

  const txn = await conn.unary(etcdMethods.txn, {
    compare: [{ key: Buffer.from('greeting'), target: 'VALUE', result: 'EQUAL', value: Buffer.from('hello') }],
    success: [{ request_put: { key: Buffer.from('greeting'), value: Buffer.from('bye'), prev_kv: true } }],
  });
  t.equal(txn.succeeded, true, 'VALUE compare through the target_union oneof');
  const [op] = txn.responses;
  t.equal(op?.response, 'response_put', 'oneof member is named');
  if (op?.response === 'response_put') t.equal(op.response_put.prev_kv?.value.toString(), 'hello');

  const bigId = '9007199254740993';
  const grant = await conn.unary(etcdMethods.leaseGrant, { TTL: 30, ID: bigId });
  t.equal(grant.ID, bigId, 'etcd echoes a lease ID above 2^53 exactly');
  const ttl = await conn.unary(etcdMethods.leaseTimeToLive, { ID: bigId });
  t.equal(ttl.grantedTTL, '30');
  await conn.unary(etcdMethods.leaseRevoke, { ID: bigId });

  const error = await conn.unary(etcdMethods.put, { key: Buffer.alloc(0), value: Buffer.from('x') }).then(
    () => null,
    (e: ServiceError) => e,
  );
  t.equal(error?.code, 3, 'INVALID_ARGUMENT');
  t.equal(error?.details, 'etcdserver: key is not provided');
});

t.test('watch stream against real etcd: created, then the PUT event', { skip: etcdMissing }, async (t) => {
  const server = await startTestEtcd(t);
  const conn = new EtcdConnection({ host: server.host, port: server.clientPort });
  t.teardown(() => conn.close());
  await conn.waitReady(5_000);
  const call = conn.bidi(etcdMethods.watch);
  const responses: WatchResponse[] = [];
  const gotEvent = new Promise<void>((resolve, reject) => {
    call.on('data', (response: WatchResponse) => {
      responses.push(response);
      if (response.events.length > 0) resolve();
      else if (response.created) void conn.unary(etcdMethods.put, { key: Buffer.from('w'), value: Buffer.from('v1') }).catch(reject);
    });
    call.on('error', reject);
  });
  call.write({ create_request: { key: Buffer.from('w') } });
  await gotEvent;
  call.cancel();
  call.on('error', () => {});
  t.equal(responses[0]?.created, true);
  const event = responses.at(-1)?.events[0];
  t.equal(event?.type, 'PUT');
  t.equal(event?.kv?.value.toString(), 'v1');
  t.equal(responses.at(-1)?.watch_id, responses[0]?.watch_id, 'event arrives on the created watch id');
});
