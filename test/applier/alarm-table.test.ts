/**
 * The replicated alarm table, the quota's arithmetic and the backend size:
 * raise and disarm answer as etcd's alarm store does, rows list in a fixed
 * order and travel in member-state snapshots (older snapshots without them
 * still load); a request's cost follows etcd's estimates; the backend size
 * kept event by event equals a recount of the store.
 */
import t from 'tap';
import { AlarmTable } from '../../actors/applier/alarm-table.ts';
import { BackendSize } from '../../actors/applier/backend-size.ts';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { MvccStore, type MvccCommand } from '../../actors/applier/mvcc/index.ts';
import { quotaCostBytes } from '../../actors/applier/quota-cost.ts';
import { decodeMemberState, encodeMemberState } from '../../actors/applier/state-snapshot.ts';
import { b } from './helpers.ts';

t.test('raise and disarm answer with the row, as etcd\'s alarm store does', async (t) => {
  const alarms = new AlarmTable();
  t.same(alarms.activate(7, 'NOSPACE'), { memberId: 7, alarm: 'NOSPACE' });
  t.same(alarms.activate(7, 'NOSPACE'), { memberId: 7, alarm: 'NOSPACE' }, 'raising it again answers with the same row');
  alarms.activate(3, 'NOSPACE');
  t.same(alarms.list(), [{ memberId: 3, alarm: 'NOSPACE' }, { memberId: 7, alarm: 'NOSPACE' }], 'one row per member, by member ID');
  t.same(alarms.list('NOSPACE'), alarms.list('NONE'));
  t.equal(alarms.deactivate(9, 'NOSPACE'), null, 'disarming an alarm a member never raised removes nothing');
  t.same(alarms.deactivate(7, 'NOSPACE'), { memberId: 7, alarm: 'NOSPACE' });
  t.equal(alarms.isActive('NOSPACE'), true, 'still raised by member 3');
  alarms.deactivate(3, 'NOSPACE');
  t.equal(alarms.isActive('NOSPACE'), false);
});

t.test('alarms travel in the member-state snapshot; a snapshot without them holds none', async (t) => {
  const leases = new LeaseTable();
  const store = new MvccStore(leases);
  store.apply(1, { type: 'put', key: b('k'), value: b('v') });
  const base = { appliedIndex: 1, mvcc: store.snapshotState(), leases: [], members: [] };
  const decoded = decodeMemberState(encodeMemberState({ ...base, alarms: [{ memberId: 7, alarm: 'NOSPACE' }] }));
  const restored = new AlarmTable();
  restored.replace(decoded.alarms);
  t.same(restored.list(), [{ memberId: 7, alarm: 'NOSPACE' }]);
  t.same(decodeMemberState(encodeMemberState(base)).alarms, []);
  t.throws(() => restored.replace([{ memberId: 1, alarm: 'CORRUPT' }]), TypeError, 'an alarm Conclave never raises is refused');
  t.throws(() => restored.replace([{ memberId: 1, alarm: 'NOSPACE' }, { memberId: 1, alarm: 'NOSPACE' }]), TypeError, 'a repeated row is refused');
  t.same(restored.list(), [{ memberId: 7, alarm: 'NOSPACE' }], 'a refused replace keeps the old rows');
});

t.test('costs follow etcd\'s estimates; deletes and compactions cost nothing', async (t) => {
  const put = { type: 'put', key: b('key'), value: b('value') } as const;
  t.equal(quotaCostBytes(put), 256 + 3 + 5);
  t.equal(quotaCostBytes({ type: 'lease-grant', id: 1, ttlSeconds: 10 }), 64);
  t.equal(quotaCostBytes({ type: 'delete-range', key: b('key') }), 0);
  t.equal(quotaCostBytes({ type: 'compact', revision: 3 }), 0);
  t.equal(quotaCostBytes({ type: 'txn', compare: [], success: [{ type: 'delete-range', key: b('k') }], failure: [] }), 0);
  t.equal(quotaCostBytes({ type: 'txn', compare: [], success: [put], failure: [put, put] }), 2 * 264, 'the dearer branch');
  const nested = { type: 'txn', compare: [], success: [put], failure: [] } as const;
  t.equal(quotaCostBytes({ type: 'txn', compare: [], success: [nested, put], failure: [] }), 2 * 264, 'puts in nested txns count');
});

t.test('the backend size kept event by event equals a recount of the store', async (t) => {
  const leases = new LeaseTable();
  leases.grant(5, 60);
  const store = new MvccStore(leases);
  const size = new BackendSize();
  const commands: MvccCommand[] = [
    { type: 'put', key: b('a'), value: b('one') },
    { type: 'put', key: b('b'), value: b('two'), lease: 5 },
    { type: 'put', key: b('a'), value: b(''), ignoreValue: true },
    { type: 'txn', compare: [], success: [{ type: 'put', key: b('c'), value: b('3') }, { type: 'delete-range', key: b('a') }], failure: [] },
    { type: 'lease-revoke', id: 5 },
  ];
  commands.forEach((command, i) => {
    const result = store.apply(i + 1, command);
    if (result.status !== 'applied') throw new Error(`command ${i} was ${result.status}`);
    size.addEvents(result.events);
  });
  const counted = size.bytes;
  size.recount(store.snapshotState().records);
  t.equal(counted, size.bytes, `${counted} bytes either way`);
  const result = store.apply(commands.length + 1, { type: 'compact', revision: store.currentRevision });
  t.equal(result.status, 'applied');
  size.recount(store.snapshotState().records);
  t.equal(size.bytes, 256 + 1 + 1, 'after compaction only c=3 is left');
  size.leaseGranted();
  t.equal(size.bytes, 258 + 64);
  size.leaseRevoked();
  t.throws(() => size.leaseRevoked(), /lease count -1/);
});

t.test('a count in steps ends exact, including records appended while it ran', async (t) => {
  const records = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  const size = new BackendSize();
  size.recount(records);
  const exact = size.bytes;
  t.equal(exact, 5 * (256 + 2 + 1));
  size.startRecount(records.slice(0, 3));
  t.equal(size.stepRecount(2), false, 'one step does not finish it');
  t.equal(size.recountPending, true);
  t.equal(size.bytes, exact, 'until it finishes, the old figure stands');
  const { events } = appliedPut();
  size.addEvents(events);
  t.equal(size.stepRecount(2), true);
  t.equal(size.bytes, 3 * (256 + 2 + 1) + (256 + 1 + 1), 'the counted records plus the one appended meanwhile');
});

function appliedPut() {
  const store = new MvccStore(new LeaseTable());
  const result = store.apply(1, { type: 'put', key: b('x'), value: b('y') });
  if (result.status !== 'applied') throw new Error(`put was ${result.status}`);
  return result;
}
