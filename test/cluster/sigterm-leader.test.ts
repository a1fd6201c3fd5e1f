/**
 * SIGTERM of the leader under load: the member hands leadership to a
 * caught-up follower before it stops (etcd does the same on SIGTERM), so a
 * survivor follows a new leader while the old leader's process is still
 * running. Without the handover that cannot happen: the old leader
 * heartbeats until its Raft actor closes, and the survivors then wait out at
 * least the election timeout (500 ms here), longer than the rest of the
 * shutdown takes. No acknowledged write is lost and the history stays
 * linearizable.
 */
import t from 'tap';
import { findLeader } from './support/leader.ts';
import { MemberClientPool } from './support/member-client.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

const statusTimeoutMs = 1_000;
const pollIntervalMs = 10;

/** Polls the endpoints' Status until one follows a leader other than `oldLeaderId`; resolves with when that was seen. */
async function untilNewLeader(endpoints: readonly string[], oldLeaderId: string): Promise<number> {
  const pool = new MemberClientPool();
  const deadline = Date.now() + recoveryTimeoutMs;
  try {
    while (Date.now() < deadline) {
      const leaders = await Promise.all(endpoints.map((endpoint) => pool.get(endpoint).status(statusTimeoutMs).then((status) => status.leader, () => '0')));
      if (leaders.some((leader) => leader !== '0' && leader !== oldLeaderId)) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  } finally {
    pool.closeAll();
  }
  throw new Error(`no member followed a new leader within ${recoveryTimeoutMs} ms`);
}

t.test(`${program}: SIGTERM of the leader under load hands leadership over before an election could`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 6);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader, ids } = await findLeader(cluster, recoveryTimeoutMs);
  const leaderId = ids.get(leader);
  if (leaderId === undefined) throw new Error(`no ID known for leader ${leader}`);
  const survivors = cluster.members.filter((member) => member.name !== leader).map((member) => member.endpoint);

  const sentMs = Date.now();
  const exited = cluster.kill(leader, 'SIGTERM').then(() => Date.now());
  const [seenMs, exitedMs] = await Promise.all([untilNewLeader(survivors, leaderId), exited]);
  t.comment(`a survivor followed a new leader ${seenMs - sentMs} ms after SIGTERM; the old leader exited after ${exitedMs - sentMs} ms`);
  t.ok(seenMs < exitedMs, 'a new leader was followed before the old leader exited: handed over, not elected');
  if (program === 'conclave') t.match(cluster.logTail(leader).join('\n'), /received SIGTERM, shutting down/);

  await load.progress(progressOps, recoveryTimeoutMs);
  await cluster.restart(leader);
  await load.progress(progressOps, recoveryTimeoutMs);
  const result = await load.stop();
  await verifyRun(t, cluster, result);
});
