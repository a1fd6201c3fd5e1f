/**
 * MemberAdd at runtime, in one process: a fresh ID for every add (the same
 * peer URLs after a removal included), a joiner that learns that ID from the
 * running member over the peer port, and a joiner that was never added
 * refusing to start with what to do. One actor runtime runs per thread, so
 * the joiner here only plans its start (the real discover, against the
 * running member); test/cluster/rejoin-same-urls.test.ts runs it for real.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import { memberIdOf } from '../../actors/member/member-identity.ts';
import { discoverCluster } from '../../actors/transport/discover.ts';
import { planCluster } from '../../src/embedded/cluster-plan.ts';
import { open } from '../../src/index.ts';

const base = await mkdtemp(join(tmpdir(), 'conclave-rejoin-'));
t.teardown(() => rm(base, { recursive: true, force: true }));
const [onePort, joinerPort, strangerPort] = [await freePort(), await freePort(), await freePort()];
const oneUrl = `http://127.0.0.1:${onePort}`;
const joinerUrl = `http://127.0.0.1:${joinerPort}`;
const timing = { heartbeatIntervalMs: 10, electionTimeoutMs: 500 } as const;
const token = 'rejoin-token';

const one = await open({ dir: join(base, 'one'), name: 'one', clusterToken: token, ...timing, cluster: { initialCluster: { one: [oneUrl] } } });
t.teardown(() => one.close());
await one.put('before', 'v');

const joining = (name: string, url: string) => ({ initialCluster: { one: [oneUrl], [name]: [url] }, state: 'existing' as const });

t.test('MemberAdd twice at the same URLs, with a removal between, gives two different IDs', async (t) => {
  // Learners: adding a member that is not running yet must not cost `one` its quorum.
  const first = await one.cluster.add([joinerUrl], { isLearner: true });
  await one.cluster.remove(first.member.id);
  const second = await one.cluster.add([joinerUrl], { isLearner: true });
  t.not(second.member.id, first.member.id, 'the re-added member is a new member');
  t.not(second.member.id, memberIdOf([joinerUrl], token), 'and its ID is not the one its URLs alone would give');
  t.ok(Number.isSafeInteger(second.member.id) && second.member.id > 0);
  t.same(second.members.map((member) => member.id).sort(), [(await one.status()).memberId, second.member.id].sort());

  const joinerDir = join(base, 'joiner');
  await mkdir(joinerDir);
  const plan = await planCluster(joinerDir, 'joiner', token, joining('joiner', joinerUrl), discoverCluster);
  t.equal(plan.memberId, second.member.id, 'the joiner takes the ID MemberAdd gave it, told by the running member');
  t.equal(plan.clusterId, (await one.status()).clusterId);
  t.same(plan.peers.map((peer) => peer.id), [(await one.status()).memberId]);
});

t.test('a member started into the cluster without MemberAdd refuses to start, saying to add it first', async (t) => {
  const strangerUrl = `http://127.0.0.1:${strangerPort}`;
  await t.rejects(open({ dir: join(base, 'stranger'), name: 'stranger', clusterToken: token, ...timing, cluster: joining('stranger', strangerUrl) }), {
    name: 'ClusterPlanError',
    message: new RegExp(`^member "stranger" with peer URLs ${strangerUrl} has not been added to cluster [0-9a-f]+ .*add it first on a running member \\(etcdctl member add stranger --peer-urls=${strangerUrl}\\)`),
  });
});
