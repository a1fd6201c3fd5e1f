/**
 * The applier actor keeps the member table: it starts from the bootstrap
 * cluster, answers a conf change's proposer with the table the change
 * produced, and applies published attributes.
 */
import t from 'tap';
import { ActorSystem } from '../../runtime/index.ts';
import type { ApplierArgs, ApplierMessage } from '../../actors/applier/applier-actor.ts';
import { encodeMemberCommand } from '../../actors/member/commands.ts';
import { encodeMemberInfo, type MemberRecord } from '../../actors/member/member-info.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { encodeConfChange } from '../../actors/raft/core/conf-change-codec.ts';
import type { Entry } from '../../actors/raft/core/types.ts';
import type { ApplyProxyMessage } from './fixtures/apply-proxy.ts';

const system = await ActorSystem.start({ placement: 'single' });
t.teardown(() => system.shutdown());

const bootstrap: MemberRecord = { id: 1, name: 'one', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'], isLearner: false };
const applier = await system.spawn<ApplierMessage>({
  name: 'applier',
  module: new URL('../../actors/applier/applier-actor.ts', import.meta.url).href,
  export: 'applierActor',
  args: { maxWaitingReads: 16, initialMembers: [bootstrap], snapshotCountEntries: 100_000 } satisfies ApplierArgs,
});
const proxy = await system.spawn<ApplyProxyMessage>({
  name: 'proxy',
  module: new URL('./fixtures/apply-proxy.ts', import.meta.url).href,
  export: 'applyProxy',
  args: { applier: 'applier' },
});

const learnerEntry: Entry = {
  term: 1,
  index: 1,
  kind: 'conf-change',
  data: encodeConfChange({
    change: { kind: 'add-learner', node: 2, context: encodeMemberInfo({ name: '', peerUrls: ['http://127.0.0.1:2480'], clientUrls: [] }) },
    conf: { voters: [1], learners: [2] },
  }),
};
const attributesEntry: Entry = {
  term: 1,
  index: 2,
  kind: 'normal',
  data: encodeMemberCommand({ type: 'member-attributes', id: 2, name: 'two', clientUrls: ['http://127.0.0.1:2479'] }),
};

t.test('the table starts with the bootstrap cluster', async (t) => {
  t.same(await applier.ask<MemberRecord[]>({ type: 'members' }), [bootstrap]);
});

t.test('a conf change answers its proposer with the resulting table', async (t) => {
  const outcome = await proxy.ask<Outcome<unknown>>({ type: 'apply-and-wait', entries: [learnerEntry], waitIndex: 1 });
  const learner = { id: 2, name: '', peerUrls: ['http://127.0.0.1:2480'], clientUrls: [], isLearner: true };
  t.same(outcome, { ok: true, value: { type: 'conf-change', members: [bootstrap, learner], revision: 1 } });
  t.same(await applier.ask<MemberRecord[]>({ type: 'members' }), [bootstrap, learner]);
});

t.test('published attributes update the member and answer the proposer', async (t) => {
  const outcome = await proxy.ask<Outcome<unknown>>({ type: 'apply-and-wait', entries: [attributesEntry], waitIndex: 2 });
  t.same(outcome, { ok: true, value: { type: 'member-attributes', revision: 1 } });
  const members = await applier.ask<MemberRecord[]>({ type: 'members' });
  t.same(members[1], { id: 2, name: 'two', peerUrls: ['http://127.0.0.1:2480'], clientUrls: ['http://127.0.0.1:2479'], isLearner: true });
});
