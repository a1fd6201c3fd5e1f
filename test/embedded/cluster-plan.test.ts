import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { BOOTSTRAP_FILE } from '../../actors/member/bootstrap-record.ts';
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import type { ClusterInfo } from '../../actors/transport/discover.ts';
import { planCluster, type ClusterBootstrap, type DiscoverCluster } from '../../src/embedded/cluster-plan.ts';

const initialCluster = {
  a: ['http://127.0.0.1:12380'],
  b: ['http://127.0.0.1:22380/'],
  c: ['http://127.0.0.1:32380'],
};
const bootstrap: ClusterBootstrap = { initialCluster };
const noDiscovery = async (): Promise<ClusterInfo> => {
  throw new Error('discovery must not be used for a new cluster');
};

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-plan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a new cluster: every member computes the same IDs from the flags alone', async (t) => {
  const plans = await Promise.all(['a', 'b', 'c'].map(async (name) => planCluster(await tempDir(t), name, 'tok', bootstrap, noDiscovery)));
  const ids = ['http://127.0.0.1:12380', 'http://127.0.0.1:22380', 'http://127.0.0.1:32380'].map((url) => memberIdOf([url], 'tok'));
  t.same(plans.map((plan) => plan.memberId), ids);
  t.same(new Set(plans.map((plan) => plan.clusterId)), new Set([clusterIdOf(ids, 'tok')]));
  t.same(plans[0]!.bootstrapVoters, ids);
  t.same(plans[0]!.peers.map((peer) => peer.id), [ids[1], ids[2]], 'peers are the others');
  t.same(plans[1]!.peerUrls, ['http://127.0.0.1:22380'], 'URLs are canonical (no trailing slash)');
});

t.test('a restart takes its identity from the data directory, not the flags', async (t) => {
  const dir = await tempDir(t);
  const first = await planCluster(dir, 'a', 'tok', bootstrap, noDiscovery);
  const grown = { initialCluster: { ...initialCluster, d: ['http://127.0.0.1:42380'] }, state: 'existing' as const };
  const again = await planCluster(dir, 'a', 'tok', grown, noDiscovery);
  t.equal(again.clusterId, first.clusterId);
  t.same(again.bootstrapVoters, first.bootstrapVoters);
  t.equal(again.peers.length, 3, 'peers from the flags: the member table takes over once applied');
});

t.test('refuses a data directory of another cluster or another member', async (t) => {
  const dir = await tempDir(t);
  await planCluster(dir, 'a', 'tok', bootstrap, noDiscovery);
  await t.rejects(planCluster(dir, 'a', 'other-token', bootstrap, noDiscovery), { name: 'ClusterPlanError', message: /belongs to member .* but --name a/ });
  const otherCluster = { initialCluster: { a: initialCluster.a, b: initialCluster.b } };
  await t.rejects(planCluster(dir, 'a', 'tok', otherCluster, noDiscovery), { name: 'ClusterPlanError', message: /belongs to cluster .* describe cluster/ });
});

t.test('refuses bad bootstrap options with what to change', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(planCluster(dir, 'z', 'tok', bootstrap, noDiscovery), { message: `couldn't find local name "z" in the initial cluster configuration` });
  const shared = { initialCluster: { a: ['http://127.0.0.1:1'], b: ['http://127.0.0.1:1/'] } };
  await t.rejects(planCluster(dir, 'a', 'tok', shared, noDiscovery), { message: /gives peer URL http:\/\/127.0.0.1:1 to both "a" and "b"/ });
  await t.rejects(planCluster(dir, 'a', 'tok', { initialCluster: { a: initialCluster.a }, state: 'existing' }, noDiscovery), {
    message: /existing needs --initial-cluster to list the running members/,
  });
});

/** The member table a running cluster tells a joiner: IDs MemberAdd chose, not derived from URLs. */
const running = [
  { id: 0x111, name: 'a', peerUrls: ['http://127.0.0.1:12380'], isLearner: false },
  { id: 0x222, name: 'b', peerUrls: ['http://127.0.0.1:22380'], isLearner: false },
  { id: 0x333, name: '', peerUrls: ['http://127.0.0.1:32380', 'http://127.0.0.1:32381'], isLearner: true },
];

/** A fake discover over fixed answers, one per URL asked, recording what was asked. */
function answering(answers: readonly (readonly ClusterInfo['members'][number][])[], asked: string[][] = []): DiscoverCluster {
  return async (urls, wanted) => {
    asked.push([...urls]);
    const infos = answers.map((members, i): ClusterInfo => ({ clusterId: 0xabc, members, answeredBy: urls[i] ?? '?' }));
    const first = infos[0];
    if (first === undefined) throw new Error('no answer');
    return infos.find(wanted) ?? first;
  };
}

t.test('joining takes the ID the cluster gave the row with its own peer URLs, and starts with no voters', async (t) => {
  const dir = await tempDir(t);
  const asked: string[][] = [];
  // Flags list c's URLs in another order and with a trailing slash: they still match its row.
  const joining = { initialCluster: { ...initialCluster, c: ['http://127.0.0.1:32381/', 'http://127.0.0.1:32380'] }, state: 'existing' as const };
  const plan = await planCluster(dir, 'c', 'tok', joining, answering([running], asked));
  t.same(asked, [['http://127.0.0.1:12380', 'http://127.0.0.1:22380']]);
  t.equal(plan.clusterId, 0xabc);
  t.equal(plan.memberId, 0x333, 'the ID MemberAdd chose, not one derived from the flags');
  t.not(plan.memberId, memberIdOf(['http://127.0.0.1:32380', 'http://127.0.0.1:32381'], 'tok'));
  t.same(plan.bootstrapVoters, []);
  t.same(plan.peers, [{ id: 0x111, peerUrls: ['http://127.0.0.1:12380'] }, { id: 0x222, peerUrls: ['http://127.0.0.1:22380'] }], 'peers under their cluster IDs');
  t.same(plan.initialMembers.map((member) => [member.id, member.name, member.isLearner]), [[0x111, 'a', false], [0x222, 'b', false], [0x333, 'c', true]]);

  const again = await planCluster(dir, 'c', 'tok', joining, noDiscovery);
  t.equal(again.memberId, 0x333, 'a restart keeps the learned ID without asking anyone');
  t.same(again.peers, plan.peers);
  await t.rejects(planCluster(dir, 'b', 'tok', joining, noDiscovery), { name: 'ClusterPlanError', message: /belongs to member 333 \("c"\) of cluster abc, not to --name b/ });
});

t.test('joining skips an answer that does not list it yet (a member behind on MemberAdd)', async (t) => {
  const lagging = running.filter((member) => member.id !== 0x333);
  const plan = await planCluster(await tempDir(t), 'c', 'tok', { initialCluster: { ...initialCluster, c: running[2]!.peerUrls }, state: 'existing' }, answering([lagging, running]));
  t.equal(plan.memberId, 0x333);
});

t.test('a joiner the cluster never added refuses to start, and says to run member add first', async (t) => {
  const dir = await tempDir(t);
  const notAdded = { initialCluster: { ...initialCluster, c: ['http://127.0.0.1:39999'] }, state: 'existing' as const };
  await t.rejects(planCluster(dir, 'c', 'tok', notAdded, answering([running, running])), {
    name: 'ClusterPlanError',
    message: /^member "c" with peer URLs http:\/\/127.0.0.1:39999 has not been added to cluster abc \(http:\/\/127.0.0.1:12380 lists: 111 "a" .*\); add it first on a running member \(etcdctl member add c --peer-urls=http:\/\/127.0.0.1:39999\)/,
  });
  await t.rejects(planCluster(dir, 'c', 'tok', notAdded, noDiscovery), { message: /must not be used/ }, 'and wrote no record: the next start asks again');
});

t.test('a damaged bootstrap record is reported, never taken for another cluster', async (t) => {
  const dir = await tempDir(t);
  await planCluster(dir, 'a', 'tok', bootstrap, noDiscovery);
  const path = join(dir, BOOTSTRAP_FILE);
  await writeFile(path, (await readFile(path, 'utf8')).replace(/"clusterId\\":\d/, '"clusterId\\":9'));
  await t.rejects(planCluster(dir, 'a', 'tok', bootstrap, noDiscovery), { name: 'BootstrapRecordError', message: /checksum mismatch/ });
  await writeFile(path, '{not json');
  await t.rejects(planCluster(dir, 'a', 'tok', bootstrap, noDiscovery), { name: 'BootstrapRecordError', message: /not JSON/ });
});
