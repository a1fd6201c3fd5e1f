import t from 'tap';
import { bulkWrite } from './support/bulk-writes.ts';
import { findLeader, otherMember } from './support/leader.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

/** Small, so snapshots happen within a short run. */
const snapshotCount = 500;
/**
 * Entries a leader keeps behind its snapshot for slow followers: etcd 3.4
 * hard-codes 5000 (SnapshotCatchUpEntries); Conclave takes etcd 3.5's flag
 * for it, so its run can stay short. A follower further behind than that
 * must be sent a snapshot.
 */
const catchUpEntriesKept = program === 'etcd' ? 5_000 : 100;
const extraFlags = program === 'etcd' ? [] : [`--experimental-snapshot-catchup-entries=${catchUpEntriesKept}`];

t.test(`${program}: a follower far behind catches up by snapshot`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t, { snapshotCount, extraFlags });
  const load = startLoad(t, cluster, 7);
  await load.progress(progressOps, recoveryTimeoutMs);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  await cluster.kill(follower, 'SIGKILL');
  await bulkWrite(cluster.member(leader).endpoint, catchUpEntriesKept + 3 * snapshotCount, 64, 'fill/');
  await cluster.restart(follower);
  await load.progress(progressOps, recoveryTimeoutMs);
  const result = await load.stop();
  t.match(cluster.logTail(follower, 200).join('\n'), /applying snapshot at index/, 'the follower says it applied a snapshot');
  await verifyRun(t, cluster, result);
});
