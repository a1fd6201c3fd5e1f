/**
 * The rules of the Raft paper's Figure 2, one story each: term rules, vote
 * granting, the append consistency check and truncation, commit rules,
 * elections and heartbeats. Single cores are driven by hand-written
 * messages; small clusters by the in-memory Network.
 */
import t from 'tap';
import type { Message, Ready } from '../../actors/raft/core/types.ts';
import { bytes, drain, entriesWithTerms, Network, nodeWith, ticksUntilCampaign } from './network.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;
const only = <T extends Message['type']>(ready: Ready, type: T): Of<T>[] =>
  ready.messages.filter((m): m is Of<T> => m.type === type);

t.test('all servers: a higher term in any message makes the receiver a follower of that term', async (t) => {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  t.same(net.leaders(), [1]);
  const leader = net.node(1);
  leader.step({ type: 'append-response', from: 3, to: 1, term: 7, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
  t.match(leader.status(), { role: 'follower', term: 7, vote: 0, leader: 0 }, 'the leader stepped down and forgot its vote');

  const follower = nodeWith({ id: 2, term: 2 });
  follower.step({ type: 'heartbeat', from: 3, to: 2, term: 4, commit: 0, context: null });
  t.match(follower.status(), { term: 4, leader: 3, role: 'follower' }, 'a heartbeat of a newer term also names the leader');
});

t.test('append receiver rule 1: an append from an older term is refused, and the stale leader learns the term', async (t) => {
  const node = nodeWith({ id: 2, term: 3, logTerms: [1] });
  node.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 1, prevTerm: 1, entries: entriesWithTerms(1, 2).slice(1), commit: 0 });
  const ready = drain(node);
  t.equal(node.status().lastIndex, 1, 'nothing appended');
  t.match(only(ready, 'append-response'), [{ to: 1, term: 3, success: false }], 'answered with our newer term');
});

t.test('vote receiver rule 1: a vote request from an older term is not granted', async (t) => {
  const node = nodeWith({ id: 2, term: 3, preVote: false });
  node.step({ type: 'vote', from: 1, to: 2, term: 2, pre: false, lastIndex: 9, lastTerm: 2, transfer: false });
  const ready = drain(node);
  t.equal(node.status().vote, 0);
  t.same(only(ready, 'vote-response').filter((m) => m.granted), []);
});

t.test('vote receiver rule 2: grant only to a log at least as up to date as ours (§5.4.1)', async (t) => {
  // Our log ends at (index 3, term 2).
  const cases = [
    { lastIndex: 3, lastTerm: 2, granted: true, why: 'same last term and length' },
    { lastIndex: 5, lastTerm: 2, granted: true, why: 'same last term, longer' },
    { lastIndex: 1, lastTerm: 3, granted: true, why: 'newer last term, even if shorter' },
    { lastIndex: 2, lastTerm: 2, granted: false, why: 'same last term, shorter' },
    { lastIndex: 9, lastTerm: 1, granted: false, why: 'older last term, even if longer' },
  ];
  for (const c of cases) {
    const node = nodeWith({ id: 2, term: 2, logTerms: [1, 2, 2] });
    node.step({ type: 'vote', from: 1, to: 2, term: 3, pre: false, lastIndex: c.lastIndex, lastTerm: c.lastTerm, transfer: false });
    const ready = drain(node);
    t.match(only(ready, 'vote-response'), [{ to: 1, term: 3, granted: c.granted }], c.why);
    t.equal(node.status().vote, c.granted ? 1 : 0, `vote recorded only when granted (${c.why})`);
  }
});

t.test('vote receiver rule 2: one vote per term, persisted before the answer leaves', async (t) => {
  const node = nodeWith({ id: 2, term: 4 });
  node.step({ type: 'vote', from: 1, to: 2, term: 5, pre: false, lastIndex: 0, lastTerm: 0, transfer: false });
  const first = drain(node);
  t.match(first.hardState, { term: 5, vote: 1 }, 'the vote is in the Ready that carries the answer: persisted first');
  t.match(only(first, 'vote-response'), [{ to: 1, granted: true }]);

  node.step({ type: 'vote', from: 3, to: 2, term: 5, pre: false, lastIndex: 0, lastTerm: 0, transfer: false });
  t.match(only(drain(node), 'vote-response'), [{ to: 3, granted: false }], 'a second candidate in the same term is refused');

  node.step({ type: 'vote', from: 1, to: 2, term: 5, pre: false, lastIndex: 0, lastTerm: 0, transfer: false });
  t.match(only(drain(node), 'vote-response'), [{ to: 1, granted: true }], 'the same candidate asking again gets the same answer');

  node.step({ type: 'vote', from: 3, to: 2, term: 6, pre: false, lastIndex: 0, lastTerm: 0, transfer: false });
  t.match(only(drain(node), 'vote-response'), [{ to: 3, granted: true }], 'a new term frees the vote');
  t.equal(node.status().vote, 3);
});

t.test('append receiver rule 2: refuse when the log has no matching entry at prevIndex, with a hint', async (t) => {
  const short = nodeWith({ id: 2, term: 2, logTerms: [1, 1] });
  short.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 5, prevTerm: 2, entries: [], commit: 0 });
  t.match(only(drain(short), 'append-response'), [{ success: false, index: 5, hintIndex: 2, hintTerm: 1 }], 'too short: the hint is our last index');

  // Ours: terms 1 1 2 2 2 (index 1..5); the leader's entry at 5 has term 3.
  const diverged = nodeWith({ id: 2, term: 3, logTerms: [1, 1, 2, 2, 2] });
  diverged.step({ type: 'append', from: 1, to: 2, term: 3, prevIndex: 5, prevTerm: 3, entries: [], commit: 0 });
  t.match(only(drain(diverged), 'append-response'), [{ success: false, index: 5, hintIndex: 5, hintTerm: 2 }], 'the hint names our term there');

  diverged.step({ type: 'append', from: 1, to: 2, term: 3, prevIndex: 4, prevTerm: 1, entries: [], commit: 0 });
  t.match(
    only(drain(diverged), 'append-response'),
    [{ success: false, index: 4, hintIndex: 2, hintTerm: 1 }],
    'no index whose term exceeds the leader’s prevTerm can match: the hint skips the whole term-2 run',
  );
});

t.test('append receiver rules 3 and 4: a conflicting suffix is truncated, new entries appended', async (t) => {
  const node = nodeWith({ id: 2, term: 3, logTerms: [1, 1, 2, 2] });
  const leaderEntries = entriesWithTerms(1, 1, 3, 3, 3).slice(2);
  node.step({ type: 'append', from: 1, to: 2, term: 3, prevIndex: 2, prevTerm: 1, entries: leaderEntries, commit: 0 });
  const ready = drain(node);
  t.same(ready.entries.map((e) => [e.index, e.term]), [[3, 3], [4, 3], [5, 3]], 'the Ready rewrites the log from the first conflict');
  t.same([1, 2, 3, 4, 5].map((i) => node.termAt(i)), [1, 1, 3, 3, 3]);
  t.match(only(ready, 'append-response'), [{ success: true, index: 5 }]);
});

t.test('append receiver rule 4: an old, duplicated append does not cut entries it agrees with', async (t) => {
  const node = nodeWith({ id: 2, term: 2, logTerms: [1, 2, 2, 2] });
  node.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 1, prevTerm: 1, entries: entriesWithTerms(1, 2).slice(1), commit: 0 });
  const ready = drain(node);
  t.equal(node.status().lastIndex, 4, 'entries 3 and 4 survive');
  t.same(ready.entries, [], 'nothing to rewrite');
  t.match(only(ready, 'append-response'), [{ success: true, index: 2 }], 'acknowledges what this append proved, not more');
});

t.test('append receiver rule 5: commit = min(leaderCommit, index of the last new entry)', async (t) => {
  const node = nodeWith({ id: 2, term: 2, logTerms: [1, 1, 1, 1] });
  node.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 1, prevTerm: 1, entries: entriesWithTerms(1, 1).slice(1), commit: 4 });
  t.equal(node.status().commit, 2, 'entries 3 and 4 are not proven to match the leader yet');
  node.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 2, prevTerm: 1, entries: entriesWithTerms(1, 1, 1).slice(2), commit: 2 });
  t.equal(node.status().commit, 2, 'a smaller leader commit never lowers ours');
  const ready = drain(node);
  t.same(ready.committedEntries.map((e) => e.index), [1, 2], 'committed entries are handed out to apply, in order');
});

t.test('followers: no leader heard for the election timeout -> campaign; the timeout is random in [T, 2T)', async (t) => {
  const seen = new Set<number>();
  for (let id = 1; id <= 40; id++) {
    const node = nodeWith({ id, voters: [id, 100, 101], electionTimeoutTicks: 10, preVote: false });
    const ticks = ticksUntilCampaign(node);
    t.ok(ticks >= 10 && ticks < 20, `member ${id} waited ${ticks} ticks`);
    seen.add(ticks);
    t.match(node.status(), { role: 'candidate', term: 1, vote: id });
  }
  t.ok(seen.size >= 5, `timeouts are spread out (${[...seen].sort((a, b) => a - b).join(',')})`);
});

t.test('candidates: vote for self, ask every voter, and persist before asking', async (t) => {
  const node = nodeWith({ id: 1, term: 1, logTerms: [1, 1], preVote: false });
  ticksUntilCampaign(node);
  const ready = drain(node);
  t.match(ready.hardState, { term: 2, vote: 1 });
  t.same(
    only(ready, 'vote').map((m) => [m.to, m.term, m.lastIndex, m.lastTerm, m.pre]),
    [[2, 2, 2, 1, false], [3, 2, 2, 1, false]],
  );
});

t.test('candidates: a majority of votes wins; a majority of refusals loses', async (t) => {
  const winner = nodeWith({ id: 1, preVote: false });
  ticksUntilCampaign(winner);
  drain(winner);
  winner.step({ type: 'vote-response', from: 2, to: 1, term: 1, pre: false, granted: true });
  t.equal(winner.status().role, 'leader', 'own vote + one of three');
  const won = drain(winner);
  t.same(only(won, 'append').map((m) => m.to), [2, 3], 'a new leader announces itself to every follower at once');

  const loser = nodeWith({ id: 1, voters: [1, 2, 3, 4, 5], preVote: false });
  ticksUntilCampaign(loser);
  drain(loser);
  loser.step({ type: 'vote-response', from: 2, to: 1, term: 1, pre: false, granted: false });
  loser.step({ type: 'vote-response', from: 3, to: 1, term: 1, pre: false, granted: false });
  t.equal(loser.status().role, 'candidate', 'two refusals of five do not decide');
  loser.step({ type: 'vote-response', from: 4, to: 1, term: 1, pre: false, granted: false });
  t.match(loser.status(), { role: 'follower', term: 1 }, 'three refusals do');
});

t.test('candidates: an append from a leader of the same term makes them followers', async (t) => {
  const node = nodeWith({ id: 1, preVote: false });
  ticksUntilCampaign(node);
  node.step({ type: 'append', from: 2, to: 1, term: 1, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
  t.match(node.status(), { role: 'follower', term: 1, leader: 2 });
});

t.test('candidates: a timed-out election starts a new one in a new term', async (t) => {
  const node = nodeWith({ id: 1, preVote: false });
  ticksUntilCampaign(node);
  t.equal(node.status().term, 1);
  for (let i = 0; i < 20; i++) node.tick();
  t.match(node.status(), { role: 'candidate', term: 2 });
});

t.test('leaders: heartbeats every heartbeatTimeoutTicks keep followers from campaigning', async (t) => {
  const net = new Network([1, 2, 3], { heartbeatTimeoutTicks: 2 });
  net.campaign(1);
  const leader = net.node(1);
  leader.tick();
  t.same(drain(leader).messages, [], 'no heartbeat before the interval');
  leader.tick();
  const ready = drain(leader);
  t.same(only(ready, 'heartbeat').map((m) => m.to), [2, 3]);
  net.queue.push(...ready.messages);
  net.settle();
  net.tickAll(100);
  t.same(net.leaders(), [1]);
  t.equal(net.node(2).status().term, 1, 'nobody started an election');
});

t.test('leaders: a refused append moves nextIndex back and retries; the leader’s own log never changes', async (t) => {
  // Member 1 holds five entries of term 1 and wins term 2; member 3 only holds two of them.
  const leader = nodeWith({ id: 1, term: 1, logTerms: [1, 1, 1, 1, 1], preVote: false });
  ticksUntilCampaign(leader);
  drain(leader);
  leader.step({ type: 'vote-response', from: 2, to: 1, term: 2, pre: false, granted: true });
  const first = drain(leader);
  t.match(only(first, 'append').find((m) => m.to === 3), { prevIndex: 5, prevTerm: 1 }, 'probing starts at the end of the leader log');
  const terms = [1, 2, 3, 4, 5, 6].map((i) => leader.termAt(i));

  leader.step({ type: 'append-response', from: 3, to: 1, term: 2, success: false, index: 5, hintIndex: 2, hintTerm: 1 });
  t.same([1, 2, 3, 4, 5, 6].map((i) => leader.termAt(i)), terms, 'append-only: a refusal never touches the leader log');
  t.match(leader.progressOf(3), { state: 'probe', next: 3 }, 'nextIndex jumps back to just after the hint');
  const retry = only(drain(leader), 'append').find((m) => m.to === 3);
  t.match(retry, { prevIndex: 2, prevTerm: 1 }, 'and the leader retries from there');
  t.same(retry?.entries.map((e) => e.index), [3, 4, 5, 6]);

  leader.step({ type: 'append-response', from: 3, to: 1, term: 2, success: true, index: 6, hintIndex: 0, hintTerm: 0 });
  t.match(leader.progressOf(3), { state: 'replicate', match: 6, next: 7 });
  leader.step({ type: 'append-response', from: 3, to: 1, term: 2, success: false, index: 5, hintIndex: 2, hintTerm: 1 });
  t.match(leader.progressOf(3), { state: 'replicate', match: 6, next: 7 }, 'a late refusal (below match) is ignored');
});

t.test('leaders: commit once a majority stores an entry of the current term', async (t) => {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  net.cutLink(1, 3);
  const index = net.propose(1, 'a');
  t.equal(net.node(1).status().commit, index, 'leader + one follower are a majority of three');
  t.same(net.applied.get(1), ['a']);

  net.cutLink(1, 2);
  const second = net.propose(1, 'b');
  t.ok(net.node(1).status().commit < second, 'the leader alone is not a majority');
  t.same(net.applied.get(1), ['a'], 'nothing is applied before it commits');
});

t.test('leaders: never commit an entry of an earlier term by counting replicas (Figure 8)', async (t) => {
  // Member 1 holds (1:1, 2:2); the entry of term 2 never committed. It wins term 3.
  const node = nodeWith({ id: 1, term: 2, logTerms: [1, 2], commit: 1, preVote: false });
  ticksUntilCampaign(node);
  drain(node);
  node.step({ type: 'vote-response', from: 2, to: 1, term: 3, pre: false, granted: true });
  t.equal(node.status().role, 'leader');
  drain(node); // the no-op at index 3 (term 3) is durable now
  node.step({ type: 'append-response', from: 2, to: 1, term: 3, success: true, index: 2, hintIndex: 0, hintTerm: 0 });
  t.equal(node.status().commit, 1, 'index 2 is on a majority, but its term is 2: not committed by counting');
  node.step({ type: 'append-response', from: 2, to: 1, term: 3, success: true, index: 3, hintIndex: 0, hintTerm: 0 });
  t.equal(node.status().commit, 3, 'the term-3 no-op on a majority commits it and, with it, index 2');
  t.same(drain(node).committedEntries.map((e) => [e.index, e.term]), [[2, 2], [3, 3]]);
});

t.test('leaders: their own entries count toward a quorum only once advance() says they are durable', async (t) => {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  net.cutLink(1, 3);
  const leader = net.node(1);
  const index = leader.propose(bytes('slow disk'));
  const ready = leader.ready(); // the leader's disk is still writing…
  for (const m of ready.messages) net.deliver(m);
  net.processReadies(2);
  for (const m of net.take((m) => m.to === 1)) leader.step(m);
  t.ok(leader.status().commit < index, 'one follower alone is not a majority while the leader’s copy is not durable');
  leader.advance();
  t.equal(leader.status().commit, index, 'durable now: leader + follower');
});

t.test('all servers: committed entries are applied once each, in log order, on every member', async (t) => {
  const net = new Network([1, 2, 3]);
  net.campaign(1);
  for (let i = 0; i < 20; i++) net.node(1).propose(bytes(`v${i}`));
  net.settle();
  const expected = Array.from({ length: 20 }, (_, i) => `v${i}`);
  for (const id of [1, 2, 3]) t.same(net.applied.get(id), expected, `member ${id}`);
});
