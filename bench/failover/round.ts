/**
 * One failover round on a running 3-member cluster: wait until the members
 * agree on a leader, trickle puts to the followers (so the kill does not
 * just cut the client's own connection), see one acknowledged, kill -9 the
 * leader, and time the kill to the first acknowledged put sent after it.
 * Then wait for the survivors to agree on the new leader and restart the
 * killed member from its data directory, so the next round starts from
 * three healthy members again. Every wait is bounded.
 */
import { randomBytes } from 'node:crypto';
import { EtcdConnection } from '../../src/bench/connection.ts';
import { describeLoad } from '../../src/bench/index.ts';
import { parseEndpoints } from '../../src/bench/options.ts';
import type { LocalCluster } from '../../src/cli/local-cluster/launcher.ts';
import { etcdMethods } from '../../src/proto/load.ts';
import { waitForAgreedLeader } from './leader.ts';
import { PutTrickle } from './put-trickle.ts';

export interface RoundSettings {
  putIntervalMs: number;
  failoverTimeoutMs: number;
}

export interface RoundResult {
  round: number;
  killedLeader: string;
  newLeader: string;
  failoverMs: number;
  /** Puts that failed between the start of the trickle and the measurement. */
  failedPuts: number;
  /** The last of those failures' messages (how the target refuses a write without a leader), or null. */
  lastPutError: string | null;
  /** Load average (1, 5, 15 min) just before the kill. */
  loadAverage: string;
}

/** Bound on a cluster settling (leader agreed, restarted member caught up) between rounds. */
const settleTimeoutMs = 60_000;
/** Bound on the first put of the trickle while the cluster is healthy. */
const warmUpTimeoutMs = 10_000;
const connectTimeoutMs = 5_000;
/** Puts waiting for an answer at once; past it the trickle skips ticks. */
const inFlightMax = 4_000;
const valueBytes = randomBytes(64);

export async function runFailoverRound(cluster: LocalCluster, round: number, settings: RoundSettings): Promise<RoundResult> {
  const killedLeader = await waitForAgreedLeader(cluster.members, settleTimeoutMs);
  const followers = cluster.members.filter((member) => member.name !== killedLeader);
  if (followers.length === 0) throw new Error('failover round: the cluster has no follower to write through');
  const conns = parseEndpoints(followers.map((member) => member.endpoint).join(',')).map((endpoint) => new EtcdConnection(endpoint));
  const trickle = new PutTrickle(
    (seq) => {
      const conn = conns[seq % conns.length];
      if (conn === undefined) throw new Error('failover round: no connection');
      return conn.unary(etcdMethods.put, { key: Buffer.from(`failover/${round}/${seq}`), value: valueBytes }, settings.failoverTimeoutMs);
    },
    settings.putIntervalMs,
    inFlightMax,
  );
  let failoverMs: number;
  let loadAverage: string;
  let failedPuts: number;
  let lastPutError: string | null;
  try {
    await Promise.all(conns.map((conn) => conn.waitReady(connectTimeoutMs)));
    trickle.start();
    await trickle.ackOfPutSentAfter(performance.now(), warmUpTimeoutMs);
    loadAverage = describeLoad();
    const killMs = performance.now();
    await cluster.kill(killedLeader, 'SIGKILL');
    const ack = await trickle.ackOfPutSentAfter(killMs, settings.failoverTimeoutMs);
    failoverMs = ack.ackMs - killMs;
    failedPuts = trickle.counts.failed;
    lastPutError = trickle.lastError;
  } finally {
    trickle.stop();
    for (const conn of conns) conn.close();
  }
  const newLeader = await waitForAgreedLeader(followers, settleTimeoutMs);
  await cluster.restart(killedLeader);
  return { round, killedLeader, newLeader, failoverMs: Math.round(failoverMs * 10) / 10, failedPuts, lastPutError, loadAverage };
}
