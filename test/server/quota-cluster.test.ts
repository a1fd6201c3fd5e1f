/**
 * --quota-backend-bytes in a 3-member cluster of `conclave serve` processes:
 * the member that finds the quota exceeded raises NOSPACE through Raft, every
 * member then reports it in Status and refuses what adds data with etcd's
 * status, and a compaction plus a disarm sent to any member brings writes
 * back everywhere.
 */
import t from 'tap';
import { status } from '@grpc/grpc-js';
import { startCluster } from '../../src/cli/local-cluster/launcher.ts';
import { callUnary, rawClient, statusOf } from './helpers.ts';

const NO_SPACE = { code: status.RESOURCE_EXHAUSTED, details: 'etcdserver: mvcc: database space exceeded' };
const VALUE = Buffer.from('v'.repeat(500));

interface WireStatus {
  header: { member_id: string };
  errors: string[];
}

const cluster = await startCluster({
  program: 'conclave',
  size: 3,
  heartbeatIntervalMs: 50,
  electionTimeoutMs: 500,
  extraFlags: ['--quota-backend-bytes=4096'],
  stopGraceMs: 1_000,
  // Members load TypeScript through tsx: slow on a busy 2-core machine.
  readyTimeoutMs: 60_000,
});
t.teardown(() => cluster.stop());
const clients = cluster.members.map((member) => ({
  name: member.name,
  kv: rawClient(t, 'KV', member.endpoint),
  lease: rawClient(t, 'Lease', member.endpoint),
  maintenance: rawClient(t, 'Maintenance', member.endpoint),
}));
const [first, second, third] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];

/** The member's Status once it applied everything committed so far (a linearizable Range waits for that). */
async function appliedStatus(client: (typeof clients)[0]): Promise<WireStatus> {
  await callUnary(client.kv, 'Range', { key: Buffer.from('sync') });
  return callUnary<WireStatus>(client.maintenance, 'Status', {});
}

t.test('one member raises NOSPACE; every member reports it and refuses writes; a disarm anywhere recovers', async (t) => {
  const raiser = (await callUnary<WireStatus>(first.maintenance, 'Status', {})).header.member_id;
  let refusal: { code: number; details: string } | null = null;
  for (let i = 0; i < 100 && refusal === null; i++) {
    refusal = await callUnary(first.kv, 'Put', { key: Buffer.from(`k${i}`), value: VALUE }).then(
      () => null,
      (error: { code: number; details: string }) => ({ code: error.code, details: error.details }),
    );
  }
  t.same(refusal, NO_SPACE, 'the member past the quota refused the put');
  for (const client of clients) {
    t.same((await appliedStatus(client)).errors, [`memberID:${raiser} alarm:NOSPACE `], `member ${client.name} reports the alarm`);
  }
  // Small enough for the quota: refused by the replicated alarm, not by the member's own size check.
  t.same(await statusOf(callUnary(second.kv, 'Put', { key: Buffer.from('small'), value: Buffer.from('x') })), NO_SPACE, 'another member refuses a small put');
  t.same(await statusOf(callUnary(third.lease, 'LeaseGrant', { TTL: 60 })), NO_SPACE, 'and a lease grant');

  const deleted = await callUnary<{ header: { revision: string } }>(second.kv, 'DeleteRange', { key: Buffer.from('k'), range_end: Buffer.from('l') });
  await callUnary(third.kv, 'Compact', { revision: deleted.header.revision });
  await callUnary(third.maintenance, 'Alarm', { action: 'DEACTIVATE', memberID: raiser, alarm: 'NOSPACE' });
  t.ok(await callUnary(second.kv, 'Put', { key: Buffer.from('small'), value: Buffer.from('x') }), 'writes are accepted again');
  for (const client of clients) t.same((await appliedStatus(client)).errors, [], `member ${client.name} applied the disarm`);
});
