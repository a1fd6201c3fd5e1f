/**
 * MemberUpdate's conf change ('update', etcd's ConfChangeUpdateNode): the
 * membership math leaves voters and learners as they are, the entry codec
 * carries the kind, and the member table moves only the peer URLs.
 */
import t from 'tap';
import { MemberTable } from '../../actors/applier/member-table.ts';
import { encodeMemberInfo, type MemberRecord } from '../../actors/member/member-info.ts';
import { decodeConfChange, encodeConfChange } from '../../actors/raft/core/conf-change-codec.ts';
import { InvalidConfChangeError } from '../../actors/raft/core/errors.ts';
import { applyConfChange } from '../../actors/raft/core/membership.ts';

const conf = { voters: [1, 2], learners: [3] };
const two: MemberRecord = { id: 2, name: 'two', peerUrls: ['http://127.0.0.2:2380'], clientUrls: ['http://127.0.0.1:2479'], isLearner: false };
const movedUrls = ['http://127.0.0.2:2480'];

t.test('an update keeps the membership and refuses a non-member', async (t) => {
  t.same(applyConfChange(conf, { kind: 'update', node: 2 }), conf, 'a voter stays a voter');
  t.same(applyConfChange(conf, { kind: 'update', node: 3 }), conf, 'a learner stays a learner');
  t.throws(() => applyConfChange(conf, { kind: 'update', node: 9 }), InvalidConfChangeError);
});

t.test('the update kind survives the conf-change entry codec', async (t) => {
  const context = encodeMemberInfo({ ...two, peerUrls: movedUrls });
  const decoded = decodeConfChange(encodeConfChange({ change: { kind: 'update', node: 2, context }, conf }));
  t.equal(decoded.change.kind, 'update');
  t.same(decoded.conf, conf);
});

t.test('the member table takes the new peer URLs and keeps what the member published', async (t) => {
  const table = new MemberTable([two]);
  // The context's name and client URLs are stale on purpose: a publish may have committed since.
  const context = encodeMemberInfo({ name: 'stale', peerUrls: movedUrls, clientUrls: [] });
  table.applyConfChange({ change: { kind: 'update', node: 2, context }, conf: { voters: [2], learners: [] } });
  t.same(table.list(), [{ ...two, peerUrls: movedUrls }]);
});

t.test('a table that missed the member learns the whole record from the update', async (t) => {
  const table = new MemberTable([]);
  const context = encodeMemberInfo({ ...two, peerUrls: movedUrls });
  table.applyConfChange({ change: { kind: 'update', node: 2, context }, conf: { voters: [2], learners: [] } });
  t.same(table.list(), [{ ...two, peerUrls: movedUrls }]);
});
