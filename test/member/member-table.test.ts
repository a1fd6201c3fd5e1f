/**
 * The replicated member table: conf-change entries and published attributes
 * change it the same way on every member; it rejects malformed rows.
 */
import t from 'tap';
import { MemberTable } from '../../actors/applier/member-table.ts';
import { decodeMemberCommand, encodeMemberCommand } from '../../actors/member/commands.ts';
import { decodeMemberInfo, encodeMemberInfo, type MemberInfo, type MemberRecord } from '../../actors/member/member-info.ts';
import type { ConfChangeRecord } from '../../actors/raft/core/conf-change-codec.ts';
import type { ConfChangeKind, ConfState } from '../../actors/raft/core/types.ts';

const first: MemberRecord = { id: 1, name: 'one', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'], isLearner: false };
const joiner: MemberInfo = { name: '', peerUrls: ['http://127.0.0.1:2480'], clientUrls: [] };

function change(kind: ConfChangeKind, node: number, conf: ConfState, info?: MemberInfo): ConfChangeRecord {
  return { change: info ? { kind, node, context: encodeMemberInfo(info) } : { kind, node }, conf };
}

t.test('member info survives its codec; foreign bytes are refused', async (t) => {
  t.same(decodeMemberInfo(encodeMemberInfo(joiner)), joiner);
  t.throws(() => decodeMemberInfo(encodeMemberCommand({ type: 'compact', revision: 1 })), TypeError);
});

t.test('member-attributes survives the member command codec', async (t) => {
  const command = { type: 'member-attributes', id: 7, name: 'seven', clientUrls: ['http://h:1'] } as const;
  t.same(decodeMemberCommand(encodeMemberCommand(command)), command);
});

t.test('add a learner, promote it, publish its attributes, remove it', async (t) => {
  const table = new MemberTable([first]);
  table.applyConfChange(change('add-learner', 2, { voters: [1], learners: [2] }, joiner));
  t.same(table.list(), [first, { id: 2, ...joiner, isLearner: true }], 'learner added with the context info');

  table.applyConfChange(change('add-voter', 2, { voters: [1, 2], learners: [] }));
  t.equal(table.list()[1]?.isLearner, false, 'promotion = add-voter of the known learner');
  t.same(table.list()[1]?.peerUrls, joiner.peerUrls, 'a promotion without context keeps the peer URLs');

  t.ok(table.applyAttributes({ type: 'member-attributes', id: 2, name: 'two', clientUrls: ['http://127.0.0.1:2479'] }));
  t.same(table.list()[1], { id: 2, name: 'two', peerUrls: joiner.peerUrls, clientUrls: ['http://127.0.0.1:2479'], isLearner: false });

  t.notOk(table.applyAttributes({ type: 'member-attributes', id: 9, name: 'nine', clientUrls: [] }), 'unknown id ignored');
  t.equal(table.list().length, 2);

  table.applyConfChange(change('remove', 1, { voters: [2], learners: [] }));
  t.same(table.list().map((m) => m.id), [2], 'removed');
});

t.test('a voter added directly is a voter; the list is ordered by id', async (t) => {
  const table = new MemberTable([]);
  table.applyConfChange(change('add-voter', 5, { voters: [5], learners: [] }, { name: 'five', peerUrls: ['http://e:1'], clientUrls: [] }));
  table.applyConfChange(change('add-voter', 3, { voters: [3, 5], learners: [] }));
  t.same(table.list().map((m) => [m.id, m.isLearner, m.name]), [[3, false, ''], [5, false, 'five']]);
});

t.test('a conf change whose record contradicts itself is an invariant failure', async (t) => {
  const table = new MemberTable([]);
  t.throws(() => table.applyConfChange(change('add-voter', 4, { voters: [1], learners: [] })), /either a voter or a learner/);
});

t.test('replace refuses malformed or duplicate rows and keeps the old table', async (t) => {
  const table = new MemberTable([first]);
  t.throws(() => table.replace([{ ...first, id: -1 }], []), TypeError);
  const other = { ...first, id: 2 };
  t.throws(() => table.replace([other, other], []), /twice/);
  t.throws(() => table.replace([{ id: 2, name: 'x' }], []), TypeError);
  t.same(table.list(), [first]);
});
