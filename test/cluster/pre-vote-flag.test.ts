/**
 * `conclave serve --pre-vote` takes effect, as etcd's does: a follower cut
 * off from its peers keeps campaigning, and without pre-vote each campaign
 * raises its term (so it deposes the leader when it comes back); with
 * pre-vote it first asks whether it could win, hears nothing, and its term
 * stays where it was.
 *
 * Terms are only observable by asking (Maintenance.Status on the cut-off
 * member, which still serves its clients), so this polls. The pre-vote case
 * asserts that something does not happen, so it watches a bounded window: at
 * least three of its longest election timeouts.
 */
import t from 'tap';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { partitionsUnsupported, program, recoveryTimeoutMs, startTestCluster, timing } from './support/fault-run.ts';

const callTimeoutMs = 2_000;
const pollIntervalMs = 100;
/** Three of the longest randomized election timeouts ([T, 2T)). */
const watchWindowMs = 3 * 2 * timing.electionTimeoutMs;

async function termOf(client: MemberClient): Promise<bigint> {
  return BigInt(String((await client.status(callTimeoutMs)).raftTerm));
}

/** Polls the term until it passes `above` or the window ends; returns the last term seen. */
async function watchTerm(client: MemberClient, above: bigint, windowMs: number): Promise<bigint> {
  const deadline = Date.now() + windowMs;
  let term = await termOf(client);
  while (term <= above && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    term = await termOf(client);
  }
  return term;
}

for (const preVote of [false, true]) {
  t.test(`${program}: --pre-vote=${preVote}: the term of a follower cut off from its peers`, { skip: partitionsUnsupported }, async (t) => {
    const cluster = await startTestCluster(t, { peerProxy: true, extraFlags: [`--pre-vote=${preVote}`] });
    const { leader } = await findLeader(cluster, recoveryTimeoutMs);
    const follower = otherMember(cluster, leader);
    const client = new MemberClient(cluster.member(follower).endpoint);
    t.teardown(() => client.close());
    const before = await termOf(client);
    cluster.network.isolate(follower);
    const after = await watchTerm(client, before, watchWindowMs);
    if (preVote) t.equal(after, before, `with pre-vote its term stays at ${before} for ${watchWindowMs} ms`);
    else t.ok(after > before, `without pre-vote it raises its term on its own (${before} → ${after})`);
    cluster.network.heal();
    await findLeader(cluster, recoveryTimeoutMs);
  });
}
