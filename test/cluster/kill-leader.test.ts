import t from 'tap';
import { findLeader } from './support/leader.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: kill -9 of the leader under load, then restart it`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 1);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  await cluster.kill(leader, 'SIGKILL');
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs);
  t.not(next, leader, 'a new leader is elected among the survivors');
  await load.progress(progressOps, recoveryTimeoutMs);
  await cluster.restart(leader);
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
