import t from 'tap';
import { findLeader } from './support/leader.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: SIGSTOP of the leader under load, then SIGCONT`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 3);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  await cluster.kill(leader, 'SIGSTOP');
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs, [leader]);
  t.not(next, leader, 'the others elect a new leader while the old one is frozen');
  await load.progress(progressOps, recoveryTimeoutMs);
  // The old leader wakes up believing it leads: it must step down, not serve stale state.
  await cluster.kill(leader, 'SIGCONT');
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
