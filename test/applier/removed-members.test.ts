/**
 * Removed member IDs are replicated state: the member table records each
 * removal (bounded, oldest dropped first), they travel in the member state
 * snapshot, and a snapshot written before they were (no such field) still
 * loads, with none.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import t from 'tap';
import { MemberTable } from '../../actors/applier/member-table.ts';
import { MvccStore } from '../../actors/applier/mvcc/index.ts';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { decodeMemberState, encodeMemberState, type MemberState } from '../../actors/applier/state-snapshot.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { ConfChangeRecord } from '../../actors/raft/core/conf-change-codec.ts';
import { REMOVED_MEMBERS_MAX } from '../../actors/transport/transport-messages.ts';

const one: MemberRecord = { id: 1, name: 'one', peerUrls: ['http://a:2380'], clientUrls: [], isLearner: false };
const learner = (id: number): MemberRecord => ({ id, name: '', peerUrls: [`http://l${id}:2380`], clientUrls: [], isLearner: true });

const addLearner = (id: number): ConfChangeRecord => ({ change: { kind: 'add-learner', node: id }, conf: { voters: [1], learners: [id] } });
const remove = (id: number): ConfChangeRecord => ({ change: { kind: 'remove', node: id }, conf: { voters: [1], learners: [] } });

function state(members: readonly MemberRecord[], removedMembers?: readonly number[]): MemberState {
  const store = new MvccStore(new LeaseTable());
  store.markApplied(7);
  return { appliedIndex: 7, mvcc: store.snapshotState(), leases: [], members, ...(removedMembers === undefined ? {} : { removedMembers }) };
}

const packr = new Packr({ useRecords: false });
const HEADER_BYTES = 12;

/** The state bytes with their meta map changed by `edit` (header length and CRC32 rewritten to match). */
function rewriteMeta(bytes: Uint8Array, edit: (meta: Record<string, unknown>) => Record<string, unknown>): Buffer {
  const buf = Buffer.from(bytes);
  const metaEnd = HEADER_BYTES + buf.readUInt32LE(8);
  const meta = packr.pack(edit(packr.unpack(buf.subarray(HEADER_BYTES, metaEnd)) as Record<string, unknown>));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(buf.readUInt32LE(0), 0);
  header.writeUInt32LE(crc32(meta), 4);
  header.writeUInt32LE(meta.length, 8);
  return Buffer.concat([header, meta, buf.subarray(metaEnd)]);
}

/** The same state bytes as a snapshot written before removed members were kept: its meta has no such field. */
function withoutRemovedMembersField(bytes: Uint8Array): Buffer {
  return rewriteMeta(bytes, ({ removedMembers, ...older }) => {
    if (removedMembers === undefined) throw new Error('the encoder no longer writes removedMembers: this helper is stale');
    return older;
  });
}

t.test('a removal is recorded; an ID added back by hand is no longer removed', async (t) => {
  const table = new MemberTable([one]);
  table.applyConfChange(addLearner(5));
  table.applyConfChange(addLearner(6));
  table.applyConfChange(remove(5));
  table.applyConfChange(remove(6));
  t.same(table.removed(), [5, 6], 'oldest removal first');
  t.same(table.list().map((m) => m.id), [1]);
  table.applyConfChange(addLearner(5));
  t.same(table.removed(), [6], 'the re-added ID is a member again, not removed');
  table.applyConfChange(remove(5));
  t.same(table.removed(), [6, 5], 'removed again: now the newest');
});

t.test(`at most ${REMOVED_MEMBERS_MAX} removed IDs are kept, the oldest dropped first`, async (t) => {
  const table = new MemberTable([one]);
  const firstId = 100;
  for (let id = firstId; id < firstId + REMOVED_MEMBERS_MAX + 2; id += 1) {
    table.applyConfChange(addLearner(id));
    table.applyConfChange(remove(id));
  }
  const removed = table.removed();
  t.equal(removed.length, REMOVED_MEMBERS_MAX);
  t.equal(removed[0], firstId + 2, 'the two oldest are gone');
  t.equal(removed.at(-1), firstId + REMOVED_MEMBERS_MAX + 1, 'the newest is kept');
});

t.test('replace takes the removed IDs in order and refuses malformed ones, changing nothing', async (t) => {
  const table = new MemberTable([one]);
  table.replace([one, learner(3)], [9, 4]);
  t.same(table.removed(), [9, 4], 'order kept: it decides which is dropped first');
  const refusals: Array<[unknown[], RegExp]> = [
    [[0], /not a positive safe integer/],
    [['4'], /not a positive safe integer/],
    [[2 ** 53], /not a positive safe integer/],
    [[8, 8], /appears twice/],
    [[3], /both a member and removed/],
    [Array.from({ length: REMOVED_MEMBERS_MAX + 1 }, (_, i) => 1_000 + i), /at most/],
  ];
  for (const [ids, message] of refusals) t.throws(() => table.replace([one, learner(3)], ids), { name: 'TypeError', message });
  t.same(table.removed(), [9, 4], 'the refused replaces left the removed IDs as they were');
  t.same(table.list().map((m) => m.id), [1, 3]);
});

t.test('removed IDs survive the member state snapshot', async (t) => {
  const table = new MemberTable([one]);
  table.applyConfChange(addLearner(42));
  table.applyConfChange(remove(42));
  table.applyConfChange(addLearner(43));
  const decoded = decodeMemberState(encodeMemberState(state(table.list(), table.removed())));
  t.same(decoded.removedMembers, [42]);
  const restored = new MemberTable([]);
  restored.replace(decoded.members, decoded.removedMembers);
  t.same(restored.removed(), [42]);
  t.same(restored.list(), table.list());
});

t.test('a snapshot without the removedMembers field (written before it existed) loads with none', async (t) => {
  const old = withoutRemovedMembersField(encodeMemberState(state([one, learner(2)], [77])));
  const decoded = decodeMemberState(old);
  t.same(decoded.removedMembers, []);
  t.same(decoded.members, [one, learner(2)]);
  const restored = new MemberTable([]);
  restored.replace(decoded.members, decoded.removedMembers);
  t.same(restored.removed(), []);
});

t.test('a removedMembers field that is not a list is refused as corrupt', async (t) => {
  const bytes = rewriteMeta(encodeMemberState(state([one], [])), (meta) => ({ ...meta, removedMembers: 5 }));
  t.throws(() => decodeMemberState(bytes), { name: 'SnapshotCorruptError', fault: 'invalid-state', message: /removedMembers/ });
});
