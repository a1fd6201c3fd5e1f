/**
 * open({ leaseCheckpointIntervalMs }) reaches the lease wheel: with a short
 * interval the leader proposes a checkpoint of a long lease through Raft on
 * its own, so the applied index moves with no write from the caller (with
 * the 5 min default nothing would be proposed for minutes).
 */
import t from 'tap';
import { fastTimings, openFresh } from './helpers.ts';

t.test('a short lease checkpoint interval makes the leader checkpoint a long lease by itself', async (t) => {
  const { db } = await openFresh(t, { ...fastTimings, leaseCheckpointIntervalMs: 200 });
  await db.lease.grant(60);
  const { raftAppliedIndex: before } = await db.status();
  let after = before;
  // Bounded poll: a checkpoint is due within one interval; nothing announces it.
  for (let attempt = 0; attempt < 100 && after === before; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    after = (await db.status()).raftAppliedIndex;
  }
  t.ok(after > before, `applied index moved from ${before} to ${after} without a write`);
});

t.test('the interval must be a positive integer', async (t) => {
  await t.rejects(openFresh(t, { leaseCheckpointIntervalMs: 0 }), /leaseCheckpointIntervalMs/);
});
