/**
 * The RaftNode contract seen from its caller: options validated up front,
 * restored state checked, typed refusals carrying what the caller needs
 * (the leader to redirect to), proposal forwarding, and the Ready/advance
 * protocol (one Ready at a time).
 */
import t from 'tap';
import { InvariantError, NotLeaderError, RaftOptionsError } from '../../actors/raft/core/errors.ts';
import { RaftNode } from '../../actors/raft/core/raft-node.ts';
import { EMPTY_HARD_STATE } from '../../actors/raft/core/types.ts';
import type { DurableState } from '../../actors/raft/core/types.ts';
import { bytes, drain, entriesWithTerms, Network, nodeWith, seededRandom, ticksUntilCampaign } from './network.ts';

const fresh: DurableState = { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [], conf: { voters: [1, 2, 3], learners: [] } };
const random = seededRandom(1);

t.test('options are validated at construction, with the option named', async (t) => {
  const bad: [Record<string, unknown>, string][] = [
    [{ id: 0 }, 'id'],
    [{ id: 1.5 }, 'id'],
    [{ random: 42 }, 'random'],
    [{ electionTimeoutTicks: 0 }, 'electionTimeoutTicks'],
    [{ electionTimeoutTicks: 5, heartbeatTimeoutTicks: 5 }, 'heartbeatTimeoutTicks'],
    [{ maxInflightMsgs: -1 }, 'maxInflightMsgs'],
    [{ leaseRead: true, checkQuorum: false }, 'leaseRead'],
  ];
  for (const [patch, option] of bad) {
    const options = { id: 1, random, ...patch } as unknown as ConstructorParameters<typeof RaftNode>[0];
    t.throws(() => new RaftNode(options, fresh), { name: 'RaftOptionsError', details: { option } }, option);
  }
});

t.test('restored state is checked against itself', async (t) => {
  const snapshot = { meta: { index: 5, term: 2, conf: { voters: [1, 2, 3], learners: [] } }, data: bytes('s') };
  t.throws(
    () => new RaftNode({ id: 1, random }, { ...fresh, snapshot, conf: { voters: [1, 2], learners: [] } }),
    RaftOptionsError,
    'conf must match the snapshot',
  );
  t.throws(
    () => new RaftNode({ id: 1, random }, { ...fresh, hardState: { term: 1, vote: 0, commit: 3 }, entries: entriesWithTerms(1) }),
    InvariantError,
    'a commit index beyond the log means entries were lost',
  );
  t.throws(
    () => new RaftNode({ id: 1, random }, { ...fresh, conf: { voters: [1, 1], learners: [] } }),
    RaftOptionsError,
    'a member listed twice',
  );
  const restored = new RaftNode({ id: 1, random }, { ...fresh, snapshot, entries: entriesWithTerms(1, 1, 2, 2, 2, 2, 3), hardState: { term: 3, vote: 1, commit: 6 } });
  t.match(restored.status(), { firstIndex: 6, lastIndex: 7, commit: 6, applied: 5, term: 3, vote: 1 }, 'entries up to the snapshot are ignored');
  t.same(drain(restored).committedEntries.map((e) => e.index), [6], 'committed entries after the snapshot are handed out again');
});

t.test('a random source returning values outside [0, 1) is caught', async (t) => {
  t.throws(() => new RaftNode({ id: 1, random: () => 1 }, fresh), InvariantError);
});

t.test('proposals on a follower are refused with the leader to redirect to', async (t) => {
  const net = new Network([1, 2, 3]);
  t.throws(() => net.node(2).propose(bytes('x')), { name: 'NotLeaderError', details: { leader: 0 } }, 'no leader yet');
  net.campaign(1);
  try {
    net.node(2).propose(bytes('x'));
    t.fail('a follower accepted a proposal');
  } catch (error) {
    t.ok(error instanceof NotLeaderError);
    t.equal((error as NotLeaderError).leader, 1);
    t.equal((error as NotLeaderError).code, 'NOT_LEADER');
  }
  t.throws(() => net.node(2).proposeConfChange({ kind: 'add-learner', node: 4 }), NotLeaderError);
});

t.test('with forwardProposals, a follower sends proposals to the leader', async (t) => {
  const net = new Network([1, 2, 3], { forwardProposals: true });
  net.campaign(1);
  t.equal(net.node(2).propose(bytes('via-2')), 0, 'no index is known on the follower');
  net.settle();
  for (const id of [1, 2, 3]) t.same(net.applied.get(id), ['via-2'], `applied on ${id}`);
  const candidate = nodeWith({ id: 1, forwardProposals: true });
  ticksUntilCampaign(candidate);
  t.throws(() => candidate.propose(bytes('x')), NotLeaderError, 'with no leader known there is nowhere to forward');
});

t.test('one Ready at a time: ready() again before advance() is a contract violation', async (t) => {
  const node = nodeWith({ id: 1, voters: [1] });
  ticksUntilCampaign(node);
  t.ok(node.hasReady());
  node.ready();
  t.notOk(node.hasReady(), 'nothing new is handed out before advance()');
  t.throws(() => node.ready(), InvariantError);
  node.advance();
  t.throws(() => node.advance(), InvariantError, 'advance() without a Ready');
});

t.test('soft and hard state appear in a Ready only when they change', async (t) => {
  const node = nodeWith({ id: 1, voters: [1] });
  ticksUntilCampaign(node);
  const first = drain(node);
  t.match(first.softState, { role: 'leader', leader: 1 });
  t.match(first.hardState, { term: 1, vote: 1 });
  node.tick();
  const second = drain(node);
  t.equal(second.softState, null);
  t.match(second.hardState, { commit: 1 }, 'the no-op committed once durable');
  t.notOk(node.hasReady(), 'quiet now');
});
