/**
 * Linearizable reads without writing to the log: ReadIndex (the leader
 * proves it still leads with a heartbeat round started after the read
 * arrived), its new-leader rule, forwarding from followers, batching of
 * reads into one round, the bound on waiting reads, and opt-in lease reads.
 */
import t from 'tap';
import { NotLeaderError, ProposalDroppedError } from '../../actors/raft/core/errors.ts';
import type { Message, Ready } from '../../actors/raft/core/types.ts';
import { bytes, drain, Network, nodeWith, text, ticksUntilCampaign } from './network.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;
const only = <T extends Message['type']>(ready: Ready, type: T): Of<T>[] =>
  ready.messages.filter((m): m is Of<T> => m.type === type);

function cluster(options = {}): Network {
  const net = new Network([1, 2, 3], options);
  net.campaign(1);
  net.propose(1, 'x');
  return net;
}

t.test('the leader answers a read once a majority acknowledged a heartbeat round started after it', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  leader.readIndex(bytes('r1'));
  const ready = drain(leader);
  t.same(ready.readStates, [], 'not yet: leadership is unproven');
  const beats = only(ready, 'heartbeat');
  t.same(beats.map((m) => m.to), [2, 3], 'a round goes out at once, without waiting for a tick');
  net.deliver(beats[0] as Message);
  const answer = only(drain(net.node(2)), 'heartbeat-response');
  t.same(answer.map((m) => m.context), [beats[0]?.context], 'the follower echoes the round');
  leader.step(answer[0] as Message);
  const confirmed = drain(leader).readStates;
  t.same(confirmed.map((r) => [r.index, text(r.context)]), [[2, 'r1']], 'leader + one follower: confirmed at the commit index it arrived at');
});

t.test('a leader cut off from the majority never answers a read', async (t) => {
  const net = cluster();
  net.isolate(1);
  net.node(1).readIndex(bytes('r'));
  net.tickAll(5);
  t.same(net.readStates.get(1), []);
});

t.test('reads asked together share one heartbeat round', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  for (let i = 0; i < 10; i++) leader.readIndex(bytes(`r${i}`));
  const ready = drain(leader);
  t.equal(only(ready, 'heartbeat').length, 2, 'one heartbeat per follower for ten reads');
  net.queue.push(...ready.messages);
  net.settle();
  t.equal(net.readStates.get(1)?.length, 10);
});

t.test('a read that arrives after a round was sent waits for the next round', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  leader.readIndex(bytes('early'));
  const first = drain(leader);
  leader.readIndex(bytes('late'));
  net.queue.push(...first.messages);
  net.settle();
  t.same(
    net.readStates.get(1)?.map((r) => text(r.context)),
    ['early', 'late'],
    'both answered, the late one by a round of its own',
  );
});

t.test('a new leader holds reads until it has committed an entry of its term', async (t) => {
  const node = nodeWith({ id: 1, term: 1, logTerms: [1, 1], commit: 1, preVote: false });
  ticksUntilCampaign(node);
  drain(node);
  node.step({ type: 'vote-response', from: 2, to: 1, term: 2, pre: false, granted: true });
  node.readIndex(bytes('r'));
  const ready = drain(node);
  t.same(only(ready, 'heartbeat'), [], 'no round yet: its commit index (1) may be stale');
  node.step({ type: 'append-response', from: 2, to: 1, term: 2, success: true, index: 3, hintIndex: 0, hintTerm: 0 });
  t.equal(node.status().commit, 3, 'the no-op of term 2 committed');
  const round = only(drain(node), 'heartbeat');
  t.equal(round.length, 2, 'now the round starts');
  node.step({ type: 'heartbeat-response', from: 2, to: 1, term: 2, context: round[0]?.context ?? null });
  t.same(drain(node).readStates.map((r) => r.index), [3]);
});

t.test('a follower forwards the read to its leader and gets the index back', async (t) => {
  const net = cluster();
  net.node(3).readIndex(bytes('from-3'));
  net.settle();
  t.same(net.readStates.get(3)?.map((r) => [r.index, text(r.context)]), [[2, 'from-3']]);
  t.same(net.readStates.get(1), [], 'the leader keeps nothing for itself');
});

t.test('without a known leader a read is refused', async (t) => {
  const node = nodeWith({ id: 2 });
  t.throws(() => node.readIndex(bytes('r')), NotLeaderError);
});

t.test('reads waiting on a leader that loses leadership are dropped, never answered', async (t) => {
  const net = cluster();
  net.isolate(1);
  net.node(1).readIndex(bytes('r'));
  net.tickAll(30);
  t.not(net.node(1).status().role, 'leader');
  net.heal();
  net.tickAll(30);
  t.same(net.readStates.get(1), []);
});

t.test('maxPendingReadIndex bounds the reads waiting for a round', async (t) => {
  const net = cluster({ maxPendingReadIndex: 2 });
  net.isolate(1);
  const leader = net.node(1);
  leader.readIndex(bytes('a'));
  leader.readIndex(bytes('b'));
  t.throws(() => leader.readIndex(bytes('c')), ProposalDroppedError);
});

t.test('lease reads: answered at once while a recent round holds the lease, not after it lapses', async (t) => {
  const net = cluster({ leaseRead: true, electionTimeoutTicks: 10 });
  net.tickAll(1);
  const leader = net.node(1);
  leader.readIndex(bytes('fast'));
  const ready = drain(leader);
  t.same(ready.readStates.map((r) => text(r.context)), ['fast'], 'answered in the same Ready');
  t.same(only(ready, 'heartbeat'), [], 'no heartbeat round needed');

  net.isolate(1);
  for (let i = 0; i < 9; i++) leader.tick();
  net.settle();
  t.equal(leader.status().role, 'leader', 'still leader (CheckQuorum has not fired yet)');
  leader.readIndex(bytes('slow'));
  t.same(drain(leader).readStates, [], 'nine ticks without acknowledgements: the lease lapsed, a round is needed');
});

t.test('lease reads are off while leadership is being transferred', async (t) => {
  const net = cluster({ leaseRead: true });
  net.tickAll(1);
  net.cutLink(1, 2);
  const leader = net.node(1);
  leader.propose(bytes('y'));
  leader.transferLeadership(2);
  leader.readIndex(bytes('during'));
  t.same(drain(leader).readStates, [], 'member 2 may win an election without waiting out the lease');
});

t.test('the leader of a single-voter cluster answers reads by itself', async (t) => {
  const net = new Network([1]);
  net.tickAll(25);
  net.node(1).readIndex(bytes('solo'));
  net.settle();
  t.same(net.readStates.get(1)?.map((r) => text(r.context)), ['solo']);
});
