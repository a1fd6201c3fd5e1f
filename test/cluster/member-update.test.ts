/**
 * MemberUpdate (etcd's Cluster.MemberUpdate) on a running 3-member cluster:
 * a follower's peer URL moves from its fault proxy to its own listener;
 * every member lists the new URL; then the proxy is closed and the third
 * member killed, so a write can only commit if the leader and the moved
 * member reach each other at the new URL. Refusals carry etcd's codes and
 * texts; etcdctl's `member update` works against the cluster too.
 */
import { status } from '@grpc/grpc-js';
import t from 'tap';
import type { LocalCluster } from '../../src/cli/local-cluster/launcher.ts';
import { etcdctl, etcdctlMissing } from '../server/helpers.ts';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient, MemberClientPool } from './support/member-client.ts';
import { program, programMissing, recoveryTimeoutMs, startTestCluster } from './support/fault-run.ts';

const callTimeoutMs = 5_000;
const pollIntervalMs = 50;

/** Resolves once every running member's MemberList gives `id` the peer URLs `urls`; throws after recoveryTimeoutMs. */
async function untilListedEverywhere(cluster: LocalCluster, id: string, urls: readonly string[]): Promise<void> {
  const pool = new MemberClientPool();
  const deadline = Date.now() + recoveryTimeoutMs;
  try {
    for (;;) {
      const running = cluster.members.filter((member) => member.pid !== null);
      const views = await Promise.all(running.map(async (member) => (await pool.get(member.endpoint).memberList(callTimeoutMs)).members.find((row) => row.ID === id)?.peerURLs));
      if (views.every((view) => JSON.stringify(view) === JSON.stringify(urls))) return;
      if (Date.now() > deadline) throw new Error(`member ${id} is listed with ${JSON.stringify(views)}, not ${JSON.stringify(urls)}`);
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  } finally {
    pool.closeAll();
  }
}

async function refusal(call: Promise<unknown>): Promise<{ code: unknown; details: unknown }> {
  try {
    await call;
  } catch (error) {
    const { code, details } = error as { code?: unknown; details?: unknown };
    return { code, details };
  }
  throw new Error('the call was not refused');
}

t.test(`${program}: MemberUpdate moves a member's peer URL; every member lists and dials the new one`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t, { peerProxy: true });
  const { leader, ids } = await findLeader(cluster, recoveryTimeoutMs);
  const moved = otherMember(cluster, leader);
  const third = cluster.members.find((member) => member.name !== leader && member.name !== moved)?.name ?? '';
  const idOf = (name: string): string => {
    const id = ids.get(name);
    if (id === undefined) throw new Error(`no member ID known for ${name}`);
    return id;
  };
  const admin = new MemberClient(cluster.member(leader).endpoint);
  t.teardown(() => admin.close());

  t.same(await refusal(admin.memberUpdate('1234', ['http://127.0.0.99:1'], callTimeoutMs)), { code: status.NOT_FOUND, details: 'etcdserver: member not found' }, 'unknown ID');
  t.same(
    await refusal(admin.memberUpdate(idOf(moved), [cluster.member(third).peerUrl], callTimeoutMs)),
    { code: status.FAILED_PRECONDITION, details: 'etcdserver: Peer URLs already exists' },
    "another member's URL",
  );

  const newUrl = cluster.member(moved).listenPeerUrl;
  const updated = await admin.memberUpdate(idOf(moved), [newUrl], callTimeoutMs);
  t.same(updated.members.find((row) => row.ID === idOf(moved))?.peerURLs, [newUrl], 'the response lists the new URL');
  await untilListedEverywhere(cluster, idOf(moved), [newUrl]);
  t.pass('every member lists the new URL');

  // Only the new URL reaches the moved member now, and the leader needs it for a quorum.
  await cluster.network.detach(moved);
  await cluster.kill(third, 'SIGKILL');
  const startedMs = Date.now();
  const put = await admin.put('update/after', 'committed', recoveryTimeoutMs);
  t.ok(Number(put.header?.revision) > 0, 'a write commits with the leader and the moved member alone');
  t.comment(`the write took ${Date.now() - startedMs} ms`);
  const reader = new MemberClient(cluster.member(moved).endpoint);
  t.teardown(() => reader.close());
  const read = await reader.range({ key: Buffer.from('update/after') }, callTimeoutMs);
  t.equal(Buffer.from(read.kvs[0]?.value ?? []).toString(), 'committed', 'the moved member serves it linearizably');

  t.test('etcdctl member update', { skip: etcdctlMissing }, async (t) => {
    const thirdId = BigInt(idOf(third)).toString(16);
    const elsewhere = 'http://127.0.0.250:2380';
    const result = await etcdctl(cluster.member(leader).endpoint, ['member', 'update', thirdId, `--peer-urls=${elsewhere}`]);
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, new RegExp(`^Member +${thirdId} updated in cluster +[0-9a-f]+\\n$`));
    await untilListedEverywhere(cluster, idOf(third), [elsewhere]);
    t.pass('the running members list the URL etcdctl gave');
  });
});
