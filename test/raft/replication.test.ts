/**
 * Replication with flow control: batching of proposals, probe versus
 * pipelined (replicate) sending, the in-flight window, the per-message byte
 * limit, fast backtracking over a divergent log, the bound on uncommitted
 * bytes, and recovery from lost appends.
 */
import t from 'tap';
import { ProposalDroppedError } from '../../actors/raft/core/errors.ts';
import type { Message, Ready } from '../../actors/raft/core/types.ts';
import { bytes, drain, Network, nodeWith, ticksUntilCampaign } from './network.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;
const only = <T extends Message['type']>(ready: Ready, type: T): Of<T>[] =>
  ready.messages.filter((m): m is Of<T> => m.type === type);
const appendsTo = (ready: Ready, to: number): Of<'append'>[] => only(ready, 'append').filter((m) => m.to === to);

function cluster(options = {}): Network {
  const net = new Network([1, 2, 3], options);
  net.campaign(1);
  return net;
}

t.test('batching: every proposal made between two Readies leaves in one append per follower', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  for (let i = 0; i < 100; i++) leader.propose(bytes(`p${i}`));
  const ready = drain(leader);
  t.equal(ready.entries.length, 100, 'one write of 100 entries for the leader’s disk');
  t.same(only(ready, 'append').map((m) => [m.to, m.entries.length]), [[2, 100], [3, 100]]);
});

t.test('a batch travels as one array: leader log, append message, follower log and both Readies share it', async (t) => {
  const net = cluster();
  const leader = net.node(1);
  for (let i = 0; i < 5; i++) leader.propose(bytes(`s${i}`));
  const ready = drain(leader);
  const sent = appendsTo(ready, 2)[0];
  t.equal(sent?.entries, ready.entries, 'no copy for the message');
  net.node(2).step(sent as Message);
  t.equal(drain(net.node(2)).entries, ready.entries, 'no copy on the follower either');
});

t.test('persist before send: a follower acknowledges entries in the Ready that persists them', async (t) => {
  const net = cluster();
  net.node(1).propose(bytes('x'));
  net.processReadies(1);
  for (const m of net.take((m) => m.to === 2)) net.deliver(m);
  const ready = drain(net.node(2));
  t.same(ready.entries.map((e) => e.index), [2]);
  t.match(only(ready, 'append-response'), [{ to: 1, success: true, index: 2 }]);
});

t.test('probe: while unsure where a follower matches, the leader sends one append and waits', async (t) => {
  const leader = nodeWith({ id: 1, preVote: false });
  ticksUntilCampaign(leader);
  drain(leader);
  leader.step({ type: 'vote-response', from: 2, to: 1, term: 1, pre: false, granted: true });
  t.match(leader.progressOf(3), { state: 'probe' }, 'a new leader knows nothing of its followers');
  t.equal(appendsTo(drain(leader), 3).length, 1, 'one probe');
  leader.propose(bytes('a'));
  t.equal(appendsTo(drain(leader), 3).length, 0, 'nothing more until it answers');
  leader.step({ type: 'heartbeat-response', from: 3, to: 1, term: 1, context: null });
  const retry = appendsTo(drain(leader), 3);
  t.equal(retry.length, 1, 'a heartbeat answer shows it is alive: probe again');
  t.same(retry[0]?.entries.map((e) => e.index), [1, 2]);
  leader.step({ type: 'append-response', from: 3, to: 1, term: 1, success: true, index: 2, hintIndex: 0, hintTerm: 0 });
  t.match(leader.progressOf(3), { state: 'replicate', match: 2 }, 'a success switches to pipelining');
});

t.test('replicate: appends are pipelined up to maxInflightMsgs, then paused until acknowledged', async (t) => {
  const net = cluster({ maxInflightMsgs: 3 });
  const leader = net.node(1);
  t.match(leader.progressOf(2), { state: 'replicate' });
  let sent = 0;
  for (let i = 0; i < 6; i++) {
    leader.propose(bytes(`w${i}`));
    sent += appendsTo(drain(leader), 2).length;
  }
  t.equal(sent, 3, 'three appends in flight, the other proposals wait');
  t.match(leader.progressOf(2), { inflight: 3, next: 5 });
  leader.step({ type: 'append-response', from: 2, to: 1, term: 1, success: true, index: 3, hintIndex: 0, hintTerm: 0 });
  const resumed = appendsTo(drain(leader), 2);
  t.same(resumed.map((m) => m.entries.map((e) => e.index)), [[5, 6, 7]], 'an ack frees the window: the backlog leaves in one append');
});

t.test('replicate: with the window full, a heartbeat answer frees one slot', async (t) => {
  const net = cluster({ maxInflightMsgs: 1 });
  const leader = net.node(1);
  leader.propose(bytes('a'));
  t.equal(appendsTo(drain(leader), 2).length, 1);
  leader.propose(bytes('b'));
  t.equal(appendsTo(drain(leader), 2).length, 0, 'window full');
  leader.step({ type: 'heartbeat-response', from: 2, to: 1, term: 1, context: null });
  t.equal(appendsTo(drain(leader), 2).length, 1);
});

t.test('maxSizePerMsgBytes: large batches are cut into messages of bounded payload, never empty', async (t) => {
  const net = cluster({ maxSizePerMsgBytes: 100 });
  const leader = net.node(1);
  for (let i = 0; i < 10; i++) leader.propose(new Uint8Array(30));
  leader.propose(new Uint8Array(500));
  const sizes = appendsTo(drain(leader), 2).map((m) => m.entries.map((e) => e.data.byteLength));
  t.same(sizes, [[30, 30, 30], [30, 30, 30], [30, 30, 30], [30], [500]], 'at most 100 bytes, except a lone oversized entry');
});

t.test('fast backtracking: a follower with a long divergent log is repaired in a few round trips', async (t) => {
  // Member 2 spent a long term 2 alone appending 1000 entries nobody else has.
  const stale = nodeWith({ id: 2, term: 2, logTerms: [1, 1, ...Array<number>(1000).fill(2)] });
  const leader = nodeWith({ id: 1, term: 3, logTerms: [1, 1, 3, 3], preVote: false });
  ticksUntilCampaign(leader);
  drain(leader);
  leader.step({ type: 'vote-response', from: 3, to: 1, term: 4, pre: false, granted: true });
  t.equal(leader.status().role, 'leader');
  let roundTrips = 0;
  let toFollower = appendsTo(drain(leader), 2);
  while (toFollower.length > 0 && roundTrips < 50) {
    roundTrips++;
    for (const m of toFollower) stale.step(m);
    for (const m of drain(stale).messages) leader.step(m);
    toFollower = appendsTo(drain(leader), 2);
  }
  t.ok(roundTrips <= 3, `converged in ${roundTrips} round trips, not ~1000`);
  t.same([1, 2, 3, 4, 5].map((i) => stale.termAt(i)), [1, 1, 3, 3, 4]);
  t.equal(stale.status().lastIndex, 5, 'the divergent suffix is gone');
});

t.test('maxUncommittedEntriesBytes: proposals beyond the bound are refused until the backlog commits', async (t) => {
  const net = cluster({ maxUncommittedEntriesBytes: 100 });
  net.isolate(1);
  const leader = net.node(1);
  leader.propose(new Uint8Array(60));
  t.throws(() => leader.propose(new Uint8Array(60)), ProposalDroppedError);
  net.heal();
  net.settle();
  net.tickAll(1);
  t.doesNotThrow(() => leader.propose(new Uint8Array(60)), 'committed: room again');
});

t.test('maxUncommittedEntriesBytes: one oversized proposal still goes through when nothing is pending', async (t) => {
  const net = cluster({ maxUncommittedEntriesBytes: 10 });
  t.doesNotThrow(() => net.node(1).propose(new Uint8Array(1000)));
  net.settle();
  t.equal(net.node(3).status().commit, 2);
});

t.test('lost appends: a follower that missed messages is caught up by later traffic', async (t) => {
  const net = cluster();
  net.cutLink(1, 3);
  for (let i = 0; i < 5; i++) net.propose(1, `lost${i}`);
  t.same(net.applied.get(3), [], 'member 3 heard nothing');
  net.heal();
  net.propose(1, 'after');
  net.tickAll(3);
  t.same(net.applied.get(3), ['lost0', 'lost1', 'lost2', 'lost3', 'lost4', 'after']);
});

t.test('a follower that was offline catches up from its restored log after a restart', async (t) => {
  const net = cluster();
  net.propose(1, 'one');
  net.stop(3);
  net.propose(1, 'two');
  net.restart(3);
  net.tickAll(3);
  t.same(net.applied.get(3), ['one', 'two'], 'it re-applies from its own storage, then gets the rest');
  t.equal(net.node(3).status().commit, net.node(1).status().commit);
});
