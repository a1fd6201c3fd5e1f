import t from 'tap';
import { findLeader } from './support/leader.ts';
import { partitionsUnsupported, program, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: partition isolating the leader under load, then heal`, { skip: partitionsUnsupported }, async (t) => {
  const cluster = await startTestCluster(t, { peerProxy: true });
  const load = startLoad(t, cluster, 5);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  cluster.network.isolate(leader);
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs, [leader]);
  t.not(next, leader, 'the majority side elects a new leader');
  // Clients of the isolated member keep asking it; they must get no stale or lost answers.
  await load.progress(progressOps, recoveryTimeoutMs);
  cluster.network.heal();
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
