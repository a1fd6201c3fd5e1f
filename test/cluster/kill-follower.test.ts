import t from 'tap';
import { findLeader, otherMember } from './support/leader.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: kill -9 of a follower under load, then restart it`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 2);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  await cluster.kill(follower, 'SIGKILL');
  await load.progress(progressOps, recoveryTimeoutMs);
  t.equal((await findLeader(cluster, recoveryTimeoutMs)).leader, leader, 'losing a follower does not cost the leader its leadership');
  await cluster.restart(follower);
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
