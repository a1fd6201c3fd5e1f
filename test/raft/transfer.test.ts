/**
 * Leadership transfer: the leader brings the target up to date, then tells
 * it to campaign at once (timeout-now, no pre-vote, past the lease guard);
 * proposals are refused while it is under way; it is abandoned after an
 * election timeout if the target does not take over.
 */
import t from 'tap';
import { InvalidTransferTargetError, NotLeaderError, TransferInProgressError } from '../../actors/raft/core/errors.ts';
import type { Message, Ready } from '../../actors/raft/core/types.ts';
import { bytes, drain, Network } from './network.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;
const only = <T extends Message['type']>(ready: Ready, type: T): Of<T>[] =>
  ready.messages.filter((m): m is Of<T> => m.type === type);

function cluster(options = {}): Network {
  const net = new Network([1, 2, 3], options);
  net.campaign(1);
  net.propose(1, 'x');
  return net;
}

t.test('to an up-to-date follower: timeout-now at once, it wins the next term', async (t) => {
  const net = cluster();
  net.node(1).transferLeadership(2);
  const ready = drain(net.node(1));
  t.match(only(ready, 'timeout-now'), [{ to: 2, term: 1 }]);
  net.queue.push(...ready.messages);
  net.settle();
  t.same(net.leaders(), [2]);
  t.match(net.node(1).status(), { role: 'follower', leader: 2, term: 2 });
  net.propose(2, 'under-new-leader');
  t.same(net.applied.get(1)?.at(-1), 'under-new-leader');
});

t.test('to a lagging follower: the leader first catches it up, then hands over', async (t) => {
  const net = cluster();
  net.cutLink(1, 3);
  net.propose(1, 'missed-by-3');
  net.heal();
  net.node(1).transferLeadership(3);
  const ready = drain(net.node(1));
  t.same(only(ready, 'timeout-now'), [], 'not before member 3 has every entry');
  net.queue.push(...ready.messages);
  net.settle();
  net.tickAll(1);
  t.same(net.leaders(), [3]);
  t.equal(net.node(3).termAt(3), 1, 'it had received the missing entry');
});

t.test('while a transfer is under way, proposals and other changes are refused', async (t) => {
  const net = cluster();
  net.isolate(2);
  const leader = net.node(1);
  leader.propose(bytes('pending'));
  leader.transferLeadership(2);
  t.throws(() => leader.propose(bytes('y')), TransferInProgressError);
  t.throws(() => leader.proposeConfChange({ kind: 'add-learner', node: 4 }), TransferInProgressError);
  t.throws(() => leader.transferLeadership(3), TransferInProgressError, 'one transfer at a time');
  t.doesNotThrow(() => leader.transferLeadership(2), 'asking again for the same target is harmless');
  t.equal(leader.status().transferee, 2);
});

t.test('a transfer the target cannot complete is abandoned after an election timeout', async (t) => {
  const net = cluster({ electionTimeoutTicks: 10 });
  net.isolate(2);
  const leader = net.node(1);
  leader.propose(bytes('pending'));
  leader.transferLeadership(2);
  net.heal();
  net.isolate(2);
  for (let i = 0; i < 9; i++) leader.tick();
  t.equal(leader.status().transferee, 2);
  leader.tick();
  t.equal(leader.status().transferee, 0, 'abandoned');
  t.equal(leader.status().role, 'leader');
  t.doesNotThrow(() => leader.propose(bytes('accepted-again')));
});

t.test('the target campaigns without a pre-vote and past the lease guard of the others', async (t) => {
  const net = cluster();
  net.node(1).transferLeadership(3);
  net.flush();
  const timeoutNow = net.take((m) => m.type === 'timeout-now');
  t.equal(timeoutNow.length, 1);
  net.node(3).step(timeoutNow[0] as Message);
  const ready = drain(net.node(3));
  t.same(only(ready, 'vote').map((m) => [m.to, m.pre, m.transfer]), [[1, false, true], [2, false, true]]);
});

t.test('only a leader transfers, and only to a voter', async (t) => {
  const net = cluster();
  t.throws(() => net.node(2).transferLeadership(3), NotLeaderError);
  t.throws(() => net.node(1).transferLeadership(9), InvalidTransferTargetError);
  t.doesNotThrow(() => net.node(1).transferLeadership(1), 'to itself: nothing to do');
  t.equal(net.node(1).status().transferee, 0);
});
