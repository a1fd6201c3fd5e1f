import t from 'tap';
import { findLeader, otherMember } from './support/leader.ts';
import { partitionsUnsupported, program, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: one-way cut from the leader to a follower, then heal`, { skip: partitionsUnsupported }, async (t) => {
  const cluster = await startTestCluster(t, { peerProxy: true });
  const load = startLoad(t, cluster, 6);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  cluster.network.block(leader, follower);
  await load.progress(progressOps, recoveryTimeoutMs);
  cluster.network.heal();
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
