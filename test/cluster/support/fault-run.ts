/**
 * The frame every fault test shares: a 3-member cluster with fast Raft
 * timings (heartbeat 50 ms, election 500 ms) stopped by t.teardown, client
 * load over all members, and the three end-of-run checks. The program is
 * Conclave; CONCLAVE_CLUSTER_PROGRAM=etcd runs the same scenarios against
 * real etcd 3.4 to prove the harness (skipped cleanly when etcd is absent).
 */
import type { Test } from 'tap';
import { startCluster, type ClusterProgram, type ClusterSpec, type LocalCluster } from '../../../src/cli/local-cluster/launcher.ts';
import { defaultEtcdBinary } from '../../../src/cli/local-cluster/programs.ts';
import { missingProgram } from '../../support/real-programs.ts';
import { ClientLoad, type LoadResult } from './client-load.ts';
import { hashKvProblems, linearizabilityProblems, lostWriteProblems } from './cluster-checks.ts';
import { MemberClient } from './member-client.ts';

export const timing = { heartbeatIntervalMs: 50, electionTimeoutMs: 500 } as const;
/** Bound on waiting for the cluster to serve clients again after a fault (elections, restarts, catch-up). */
export const recoveryTimeoutMs = 20_000;
/** Bound on a member's start: Conclave members load TypeScript through tsx, slow on a busy 2-core machine. */
export const startTimeoutMs = 60_000;
/** Acknowledged operations that show the cluster serving (before a fault, after it). */
export const progressOps = 150;

function programUnderTest(): ClusterProgram {
  const chosen = process.env['CONCLAVE_CLUSTER_PROGRAM'] ?? 'conclave';
  if (chosen !== 'conclave' && chosen !== 'etcd') throw new Error(`CONCLAVE_CLUSTER_PROGRAM must be conclave or etcd, got ${chosen}`);
  return chosen;
}

export const program: ClusterProgram = programUnderTest();

/** false when the program can run; otherwise the reason to skip (etcd only: Conclave needs nothing outside the repo). */
export const programMissing: false | string = program === 'etcd' ? missingProgram(defaultEtcdBinary, 'apt-get install -y etcd-server') : false;

/** Skip reason for partition scenarios: only Conclave's members dial from their own address. */
export const partitionsUnsupported: false | string = programMissing || (program === 'etcd' ? 'etcd dials peers from 127.0.0.1: the proxy cannot partition it' : false);

export async function startTestCluster(t: Test, spec: Partial<ClusterSpec> = {}): Promise<LocalCluster> {
  const cluster = await startCluster({ program, size: 3, ...timing, stopGraceMs: 1_000, readyTimeoutMs: startTimeoutMs, ...spec });
  t.teardown(() => cluster.stop());
  return cluster;
}

export function startLoad(t: Test, cluster: LocalCluster, seed: number): ClientLoad {
  const load = ClientLoad.start({
    endpoints: () => cluster.endpoints,
    clients: 6,
    keyCount: 6,
    opTimeoutMs: 2_000,
    seed,
    keyPrefix: 'k',
  });
  t.teardown(() => load.stop());
  return load;
}

/** Linearizable, no acknowledged write lost, equal HashKV on every member of `cluster`. */
export async function verifyRun(t: Test, cluster: LocalCluster, result: LoadResult): Promise<void> {
  t.comment(`history: ${result.operations.length} operations, ${JSON.stringify(result.counts)}`);
  t.ok(result.counts.acknowledged >= 2 * progressOps, 'clients got answers before and after the fault');
  t.same(linearizabilityProblems(result), [], 'the history is linearizable');
  const reader = new MemberClient(cluster.endpoints[0] ?? '');
  try {
    t.same(await lostWriteProblems(reader, result), [], `every acknowledged write (${result.acknowledgedWrites.length}) is readable at its revision`);
  } finally {
    reader.close();
  }
  t.same(await hashKvProblems(cluster.endpoints), [], 'every member has the same HashKV at one revision');
}
