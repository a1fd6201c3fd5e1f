/**
 * A write sent to a follower while the leader is gone is held until a new
 * leader is elected and then committed, as etcd's followers do: the client
 * sees a slow answer, not "etcdserver: no leader" or "leader changed".
 */
import t from 'tap';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { program, programMissing, recoveryTimeoutMs, startTestCluster } from './support/fault-run.ts';

/** Longer than an election (election timeout 500 ms) and shorter than the request timeout (6 s). */
const putTimeoutMs = 5_000;

t.test(`${program}: writes to a follower are held while there is no leader, then committed`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  const client = new MemberClient(cluster.member(follower).endpoint);
  t.teardown(() => client.close());
  await client.put('held/warm-up', 'v', putTimeoutMs);
  await cluster.kill(leader, 'SIGKILL');
  // Sent at once: the follower still names the dead leader, then names none during the election.
  const puts = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.put(`held/${i}`, `v${i}`, putTimeoutMs)));
  t.same(
    puts.filter((put) => put.status === 'rejected').map((put) => String((put as PromiseRejectedResult).reason)),
    [],
    'no write was refused while the cluster had no leader',
  );
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs);
  t.not(next, leader, 'a new leader was elected');
});
