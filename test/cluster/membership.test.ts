import t from 'tap';
import { findLeader } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { reconfigure, reconfigureCallTimeoutMs as callTimeoutMs } from './support/reconfigure.ts';
import { program, programMissing, progressOps, recoveryTimeoutMs, startLoad, startTestCluster, verifyRun } from './support/fault-run.ts';

t.test(`${program}: MemberAdd of a new member, then MemberRemove of the leader, under load`, { skip: programMissing }, async (t) => {
  const cluster = await startTestCluster(t);
  const load = startLoad(t, cluster, 8);
  await load.progress(progressOps, recoveryTimeoutMs);

  const planned = await cluster.planMember('m4');
  const admin = new MemberClient(cluster.member('m1').endpoint);
  t.teardown(() => admin.close());
  const added = await reconfigure(() => admin.memberAdd([planned.peerUrl], callTimeoutMs));
  t.same(added.member?.peerURLs, [planned.peerUrl], 'MemberAdd answers with the new member');
  await cluster.add('m4');
  await load.progress(progressOps, recoveryTimeoutMs);
  const listed = await admin.memberList(callTimeoutMs);
  t.same(listed.members.map((member) => member.name).sort(), ['m1', 'm2', 'm3', 'm4'], 'the new member has joined under its name');

  const { leader, ids } = await findLeader(cluster, recoveryTimeoutMs);
  const leaderId = ids.get(leader);
  if (leaderId === undefined) throw new Error(`no ID known for leader ${leader}`);
  const survivor = new MemberClient(cluster.member(leader === 'm4' ? 'm1' : 'm4').endpoint);
  t.teardown(() => survivor.close());
  const exited = new Promise<readonly string[]>((resolve) => cluster.onUnexpectedExit((name, _exit, logTail) => name === leader && resolve(logTail)));
  const removed = await reconfigure(() => survivor.memberRemove(leaderId, callTimeoutMs));
  t.notOk(removed.members.some((member) => member.ID === leaderId), 'MemberRemove drops the leader from the member list');
  const lastLines = await exited;
  t.pass('the removed leader stops by itself');
  if (program === 'conclave') t.match(lastLines.join('\n'), /the member has been permanently removed from the cluster/);
  await cluster.remove(leader);
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs);
  t.not(next, leader, 'the remaining members elect a leader among themselves');
  await load.progress(progressOps, recoveryTimeoutMs);
  await verifyRun(t, cluster, await load.stop());
});
