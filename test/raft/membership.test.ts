/**
 * Membership changes, one server at a time: learners (replicated, never
 * counted, never campaigning), promotion, adding and removing voters,
 * removing the leader itself, the one-pending-change rule, and the
 * conf-change entry format that lets a restarted or brand-new member
 * rebuild the membership from the log alone.
 */
import t from 'tap';
import { decodeConfChange, encodeConfChange } from '../../actors/raft/core/conf-change-codec.ts';
import { ConfChangeInProgressError, InvalidConfChangeError } from '../../actors/raft/core/errors.ts';
import { bytes, drain, Network, nodeWith, ticksUntilCampaign } from './network.ts';

function cluster(): Network {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  return net;
}

/** Starts member `id` with an empty membership, as a joining server would, and commits `kind` for it. */
function join(net: Network, id: number, kind: 'add-learner' | 'add-voter'): void {
  net.add(id, { voters: [], learners: [] });
  net.node(1).proposeConfChange({ kind, node: id });
  net.settle();
  net.tickAll(3);
}

t.test('the conf-change entry carries the change and the membership it produces', async (t) => {
  const record = { change: { kind: 'add-learner' as const, node: 7, context: bytes('http://m7:2380') }, conf: { voters: [1, 2, 3], learners: [7] } };
  t.same(decodeConfChange(encodeConfChange(record)), record);
  t.same(decodeConfChange(encodeConfChange({ change: { kind: 'remove', node: 2 }, conf: { voters: [1, 3], learners: [] } })).change, { kind: 'remove', node: 2 });
});

t.test('a learner is replicated to and applies entries, but never counts toward a commit', async (t) => {
  const net = cluster();
  join(net, 4, 'add-learner');
  t.same(net.node(1).status().conf, { voters: [1, 2, 3], learners: [4] });
  t.equal(net.node(4).status().role, 'learner');
  net.propose(1, 'seen-by-learner');
  t.same(net.applied.get(4), ['seen-by-learner']);

  net.cutLink(1, 2);
  net.cutLink(1, 3);
  const index = net.propose(1, 'needs-voters');
  t.equal(net.node(4).status().lastIndex, index, 'the learner stored it');
  t.ok(net.node(1).status().commit < index, 'leader + learner are not a majority of the voters');
});

t.test('a membership change takes effect as soon as it is in a member’s log, committed or not', async (t) => {
  const net = cluster();
  net.isolate(1);
  net.node(1).proposeConfChange({ kind: 'add-learner', node: 4 });
  net.settle();
  t.same(net.node(1).status().conf.learners, [4], 'the leader uses it from the moment it appends it');
  t.same(net.node(2).status().conf.learners, [], 'a follower without the entry does not');
  net.heal();
  net.tickAll(2);
  t.same(net.node(2).status().conf.learners, [4], 'followers adopt it when they receive it');
});

t.test('a conf-change entry that is overwritten takes its membership with it', async (t) => {
  const net = cluster();
  net.isolate(1);
  net.node(1).proposeConfChange({ kind: 'add-learner', node: 4 });
  net.settle();
  t.same(net.node(1).status().conf.learners, [4]);
  net.tickAll(30); // 2 and 3 elect a new leader; 1 steps down (CheckQuorum)
  net.heal();
  net.tickAll(10);
  t.not(net.leaders()[0], 1);
  t.same(net.node(1).status().conf, { voters: [1, 2, 3], learners: [] }, 'the uncommitted change was truncated and undone');
});

t.test('promoting a learner makes it a voter that counts and can lead', async (t) => {
  const net = cluster();
  join(net, 4, 'add-learner');
  net.node(1).proposeConfChange({ kind: 'add-voter', node: 4 });
  net.settle();
  net.tickAll(2);
  t.same(net.node(4).status().conf, { voters: [1, 2, 3, 4], learners: [] });
  t.equal(net.node(4).status().role, 'follower');
  net.cutLink(1, 2);
  net.cutLink(1, 3);
  const index = net.propose(1, 'x');
  t.ok(net.node(1).status().commit < index, 'two of four voters are not a majority');
  net.heal();
  net.isolate(2);
  net.propose(1, 'y');
  t.equal(net.node(1).status().commit, net.node(1).status().lastIndex, 'leader + 3 + 4 are three of four');
  net.heal();
  net.node(1).transferLeadership(4);
  net.settle();
  t.same(net.leaders(), [4], 'the promoted member can lead');
});

t.test('a member joining with an empty membership learns it from the log and can be added as a voter', async (t) => {
  const net = cluster();
  join(net, 4, 'add-voter');
  t.same(net.node(4).status().conf, { voters: [1, 2, 3, 4], learners: [] });
  net.propose(1, 'four-voters');
  t.same(net.applied.get(4), ['four-voters']);
});

t.test('removing a follower: it is no longer replicated to and the quorum shrinks', async (t) => {
  const net = cluster();
  net.node(1).proposeConfChange({ kind: 'remove', node: 3 });
  net.settle();
  net.tickAll(2);
  t.same(net.node(1).status().conf.voters, [1, 2]);
  t.equal(net.node(1).progressOf(3), undefined);
  net.propose(1, 'two-voters');
  t.same(net.applied.get(3), [], 'member 3 hears nothing more');
  t.equal(ticksUntilCampaign(net.node(3), 100), -1, 'and never campaigns');
});

t.test('removing the leader: it leads without counting itself until the removal commits, then steps down', async (t) => {
  const net = cluster();
  net.cutLink(1, 3);
  const index = net.node(1).proposeConfChange({ kind: 'remove', node: 1 });
  net.settle();
  t.match(net.node(1).status(), { role: 'leader', commit: index - 1 }, 'leader + 2 would be a majority of the old membership, not of {2, 3}');
  net.heal();
  net.tickAll(1);
  t.match(net.node(1).status(), { role: 'follower', commit: index });
  t.same(net.node(2).status().conf.voters, [2, 3], 'the commit reached the others before the leader left');
  net.tickAll(40);
  const leaders = net.leaders();
  t.equal(leaders.length, 1);
  t.not(leaders[0], 1);
  net.propose(leaders[0] as number, 'after-removal');
  t.same(net.applied.get(2)?.at(-1), 'after-removal');
  t.same(net.applied.get(1), [], 'the removed member is left behind');
});

t.test('a leader that lost leadership before its removal committed campaigns once more to finish it', async (t) => {
  const net = new Network([1, 2]);
  net.campaign(1);
  net.cutLink(1, 2);
  net.node(1).proposeConfChange({ kind: 'remove', node: 1 });
  net.tickAll(30);
  t.same(net.leaders(), [], 'member 1 stepped down (CheckQuorum); member 2 lacks the entry and cannot win alone');
  t.same(net.node(2).status().conf.voters, [1, 2]);
  net.heal();
  net.tickAll(80);
  t.same(net.leaders(), [2], 'member 1 led again just long enough to commit its removal; then 2 leads alone');
  t.same(net.node(2).status().conf.voters, [2]);
  t.equal(net.node(1).status().role, 'follower');
});

t.test('one change at a time: a second change waits until the first commits', async (t) => {
  const net = cluster();
  net.isolate(1);
  net.node(1).proposeConfChange({ kind: 'add-learner', node: 4 });
  t.throws(() => net.node(1).proposeConfChange({ kind: 'add-learner', node: 5 }), ConfChangeInProgressError);
  net.heal();
  net.tickAll(2);
  t.doesNotThrow(() => net.node(1).proposeConfChange({ kind: 'add-learner', node: 5 }));
});

t.test('a new leader refuses a change until it has committed an entry of its term', async (t) => {
  const leader = nodeWith({ id: 1, preVote: false });
  ticksUntilCampaign(leader);
  drain(leader);
  leader.step({ type: 'vote-response', from: 2, to: 1, term: 1, pre: false, granted: true });
  t.throws(() => leader.proposeConfChange({ kind: 'add-learner', node: 4 }), ConfChangeInProgressError);
  drain(leader);
  leader.step({ type: 'append-response', from: 2, to: 1, term: 1, success: true, index: 1, hintIndex: 0, hintTerm: 0 });
  t.doesNotThrow(() => leader.proposeConfChange({ kind: 'add-learner', node: 4 }));
});

t.test('nonsense changes are refused up front', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  t.throws(() => leader.proposeConfChange({ kind: 'add-voter', node: 2 }), InvalidConfChangeError, 'already a voter');
  t.throws(() => leader.proposeConfChange({ kind: 'remove', node: 9 }), InvalidConfChangeError, 'not a member');
  t.throws(() => leader.proposeConfChange({ kind: 'add-learner', node: 0 }), InvalidConfChangeError, 'not an ID');
  const solo = new Network([1]);
  solo.tickAll(25);
  solo.propose(1, 'x');
  t.throws(() => solo.node(1).proposeConfChange({ kind: 'remove', node: 1 }), InvalidConfChangeError, 'the last voter');
});

t.test('a restarted member rebuilds its membership from its log', async (t) => {
  const net = cluster();
  net.node(1).proposeConfChange({ kind: 'add-learner', node: 4 });
  net.settle();
  net.tickAll(2);
  net.stop(2);
  const restarted = net.restart(2);
  t.same(restarted.status().conf, { voters: [1, 2, 3], learners: [4] });
});

t.test('a snapshot carries the membership to a member that installs it', async (t) => {
  const net = new Network([1, 2, 3], { compactionKeepEntries: 0 });
  net.campaign(1);
  net.node(1).proposeConfChange({ kind: 'add-learner', node: 4 });
  net.settle();
  net.tickAll(2);
  net.propose(1, 'a');
  net.node(1).compact(net.node(1).status().applied, bytes('state'));
  net.add(4, { voters: [], learners: [] });
  net.tickAll(3);
  t.ok(net.snapshotsInstalled.has(4));
  t.same(net.node(4).status().conf, { voters: [1, 2, 3], learners: [4] });
});
