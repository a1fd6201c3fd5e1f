import t from 'tap';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: kill -9 of every member under load, then restart all from disk`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 4);
  await load.progress(progressOps, recoveryTimeoutMs);
  const names = cluster.members.map((member) => member.name);
  // Harsher than a clean stop: every acknowledged write must already be on disk.
  await Promise.all(names.map((name) => cluster.kill(name, 'SIGKILL')));
  t.same(cluster.members.map((member) => member.pid), [null, null, null], 'no member is running');
  await cluster.restart(...names);
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
