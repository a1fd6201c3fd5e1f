/**
 * Log compaction and snapshots: compact() trims the log but keeps a tail
 * for slow followers; a follower behind the trimmed log is sent the
 * snapshot, installs it and continues with appends; a lost snapshot is
 * offered again; a member restarts from snapshot + log.
 */
import t from 'tap';
import { InvariantError } from '../../actors/raft/core/errors.ts';
import { bytes, drain, Network, nodeWith, text } from './network.ts';

function leaderWithBacklog(options = {}): Network {
  const net = new Network([1, 2, 3], { compactionKeepEntries: 2, ...options });
  net.campaign(1);
  net.cutLink(1, 3);
  for (let i = 0; i < 10; i++) net.propose(1, `e${i}`);
  return net;
}

t.test('compact() keeps a tail of entries and remembers the snapshot', async (t) => {
  const net = leaderWithBacklog();
  const leader = net.node(1);
  const { applied } = leader.status();
  t.equal(applied, 11);
  const snapshot = leader.compact(applied, bytes('state@11'));
  t.match(snapshot.meta, { index: 11, term: 1, conf: { voters: [1, 2, 3], learners: [] } });
  t.equal(leader.status().firstIndex, 10, 'entries up to 11 - 2 are gone');
  t.equal(leader.termAt(9), 1, 'the entry at the offset keeps its term for matching');
  t.equal(leader.termAt(8), undefined);
});

t.test('compact() refuses an index the state machine has not applied', async (t) => {
  const net = leaderWithBacklog();
  const leader = net.node(1);
  t.throws(() => leader.compact(leader.status().applied + 1, bytes('too far')), InvariantError);
  leader.compact(5, bytes('s5'));
  t.throws(() => leader.compact(5, bytes('again')), InvariantError, 'and one that does not move past the last snapshot');
});

t.test('a follower behind the compacted log gets the snapshot, installs it, then continues with appends', async (t) => {
  const net = leaderWithBacklog();
  net.node(1).compact(11, bytes('state@11'));
  net.heal();
  net.propose(1, 'after-snapshot');
  net.tickAll(2);
  t.equal(net.snapshotsInstalled.get(3), 11, 'member 3 installed the snapshot at 11');
  t.same(net.applied.get(3), ['after-snapshot'], 'then applied what followed it');
  t.equal(net.node(3).status().commit, net.node(1).status().commit);
  t.equal(net.storage.get(3)?.snapshot && text(net.storage.get(3)?.snapshot?.data ?? new Uint8Array()), 'state@11');
  t.match(net.node(1).progressOf(3), { state: 'replicate' }, 'back to pipelining');
});

t.test('a follower only slightly behind is served from the kept tail, without a snapshot', async (t) => {
  const net = new Network([1, 2, 3], { compactionKeepEntries: 5 });
  net.campaign(1);
  for (let i = 0; i < 5; i++) net.propose(1, `a${i}`);
  net.cutLink(1, 3);
  net.propose(1, 'missed');
  net.node(1).compact(7, bytes('s7'));
  net.heal();
  net.tickAll(2);
  t.equal(net.snapshotsInstalled.get(3), undefined);
  t.equal(net.applied.get(3)?.at(-1), 'missed');
});

t.test('a lost snapshot is offered again after snapshotRetryTicks', async (t) => {
  const net = leaderWithBacklog({ snapshotRetryTicks: 5 });
  net.node(1).compact(11, bytes('state@11'));
  net.heal();
  let dropped = 0;
  net.dropIf = (m) => m.type === 'snapshot' && ++dropped > 0;
  net.propose(1, 'next');
  net.tickAll(2);
  t.equal(dropped, 1, 'the snapshot was sent and lost');
  t.match(net.node(1).progressOf(3), { state: 'snapshot' }, 'the leader waits for it…');
  net.dropIf = null;
  net.tickAll(4);
  t.equal(net.snapshotsInstalled.get(3), 11, '…then sends it again, and this time it lands');
  t.equal(net.node(3).status().commit, net.node(1).status().commit);
});

t.test('a snapshot the follower already holds only moves its commit index', async (t) => {
  const follower = nodeWith({ id: 2, term: 1, logTerms: [1, 1, 1, 1] });
  follower.step({
    type: 'snapshot',
    from: 1,
    to: 2,
    term: 1,
    snapshot: { meta: { index: 3, term: 1, conf: { voters: [1, 2, 3], learners: [] } }, data: bytes('s3') },
  });
  const ready = drain(follower);
  t.equal(ready.snapshot, null, 'nothing to install');
  t.equal(follower.status().commit, 3);
  t.equal(follower.status().lastIndex, 4, 'the entry after it is kept');
});

t.test('a member restarts from its snapshot plus the log after it', async (t) => {
  const net = leaderWithBacklog();
  net.node(1).compact(11, bytes('state@11'));
  net.heal();
  net.tickAll(3);
  net.propose(1, 'tail');
  net.stop(3);
  net.restart(3);
  const restarted = net.node(3);
  t.match(restarted.status(), { commit: 12, applied: 11, firstIndex: 12, lastIndex: 12 }, 'state machine resumes from the snapshot');
  net.tickAll(3);
  t.same(net.applied.get(3), ['tail']);
});
