import t from 'tap';
import { crc32 } from 'node:zlib';
import type { MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import { decodeMemberCommand, encodeMemberCommand } from '../../actors/member/commands.ts';
import { SnapshotCorruptError } from '../../actors/applier/mvcc/errors.ts';
import { decodeSnapshot, encodeSnapshot } from '../../actors/applier/mvcc/snapshot.ts';
import { MvccStore } from '../../actors/applier/mvcc/store.ts';
import { b, Harness, LeaseSet, text } from './helpers.ts';

function busyStore(): Harness {
  const h = new Harness([5]);
  h.put('a', '1', 5);
  h.put('\xff\x00bin', '\x00\x80\xff\xe9');
  h.put('a', '2', 5);
  h.del('a');
  h.put('a', '3', 5);
  h.put('c', 'x');
  h.ok({ type: 'compact', revision: 4 });
  h.put('c', 'y');
  return h;
}

t.test('snapshot round trip restores state, history, leases and the applied index', async (t) => {
  const h = busyStore();
  const bytes = encodeSnapshot(h.store.snapshotState());
  const restored = MvccStore.restore(decodeSnapshot(bytes), h.leases);
  t.equal(restored.appliedIndex, h.store.appliedIndex);
  t.equal(restored.currentRevision, h.store.currentRevision);
  t.equal(restored.compactRevision, 4);
  t.same(restored.hashKv(0), h.store.hashKv(0));
  for (const revision of [4, 5, 6, 7, 8]) {
    t.same(restored.range({ key: b('\0'), rangeEnd: b('\0'), revision }), h.store.range({ key: b('\0'), rangeEnd: b('\0'), revision }), `reads at ${revision}`);
  }
  t.same(restored.keysForLease(5).map(text), ['a']);
  t.same(restored.eventsSince(b('\0'), b('\0'), 4, 100), h.store.eventsSince(b('\0'), b('\0'), 4, 100));
  t.throws(() => restored.range({ key: b('a'), revision: 3 }), { name: 'MvccError', kind: 'compacted' });
});

t.test('after restore, replaying the log applies only entries past the snapshot', async (t) => {
  const original = new Harness();
  const log: MvccCommand[] = [];
  for (let i = 0; i < 6; i++) log.push({ type: 'put', key: b(`k${i % 3}`), value: b(`v${i}`) });
  log.forEach((command, i) => {
    if (i < 4) original.store.apply(i + 1, command);
  });
  const snapshot = decodeSnapshot(encodeSnapshot(original.store.snapshotState()));
  const restarted = MvccStore.restore(snapshot, new LeaseSet());
  // A restart replays the whole log; entries 1..4 are already in the snapshot.
  const statuses = log.map((command, i) => restarted.apply(i + 1, command).status);
  t.same(statuses, ['skipped', 'skipped', 'skipped', 'skipped', 'applied', 'applied']);
  log.forEach((command, i) => {
    if (i >= 4) original.store.apply(i + 1, command);
  });
  t.same(restarted.hashKv(0), original.store.hashKv(0), 'same state as a member that never restarted');
});

t.test('an empty store round-trips', async (t) => {
  const empty = new MvccStore(new LeaseSet());
  const restored = MvccStore.restore(decodeSnapshot(encodeSnapshot(empty.snapshotState())), new LeaseSet());
  t.same([restored.currentRevision, restored.compactRevision, restored.appliedIndex], [1, -1, 0]);
});

t.test('corruption is detected and typed', async (t) => {
  const good = encodeSnapshot(busyStore().store.snapshotState());
  const expectFault = (bytes: Uint8Array, fault: string, name: string): void => {
    t.throws(() => decodeSnapshot(bytes), { name: 'SnapshotCorruptError', fault, grpcCode: 15 }, name);
  };
  for (const position of [0, 5, 9, 12, Math.floor(good.length / 2), good.length - 1]) {
    const flipped = Uint8Array.from(good);
    flipped[position]! ^= 0x40;
    t.throws(() => decodeSnapshot(flipped), SnapshotCorruptError, `a flipped bit at byte ${position}`);
  }
  const bodyFlip = Uint8Array.from(good);
  bodyFlip[good.length - 1]! ^= 1;
  expectFault(bodyFlip, 'checksum-mismatch', 'a body bit flip fails the CRC');
  expectFault(good.subarray(0, 7), 'truncated', 'shorter than the header');
  expectFault(good.subarray(0, good.length - 3), 'length-mismatch', 'a truncated body');
  const magic = Uint8Array.from(good);
  magic[0] = 0;
  expectFault(magic, 'bad-magic', 'not a snapshot');
});

t.test('a checksum-valid snapshot with impossible state is refused on restore', async (t) => {
  const state = busyStore().store.snapshotState();
  const reversed = { ...state, records: [...state.records].reverse() };
  t.throws(() => MvccStore.restore(decodeSnapshot(encodeSnapshot(reversed)), new LeaseSet()), { name: 'SnapshotCorruptError', fault: 'invalid-state' }, 'records out of order');
  const future = { ...state, currentRevision: 2 };
  t.throws(() => MvccStore.restore(future, new LeaseSet()), { name: 'SnapshotCorruptError', fault: 'invalid-state' }, 'records past the current revision');
});

t.test('MVCC commands survive the member command codec', async (t) => {
  const commands: MvccCommand[] = [
    { type: 'put', key: b('k'), value: b('\x00\xff'), lease: 3, prevKv: true },
    { type: 'delete-range', key: b('a'), rangeEnd: b('\0') },
    { type: 'txn', compare: [{ key: b('k'), target: 'value', value: b('v'), result: 'equal' }], success: [{ type: 'range', key: b('k'), limit: 1 }], failure: [{ type: 'txn', compare: [], success: [], failure: [] }] },
    { type: 'compact', revision: 12 },
    { type: 'lease-revoke', id: 2 ** 52 },
  ];
  const h = new Harness([3, 2 ** 52]);
  const direct = new Harness([3, 2 ** 52]);
  for (const command of commands) {
    const decoded = decodeMemberCommand(encodeMemberCommand(command));
    t.same(decoded, command, command.type);
    t.same(h.apply(decoded as MvccCommand), direct.apply(command), `${command.type} applies the same after decoding`);
  }
  t.throws(() => decodeMemberCommand(encodeMemberCommand({ type: 'bogus' } as never)), TypeError);
});

t.test('a checksum-valid table with a record running past the end is refused', async (t) => {
  const bytes = Buffer.from(encodeSnapshot(busyStore().store.snapshotState()));
  const firstKeyLength = 12 + bytes.readUInt32LE(8) + 40;
  bytes.writeUInt32LE(0x7fffffff, firstKeyLength);
  bytes.writeUInt32LE(crc32(bytes.subarray(12)), 4);
  t.throws(() => decodeSnapshot(bytes), { name: 'SnapshotCorruptError', fault: 'invalid-state', message: /runs past the end/ });
});
