import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { BOOTSTRAP_FILE } from '../../actors/member/bootstrap-record.ts';
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { planCluster, type ClusterBootstrap } from '../../src/embedded/cluster-plan.ts';

const initialCluster = {
  a: ['http://127.0.0.1:12380'],
  b: ['http://127.0.0.1:22380/'],
  c: ['http://127.0.0.1:32380'],
};
const bootstrap: ClusterBootstrap = { initialCluster };
const noDiscovery = async (): Promise<number> => {
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

t.test('joining asks a running member for the cluster ID and starts with no voters', async (t) => {
  const dir = await tempDir(t);
  const asked: string[][] = [];
  const plan = await planCluster(dir, 'c', 'tok', { initialCluster, state: 'existing' }, async (urls) => {
    asked.push([...urls]);
    return 0xabc;
  });
  t.same(asked, [['http://127.0.0.1:12380', 'http://127.0.0.1:22380']]);
  t.equal(plan.clusterId, 0xabc);
  t.same(plan.bootstrapVoters, []);
  t.same(plan.initialMembers.map((member) => member.name), ['a', 'b', 'c']);
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
