/**
 * Replacing a failed machine the usual way: MemberRemove the member, wipe its
 * data directory, MemberAdd it back at the same peer URLs and start it with
 * --initial-cluster-state existing. The re-added member gets a new ID (its
 * old one stays "removed" on every member), learns that ID from the running
 * members, catches up and serves; it is never taken for the removed member.
 */
import { rm } from 'node:fs/promises';
import t from 'tap';
import type { ProcessExit } from '../../src/cli/local-cluster/launcher.ts';
import { memberFlags } from '../../src/cli/local-cluster/member-flags.ts';
import { MemberProcess } from '../../src/cli/local-cluster/member-process.ts';
import { defaultEtcdBinary, programCommand } from '../../src/cli/local-cluster/programs.ts';
import { hashKvProblems } from './support/cluster-checks.ts';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { reconfigure, reconfigureCallTimeoutMs as callTimeoutMs } from './support/reconfigure.ts';
import { program, programMissing, recoveryTimeoutMs, startTestCluster, startTimeoutMs, timing } from './support/fault-run.ts';

/** Safety net only: a removed member stops as soon as it applies its removal. */
const stopsWithinMs = 15_000;
const clusterToken = 'conclave-local-cluster';

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

t.test(`${program}: a member removed, wiped and added back at the same peer URLs joins under a new ID and serves`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const { leader, ids } = await findLeader(cluster, recoveryTimeoutMs);
  const follower = otherMember(cluster, leader);
  const oldId = ids.get(follower);
  if (oldId === undefined) throw new Error(`no ID known for follower ${follower}`);
  const admin = new MemberClient(cluster.member(leader).endpoint);
  t.teardown(() => admin.close());
  const exited = new Promise<ProcessExit>((resolve) => cluster.onUnexpectedExit((name, exit) => name === follower && resolve(exit)));

  await reconfigure(() => admin.memberRemove(oldId, callTimeoutMs));
  await within(exited, stopsWithinMs, `${follower} stopping after it was removed`);
  const member = cluster.member(follower);
  await rm(member.dataDir, { recursive: true, force: true });

  const added = await reconfigure(() => admin.memberAdd([member.peerUrl], callTimeoutMs));
  const newId = added.member?.ID;
  t.ok(newId !== undefined && newId !== '0', 'MemberAdd answers with the re-added member');
  t.not(newId, oldId, 'the re-added member has a new ID, not the removed one');

  // The launcher's restart() would reuse the bootstrap flags (--initial-cluster-state new): start it as a joiner.
  const roster = cluster.members.map((other) => ({ name: other.name, dataDir: other.dataDir, clientUrl: other.clientUrl, listenPeerUrl: other.listenPeerUrl, advertisePeerUrl: other.peerUrl }));
  const self = roster.find((other) => other.name === follower);
  if (self === undefined) throw new Error(`${follower} is not in the roster`);
  const flags = memberFlags({ member: self, initialCluster: roster, initialClusterState: 'existing', clusterToken, timing: { ...timing, snapshotCount: null, extraFlags: [] } });
  const rejoined = await MemberProcess.spawn(`${program} member ${follower} (re-added)`, programCommand(program, defaultEtcdBinary), flags);
  t.teardown(() => rejoined.terminate(1_000));
  await rejoined.waitReady(startTimeoutMs);

  const own = new MemberClient(member.endpoint);
  t.teardown(() => own.close());
  t.equal((await own.status(callTimeoutMs)).header?.member_id, newId, 'it learned the ID MemberAdd gave it');
  t.ok(await own.put('after-rejoin', 'v', callTimeoutMs), 'it serves writes');
  t.ok(await admin.put('after-rejoin-2', 'v', callTimeoutMs), 'and so does the leader');
  t.same(await hashKvProblems(cluster.endpoints), [], 'it caught up: every member has the same HashKV');
  const listed = await admin.memberList(callTimeoutMs);
  t.same(listed.members.map((m) => m.ID).sort(), [...cluster.members.filter((m) => m.name !== follower).map((m) => ids.get(m.name)), newId].sort(), 'the member list holds it under its new ID');
  t.ok(rejoined.isRunning, 'it is still running');
  t.notMatch(rejoined.logTail(200).join('\n'), /permanently removed|says the cluster removed this member/, 'nobody told it that it was removed');
});
