/**
 * The member state snapshot: MVCC store, leases and the member table travel
 * together and come back equal; damage anywhere is refused; the stepwise
 * encoder yields between steps and produces the same bytes; the schedule
 * starts one snapshot per snapshotCountEntries entries.
 */
import t from 'tap';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { MemberTable } from '../../actors/applier/member-table.ts';
import { MvccStore } from '../../actors/applier/mvcc/index.ts';
import { SnapshotSchedule } from '../../actors/applier/snapshot-schedule.ts';
import { decodeMemberState, encodeMemberState, encodeMemberStateSteps, type MemberState } from '../../actors/applier/state-snapshot.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import { b } from './helpers.ts';

const members: MemberRecord[] = [
  { id: 1, name: 'one', peerUrls: ['http://a:2380'], clientUrls: ['http://a:2379'], isLearner: false },
  { id: 2, name: '', peerUrls: ['http://b:2380'], clientUrls: [], isLearner: true },
];

function state(): MemberState {
  const leases = new LeaseTable();
  leases.grant(5, 60);
  const store = new MvccStore(leases);
  for (let i = 1; i <= 50; i++) store.apply(i, { type: 'put', key: b(`k${i % 7}`), value: b(`v${i}`), lease: i === 48 ? 5 : 0 });
  return { appliedIndex: 50, mvcc: store.snapshotState(), leases: leases.entries(), members };
}

t.test('store, leases and members round-trip', async (t) => {
  const original = state();
  const decoded = decodeMemberState(encodeMemberState(original));
  t.equal(decoded.appliedIndex, 50);
  const leases = new LeaseTable();
  leases.replace(decoded.leases);
  t.same(leases.entries(), [[5, 60]]);
  const table = new MemberTable([]);
  table.replace(decoded.members, decoded.removedMembers);
  t.same(table.list(), members);
  const restored = MvccStore.restore(decoded.mvcc, leases);
  t.same(restored.snapshotState(), original.mvcc);
  t.same(restored.keysForLease(5), [b('k6')]);
});

t.test('the stepwise encoder yields between steps and writes the same bytes', async (t) => {
  const original = state();
  const steps = encodeMemberStateSteps(original, 8);
  let yields = 0;
  let step = steps.next();
  for (; step.done !== true; step = steps.next()) yields++;
  t.ok(yields >= 2 * Math.floor(original.mvcc.records.length / 8), `${yields} yields for ${original.mvcc.records.length} records`);
  t.same(Buffer.from(step.value), Buffer.from(encodeMemberState(original)));
});

t.test('damage in the meta or the MVCC part is refused', async (t) => {
  const bytes = Buffer.from(encodeMemberState(state()));
  const flip = (at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  };
  t.throws(() => decodeMemberState(flip(0)), { name: 'SnapshotCorruptError', fault: 'bad-magic' });
  t.throws(() => decodeMemberState(flip(14)), { name: 'SnapshotCorruptError', fault: 'checksum-mismatch' }, 'meta');
  t.throws(() => decodeMemberState(flip(bytes.length - 1)), { name: 'SnapshotCorruptError', fault: 'checksum-mismatch' }, 'MVCC table');
  t.throws(() => decodeMemberState(bytes.subarray(0, 8)), { name: 'SnapshotCorruptError', fault: 'truncated' });
});

t.test('a state whose parts disagree on the applied index is not encoded', async (t) => {
  t.throws(() => encodeMemberState({ ...state(), appliedIndex: 49 }), /invariant/);
});

t.test('the schedule starts a snapshot every snapshotCountEntries entries, one at a time', async (t) => {
  const schedule = new SnapshotSchedule(10);
  t.notOk(schedule.begin(9));
  t.ok(schedule.begin(10));
  t.notOk(schedule.begin(25), 'not while one is being built');
  schedule.finished();
  t.ok(schedule.begin(25));
  schedule.finished();
  t.notOk(schedule.begin(34));
  schedule.installed(100);
  t.notOk(schedule.begin(105), 'counts from an installed snapshot');
  t.ok(schedule.begin(110));
  t.throws(() => new SnapshotSchedule(0), RangeError);
});

t.test('lease rows are checked on replace and a bad set changes nothing', async (t) => {
  const leases = new LeaseTable();
  leases.grant(1, 10);
  t.throws(() => leases.replace([[2, 5], [2, 6]]), TypeError);
  t.throws(() => leases.replace([[2, 'x']]), TypeError);
  t.same(leases.entries(), [[1, 10]]);
});
