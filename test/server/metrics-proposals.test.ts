/**
 * Pending and failed proposals, as /metrics shows them: a member that added
 * a second voter which never starts has lost its quorum, so that change
 * stays pending in its log, and a proposal it refuses is counted as failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import { ConclaveError, open } from '../../src/index.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { parseSamples, sample, type Samples } from './metrics-scrape.ts';

const dir = await mkdtemp(join(tmpdir(), 'conclave-metrics-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const ownPort = await freePort();
/** Never listened on: the members added here never start. */
const absentPorts = [await freePort(), await freePort()];
// The leader steps down (CheckQuorum) one or two election timeouts after it loses its quorum.
const db = await open({
  dir,
  heartbeatIntervalMs: 10,
  electionTimeoutMs: 500,
  name: 'one',
  cluster: { initialCluster: { one: [`http://127.0.0.1:${ownPort}`] } },
});
t.teardown(() => db.close());
const metrics = new ServerMetrics({
  status: () => db.status(),
  leaseCount: async () => (await db.lease.leases()).length,
  stats: () => db.stats(),
  watchStreams: () => 0,
  watchers: () => 0,
});
const samples = async () => parseSamples(await metrics.text());

/** Settles with what the promise ended with, so a refusal can be looked at later. */
const outcomeOf = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => value, (error: unknown) => error);



/**
 * Scrapes until `accept` holds: the raft actor announces neither an entry it
 * appended nor a step-down, so this is a bounded poll (each scrape is a few
 * asks to the member).
 */
async function samplesWhen(accept: (samples: Samples) => boolean, what: string, maxScrapes = 2_000): Promise<Samples> {
  for (let scrape = 0; scrape < maxScrapes; scrape += 1) {
    const found = await samples();
    if (accept(found)) return found;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`/metrics never showed ${what} in ${maxScrapes} scrapes`);
}

t.test('an entry the lost quorum cannot commit is pending; a refused proposal is failed', async (t) => {
  await db.put('first', 'v');
  const healthy = await samples();
  t.equal(sample(healthy, 'etcd_server_proposals_pending'), 0);
  t.equal(sample(healthy, 'etcd_server_proposals_failed_total'), 0);
  t.equal(sample(healthy, 'etcd_server_leader_changes_seen_total'), 1);

  // The new voter counts from the moment its change is in the log, and it never starts:
  // from then on nothing commits, the change included.
  const adding = outcomeOf(db.cluster.add([`http://127.0.0.1:${absentPorts[0]}`]));
  const stalled = await samplesWhen((found) => sample(found, 'etcd_server_proposals_pending') > 0, 'a pending proposal');
  t.equal(sample(stalled, 'etcd_server_proposals_pending'), 1, 'the change waits in the log');
  t.ok(sample(stalled, 'etcd_server_proposals_committed_total') < sample(stalled, 'conclave_raft_index'), 'its entry is not committed');

  // One membership change at a time: a leader refuses a second while the first is uncommitted
  // (and a member that already stepped down for want of a quorum refuses it once no leader shows up).
  const refused = await outcomeOf(db.cluster.add([`http://127.0.0.1:${absentPorts[1]}`]));
  t.ok(refused instanceof ConclaveError, `the second change was refused (${String(refused)})`);
  const failed = await samples();
  t.equal(sample(failed, 'etcd_server_proposals_failed_total'), 1, 'the refusal is counted');
  t.equal(sample(failed, 'etcd_server_proposals_pending'), 1, 'the first change still waits');

  // CheckQuorum: a leader that hears from no quorum steps down (then closing hands leadership to nobody).
  const leaderless = await samplesWhen((found) => sample(found, 'etcd_server_has_leader') === 0, 'the leader stepping down');
  t.equal(sample(leaderless, 'etcd_server_leader_changes_seen_total'), 1, 'losing the leader is no leader change');
  await db.close();
  t.ok((await adding) instanceof ConclaveError, 'closing refuses the pending change');
});
