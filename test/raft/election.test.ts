/**
 * Elections beyond Figure 2: PreVote (a member that cannot win never bumps
 * its term, so it cannot disrupt a healthy cluster when it comes back),
 * CheckQuorum (a leader that lost its majority steps down) and the leader
 * lease guard (followers that hear from a leader refuse to help depose it).
 */
import t from 'tap';
import type { Message, Ready } from '../../actors/raft/core/types.ts';
import { drain, Network, nodeWith, ticksUntilCampaign } from './network.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;
const only = <T extends Message['type']>(ready: Ready, type: T): Of<T>[] =>
  ready.messages.filter((m): m is Of<T> => m.type === type);

t.test('pre-vote: a campaign starts by asking about term+1 without changing term or vote', async (t) => {
  const node = nodeWith({ id: 1, term: 4, logTerms: [2, 4] });
  ticksUntilCampaign(node);
  t.match(node.status(), { role: 'pre-candidate', term: 4, vote: 0 });
  const ready = drain(node);
  t.equal(ready.hardState, null, 'nothing to persist: the term did not move');
  t.same(only(ready, 'vote').map((m) => [m.to, m.term, m.pre]), [[2, 5, true], [3, 5, true]]);
});

t.test('pre-vote: a voter answers without changing its own term or vote', async (t) => {
  const voter = nodeWith({ id: 2, term: 4, vote: 3, logTerms: [2, 4] });
  voter.step({ type: 'vote', from: 1, to: 2, term: 5, pre: true, lastIndex: 2, lastTerm: 4, transfer: false });
  const ready = drain(voter);
  t.match(only(ready, 'vote-response'), [{ to: 1, term: 5, pre: true, granted: true }], 'granted, in the asked-about term');
  t.match(voter.status(), { term: 4, vote: 3 }, 'its real vote of term 4 stands');

  voter.step({ type: 'vote', from: 1, to: 2, term: 5, pre: true, lastIndex: 1, lastTerm: 2, transfer: false });
  t.match(only(drain(voter), 'vote-response'), [{ to: 1, term: 4, pre: true, granted: false }], 'a log behind ours is refused');
});

t.test('pre-vote: winning the pre-vote starts the real election; losing it changes nothing', async (t) => {
  const node = nodeWith({ id: 1, term: 4 });
  ticksUntilCampaign(node);
  drain(node);
  node.step({ type: 'vote-response', from: 2, to: 1, term: 5, pre: true, granted: true });
  t.match(node.status(), { role: 'candidate', term: 5, vote: 1 });
  t.same(only(drain(node), 'vote').map((m) => [m.to, m.term, m.pre]), [[2, 5, false], [3, 5, false]]);

  const loser = nodeWith({ id: 1, term: 4 });
  ticksUntilCampaign(loser);
  loser.step({ type: 'vote-response', from: 2, to: 1, term: 4, pre: true, granted: false });
  loser.step({ type: 'vote-response', from: 3, to: 1, term: 4, pre: true, granted: false });
  t.match(loser.status(), { role: 'follower', term: 4 });
});

t.test('pre-vote: a member cut off from the cluster keeps its term and does not disrupt the leader when it returns', async (t) => {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  net.isolate(3);
  net.tickAll(100);
  t.equal(net.node(3).status().term, 1, 'ten failed pre-votes later, still term 1');
  net.heal();
  net.tickAll(20);
  t.same(net.leaders(), [1]);
  t.equal(net.node(1).status().term, 1, 'the leader was never disturbed');
  t.equal(net.node(3).status().leader, 1, 'the returning member follows the leader again');
});

t.test('without pre-vote, the same cut-off member inflates its term and forces an election when it returns', async (t) => {
  const net = new Network([1, 2, 3], { preVote: false });
  net.campaign(1);
  net.isolate(3);
  net.tickAll(100);
  t.ok(net.node(3).status().term > 3, `term climbed to ${net.node(3).status().term}`);
  net.heal();
  net.tickAll(60);
  t.ok(net.node(1).status().term > 1, 'the cluster had to move to a newer term');
  t.equal(net.leaders().length, 1, 'and settled on one leader');
});

t.test('check-quorum: a leader that hears from no majority for an election timeout steps down', async (t) => {
  const net = new Network([1, 2, 3], { electionTimeoutTicks: 10 });
  net.campaign(1);
  net.isolate(1);
  let ticks = 0;
  while (net.node(1).status().role === 'leader' && ticks < 100) {
    net.node(1).tick();
    net.settle();
    ticks++;
  }
  t.ok(ticks <= 20, `stepped down after ${ticks} ticks`);
  t.match(net.node(1).status(), { role: 'follower', leader: 0 });
});

t.test('without check-quorum, a cut-off leader keeps believing it leads', async (t) => {
  const net = new Network([1, 2, 3], { checkQuorum: false });
  net.campaign(1);
  net.isolate(1);
  for (let i = 0; i < 100; i++) net.node(1).tick();
  net.settle();
  t.equal(net.node(1).status().role, 'leader');
});

t.test('lease guard: a follower that hears from its leader ignores vote requests of a newer term', async (t) => {
  const follower = nodeWith({ id: 2, term: 1, logTerms: [1] });
  follower.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, context: null });
  drain(follower);
  follower.step({ type: 'vote', from: 3, to: 2, term: 5, pre: false, lastIndex: 9, lastTerm: 1, transfer: false });
  t.same(drain(follower).messages, [], 'no answer at all');
  t.match(follower.status(), { term: 1, leader: 1 }, 'and no term change');

  for (let i = 0; i < 10; i++) follower.tick(); // the leader went silent for an election timeout
  follower.step({ type: 'vote', from: 3, to: 2, term: 5, pre: false, lastIndex: 9, lastTerm: 1, transfer: false });
  t.match(only(drain(follower), 'vote-response'), [{ to: 3, term: 5, granted: true }], 'now the vote can go');
});

t.test('lease guard: a vote request marked as a leadership transfer passes', async (t) => {
  const follower = nodeWith({ id: 2, term: 1, logTerms: [1] });
  follower.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, context: null });
  drain(follower);
  follower.step({ type: 'vote', from: 3, to: 2, term: 2, pre: false, lastIndex: 1, lastTerm: 1, transfer: true });
  t.match(only(drain(follower), 'vote-response'), [{ to: 3, term: 2, granted: true }]);
});

for (const preVote of [true, false]) {
  t.test(`lease guard: a ${preVote ? 'pre-vote' : 'vote'} request held back by the lease is answered the tick the lease runs out`, async (t) => {
    const voter = nodeWith({ id: 2, term: 1, logTerms: [1], preVote, electionTimeoutTicks: 10 });
    voter.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, context: null });
    drain(voter);
    for (let i = 0; i < 9; i++) voter.tick(); // one tick short of the lease: the candidate's timer fired first
    voter.step({ type: 'vote', from: 3, to: 2, term: 2, pre: preVote, lastIndex: 1, lastTerm: 1, transfer: false });
    t.same(drain(voter).messages, [], 'inside the lease: no answer');
    voter.tick();
    t.match(only(drain(voter), 'vote-response'), [{ to: 3, term: 2, pre: preVote, granted: true }], 'answered as the lease ends, without a second request');
    t.match(voter.status(), preVote ? { term: 1, role: 'follower' } : { term: 2, vote: 3, role: 'follower' }, 'exactly as a request arriving now');
  });
}

t.test('lease guard: a held-back vote request is dropped when the leader is heard from again', async (t) => {
  const voter = nodeWith({ id: 2, term: 1, logTerms: [1], preVote: false, electionTimeoutTicks: 10 });
  voter.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, context: null });
  drain(voter);
  voter.step({ type: 'vote', from: 3, to: 2, term: 2, pre: false, lastIndex: 1, lastTerm: 1, transfer: false });
  voter.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, context: null });
  drain(voter);
  for (let i = 0; i < 10; i++) voter.tick();
  t.same(only(drain(voter), 'vote-response'), [], 'no answer once the lease that held it back was renewed');
  t.match(voter.status(), { term: 1 });
});

t.test('a stale leader is told the newer term when it sends an append or heartbeat', async (t) => {
  const follower = nodeWith({ id: 2, term: 5, logTerms: [1] });
  follower.step({ type: 'heartbeat', from: 1, to: 2, term: 3, commit: 0, context: null });
  t.match(only(drain(follower), 'append-response'), [{ to: 1, term: 5, success: false }]);
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  net.node(1).step({ type: 'append-response', from: 2, to: 1, term: 5, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
  t.match(net.node(1).status(), { role: 'follower', term: 5 }, 'and steps down on hearing it');
});

t.test('a single voter elects itself and commits alone', async (t) => {
  const net = new Network([1]);
  net.tickAll(25);
  t.same(net.leaders(), [1]);
  net.propose(1, 'solo');
  t.same(net.applied.get(1), ['solo']);
});

t.test('learners and removed members never campaign', async (t) => {
  const learner = nodeWith({ id: 4, voters: [1, 2, 3], learners: [4] });
  t.equal(learner.status().role, 'learner');
  t.equal(ticksUntilCampaign(learner, 200), -1);
  const outsider = nodeWith({ id: 9, voters: [1, 2, 3] });
  t.equal(ticksUntilCampaign(outsider, 200), -1);
});
