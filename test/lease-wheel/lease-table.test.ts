/** The replicated lease table keeps each lease's checkpointed remainder, and snapshots carry it. */
import t from 'tap';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { decodeMemberState, encodeMemberState } from '../../actors/applier/state-snapshot.ts';
import { MvccStore } from '../../actors/applier/mvcc/index.ts';

t.test('a checkpoint is recorded per lease, cleared by 0, and skipped for a lease that is gone', async (t) => {
  const leases = new LeaseTable();
  leases.grant(1, 600);
  leases.grant(2, 60);
  t.equal(leases.checkpoint(1, 420), true);
  t.equal(leases.checkpoint(9, 5), false, 'revoked (or never granted) meanwhile');
  t.equal(leases.remainingTtlSeconds(1), 420);
  t.same(leases.entries(), [[1, 600, 420], [2, 60]], 'a row names its remainder only when it has one');
  leases.checkpoint(1, 0);
  t.same(leases.entries(), [[1, 600], [2, 60]]);
  t.throws(() => leases.checkpoint(2, -1), RangeError);
  t.throws(() => leases.checkpoint(2, 1.5), RangeError);
});

t.test('the remainder survives a snapshot; rows without one (older snapshots) load as no checkpoint', async (t) => {
  const leases = new LeaseTable();
  leases.grant(1, 600);
  leases.grant(2, 60);
  leases.checkpoint(1, 300);
  const store = new MvccStore(leases);
  const bytes = encodeMemberState({ appliedIndex: 0, mvcc: store.snapshotState(), leases: leases.entries(), members: [] });
  const restored = new LeaseTable();
  restored.replace(decodeMemberState(bytes).leases);
  t.equal(restored.remainingTtlSeconds(1), 300);
  t.equal(restored.remainingTtlSeconds(2), 0);
  t.throws(() => restored.replace([[3, 60, -5]]), TypeError, 'a negative remainder is corrupt');
  t.throws(() => restored.replace([[3, 60, 5, 1]]), TypeError, 'so is a row of four');
  t.same(restored.entries(), [[1, 600, 300], [2, 60]], 'a refused replace keeps the old rows');
});
