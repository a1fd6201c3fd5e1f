/**
 * The raft actor hands the applier committed entries that are already
 * durable before it advances the Ready carrying them, so the applier can
 * snapshot an index the core has not counted as applied yet. That snapshot
 * waits (the newest only) and is recorded once advance() reaches it; one
 * past the commit index is still a broken invariant.
 */
import t from 'tap';
import { Snapshotting } from '../../actors/raft/snapshotting.ts';
import type { RaftNode } from '../../actors/raft/core/raft-node.ts';

function stage() {
  const progress = { snapshotIndex: 0, applied: 100, commit: 150 };
  const compacted: number[] = [];
  const saved: string[] = [];
  const node = {
    status: () => ({ ...progress }),
    compact: (index: number) => {
      if (index > progress.applied) throw new Error('compact() past applied');
      compacted.push(index);
      progress.snapshotIndex = index;
      return { meta: { index, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array() };
    },
  } as unknown as RaftNode;
  const logWriter = { ask: async (message: { type: string }) => void saved.push(message.type) };
  const snapshots = new Snapshotting({
    node,
    logWriter: logWriter as never,
    applier: () => ({ send: () => undefined }) as never,
    catchUpEntries: 10,
    fail: (reason) => {
      throw new Error(reason);
    },
  });
  return { progress, compacted, saved, snapshots };
}

t.test('a snapshot past the applied index waits for advance(), the newest one only', async (t) => {
  const { progress, compacted, snapshots } = stage();
  t.equal(snapshots.snapshotMade(120, new Uint8Array([1])), true, 'accepted');
  t.equal(snapshots.snapshotMade(130, new Uint8Array([2])), true);
  t.same(compacted, [], 'not recorded while the core has applied only 100');
  snapshots.afterAdvance();
  t.same(compacted, [], 'advance() has not reached it yet');
  progress.applied = 140;
  snapshots.afterAdvance();
  t.same(compacted, [130], 'recorded once applied, the newer one');
  snapshots.afterAdvance();
  t.same(compacted, [130], 'only once');
});

t.test('an applied snapshot is recorded at once; one past the commit index is refused', async (t) => {
  const { compacted, snapshots } = stage();
  t.equal(snapshots.snapshotMade(90, new Uint8Array()), true);
  t.same(compacted, [90]);
  t.equal(snapshots.snapshotMade(80, new Uint8Array()), false, 'stale: older than the last one');
  t.throws(() => snapshots.snapshotMade(151, new Uint8Array()), /past the commit index 150/);
});
