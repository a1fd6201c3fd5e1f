/**
 * The client's retry and balancing rules against scripted KV servers: each
 * fake answers from a script (a status to fail with, or success), counts the
 * calls it got, and names itself in the response header, so a test sees
 * exactly which endpoint served what and how often a request was sent.
 */
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { connect, ConclaveError } from '../../src/client/index.ts';
import { etcdServices } from '../../src/proto/load.ts';

type Step = 'ok' | { code: number; details: string };

interface FakeMember {
  readonly endpoint: string;
  readonly calls: Record<string, number>;
  /** Answers for the next calls of a method, in order; 'ok' once it runs out. */
  readonly script: Record<string, Step[]>;
}

const leaderChanged = { code: grpc.status.UNAVAILABLE, details: 'etcdserver: leader changed' };

async function startFake(t: Tap, memberId: number): Promise<FakeMember> {
  const server = new grpc.Server();
  const calls: Record<string, number> = {};
  const script: Record<string, Step[]> = {};
  const header = () => ({ cluster_id: 1, member_id: memberId, revision: 7, raft_term: 1 });
  const answers: Record<string, () => unknown> = {
    Range: () => ({ header: header(), kvs: [], more: false, count: 0 }),
    Put: () => ({ header: header(), prev_kv: null }),
    Txn: () => ({ header: header(), succeeded: true, responses: [] }),
    DeleteRange: () => ({ header: header(), deleted: 0, prev_kvs: [] }),
    Compact: () => ({ header: header() }),
  };
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, answer] of Object.entries(answers)) {
    implementation[method] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      calls[method] = (calls[method] ?? 0) + 1;
      const step = script[method]?.shift() ?? 'ok';
      if (step === 'ok') callback(null, answer());
      else callback({ code: step.code, details: step.details, metadata: new grpc.Metadata() } as grpc.ServiceError);
    };
  }
  server.addService(etcdServices.KV, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.teardown(() => server.forceShutdown());
  return { endpoint: `127.0.0.1:${port}`, calls, script };
}

type Tap = { teardown(fn: () => unknown): void };

/** A port nothing listens on: bound, then released. */
async function deadEndpoint(): Promise<string> {
  const server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  server.forceShutdown();
  return `127.0.0.1:${port}`;
}

async function client(t: Tap, endpoints: string[]) {
  const db = await connect({ endpoints, retry: { initialBackoffMs: 1, maxBackoffMs: 5 } });
  t.teardown(() => db.close());
  return db;
}

t.test('a read is retried on "leader changed"; a put is not (its outcome is unknown)', async (t) => {
  const member = await startFake(t, 1);
  const db = await client(t, [member.endpoint]);
  member.script['Range'] = [leaderChanged, leaderChanged];
  t.equal(await db.get('k'), null, 'the read succeeds on the third attempt');
  t.equal(member.calls['Range'], 3, 'sent three times');

  member.script['Put'] = [leaderChanged];
  const error = await db.put('k', 'v').catch((caught: unknown) => caught);
  t.ok(error instanceof ConclaveError, 'the put fails with ConclaveError');
  t.match(error, { grpcCode: 14, message: 'etcdserver: leader changed' }, "with etcd's code and text");
  t.equal(member.calls['Put'], 1, 'the put was sent once only');

  member.script['Txn'] = [leaderChanged];
  await t.rejects(db.txn({ compare: [], success: [{ type: 'put', key: Buffer.from('k'), value: Buffer.from('v') }], failure: [] }), { grpcCode: 14, message: 'etcdserver: leader changed' });
  t.equal(member.calls['Txn'], 1, 'a txn that writes is not retried');
  member.script['Txn'] = [leaderChanged];
  await db.txn({ compare: [], success: [{ type: 'range', key: Buffer.from('k') }], failure: [] });
  t.equal(member.calls['Txn'], 3, 'a txn that only reads is retried');
});

t.test('refusals other than UNAVAILABLE are never retried', async (t) => {
  const member = await startFake(t, 1);
  const db = await client(t, [member.endpoint]);
  member.script['Range'] = [{ code: grpc.status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' }];
  await t.rejects(db.get('k', { revision: 1 }), { grpcCode: 11, message: 'etcdserver: mvcc: required revision has been compacted' });
  t.equal(member.calls['Range'], 1, 'sent once');
});

t.test('retries are bounded', async (t) => {
  const member = await startFake(t, 1);
  const db = await connect({ endpoints: [member.endpoint], retry: { maxAttempts: 4, initialBackoffMs: 1, maxBackoffMs: 2 } });
  t.teardown(() => db.close());
  member.script['Range'] = Array.from({ length: 10 }, () => leaderChanged);
  await t.rejects(db.get('k'), { grpcCode: 14, message: 'etcdserver: leader changed' });
  t.equal(member.calls['Range'], 4, 'gave up after maxAttempts');
});

t.test('calls go round-robin over the endpoints', async (t) => {
  const members = [await startFake(t, 1), await startFake(t, 2), await startFake(t, 3)];
  const db = await client(t, members.map((member) => member.endpoint));
  for (let i = 0; i < 9; i += 1) await db.get('k');
  t.same(members.map((member) => member.calls['Range']), [3, 3, 3], 'each endpoint served a third');
});

t.test('a down endpoint is skipped, and a write that never left is sent to the next one', async (t) => {
  const live = await startFake(t, 1);
  const db = await client(t, [await deadEndpoint(), live.endpoint]);
  for (let i = 0; i < 4; i += 1) {
    await db.put('k', 'v');
    await db.get('k');
  }
  t.equal(live.calls['Put'], 4, 'every put reached the live endpoint, once');
  t.equal(live.calls['Range'], 4, 'every read reached the live endpoint');
});

t.test('with every endpoint down, a call fails with UNAVAILABLE after its attempts', async (t) => {
  const db = await connect({ endpoints: [await deadEndpoint()], retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 } });
  t.teardown(() => db.close());
  await t.rejects(db.put('k', 'v'), { grpcCode: 14, message: /^No connection established/ });
});

t.test('after close(), calls fail with ClosedError and nothing is left open', async (t) => {
  const member = await startFake(t, 1);
  const db = await connect({ endpoints: [member.endpoint] });
  await db.get('k');
  await db.close();
  await t.rejects(db.get('k'), { name: 'ConclaveError', grpcCode: 1, message: 'conclave: the handle is closed' });
});

t.test('endpoints are checked up front', async (t) => {
  await t.rejects(connect({ endpoints: [] }), { name: 'EndpointError' });
  await t.rejects(connect({ endpoints: ['unixs://conclave.sock:1'] }), { name: 'EndpointError', message: /scheme unixs:\/\/ is not supported/ });
  await t.rejects(connect({ endpoints: ['127.0.0.1'] }), { message: /expected host:port/ });
});
