import t from 'tap';
import type { ProcessExit } from '../../src/cli/local-cluster/launcher.ts';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { reconfigure, reconfigureCallTimeoutMs as callTimeoutMs } from './support/reconfigure.ts';
import { partitionsUnsupported, program, recoveryTimeoutMs, startTestCluster } from './support/fault-run.ts';

// Partitions need the fault proxy, which only Conclave's members support (they dial from their own address).
/** Safety net only: the removed member is expected to stop within one redial (backoff at most 2 s) of the heal. */
const stopsWithinMs = 15_000;

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

t.test(`${program}: a follower removed while partitioned away learns it from its peers and stops by itself`, { skip: partitionsUnsupported }, async (t) => {
  const cluster = await startTestCluster(t, { peerProxy: true });
  const { leader, ids } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  const followerId = ids.get(follower);
  if (followerId === undefined) throw new Error(`no ID known for follower ${follower}`);
  const admin = new MemberClient(cluster.member(leader).endpoint);
  t.teardown(() => admin.close());
  const exited = new Promise<ProcessExit>((resolve) => cluster.onUnexpectedExit((name, exit) => name === follower && resolve(exit)));

  // Cut off, the follower cannot receive the entry that removes it, let alone its commit. (Only
  // frozen by SIGSTOP, it would: the kernel keeps what the leader sent, commit index included.)
  cluster.network.isolate(follower);
  const removed = await reconfigure(() => admin.memberRemove(followerId, callTimeoutMs));
  t.notOk(
    removed.members.some((member) => member.ID === followerId),
    'MemberRemove drops the cut-off follower from the member list',
  );
  cluster.network.heal();

  const exit = await within(exited, stopsWithinMs, `${follower} stopping after it was removed`);
  t.equal(exit.code, 0, 'the removed follower exits cleanly');
  const log = cluster.logTail(follower, 200).join('\n');
  t.match(log, /says the cluster removed this member/, 'it heard of its removal from a peer');
  t.match(log, /the member has been permanently removed from the cluster/);
  await cluster.remove(follower);

  const { leader: still } = await findLeader(cluster, recoveryTimeoutMs);
  t.ok(still !== follower, 'the remaining members still have a leader');
  t.ok(await admin.put('after-removal', 'v', callTimeoutMs), 'and serve writes');
  const told = cluster.members.map((member) => cluster.logTail(member.name, 200).filter((line) => line.includes('was removed from the cluster: told it so')).length);
  t.ok(told.some((count) => count === 1) && told.every((count) => count <= 1), `a remaining member logged telling it, once (lines per member: ${told.join(', ')})`);
});
