/**
 * `open()`: the embedded entry point. Starts a member whose data lives in
 * `dir`: alone (the default), or as one member of a cluster when `cluster`
 * is given (then it listens for its peers). Options are validated up front
 * with messages that say what to change.
 */
import { mkdir } from 'node:fs/promises';
import { ETCD_DEFAULT_LIMITS } from '../../actors/applier/mvcc/index.ts';
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { startMember, type MemberOptions, type MemberPlacement } from '../../actors/member/start-member.ts';
import type { PeerTlsArgs } from '../../actors/transport/transport-args.ts';
import { discoverCluster } from '../../actors/transport/discover.ts';
import { planCluster, type ClusterBootstrap } from './cluster-plan.ts';
import { Conclave } from './conclave.ts';
import { quotaBytesOf } from './backend-quota.ts';

export interface ClusterOptions extends ClusterBootstrap {
  /** Where this member listens for peers (etcd's --listen-peer-urls). Default: its own URLs in `initialCluster`. */
  readonly listenPeerUrls?: readonly string[];
  /** Peer TLS (etcd's --peer-* flags); null or absent: plain TCP. */
  readonly peerTls?: PeerTlsArgs | null;
}

export interface OpenOptions {
  /** The data directory (created if missing). */
  readonly dir: string;
  /** The member's name; with `clusterToken` it fixes the member's identity in `dir`. Default "default". */
  readonly name?: string;
  readonly clusterToken?: string;
  /**
   * Where the member's actors run: 'one-worker' (default: all on one worker
   * thread), 'two-workers' (raft, log writer and transport on one; applier,
   * watch hub and lease wheel on the other), 'per-actor' (one worker each), or
   * { groups: { name: [actor names] } } (one worker per group; names: raft,
   * log-writer, applier, watch-hub, lease-wheel, transport).
   */
  readonly placement?: MemberPlacement;
  /**
   * Nice value (0..19) of the member's worker threads, so the host's own
   * thread gets a CPU first when they compete (Linux; ignored elsewhere and
   * by 'host-thread'). Default 0 (DEFAULT_WORKER_NICE): they run like the host.
   */
  readonly workerNice?: number;
  /**
   * etcd's --pre-vote: a member whose election timer fires first asks whether
   * it could win before it raises its term, so a member cut off and back
   * does not depose a working leader. Default true (etcd 3.5's default; etcd
   * 3.4's is false); `conclave serve` follows its --pre-vote flag.
   */
  readonly preVote?: boolean;
  /** etcd's --heartbeat-interval. Default 100. */
  readonly heartbeatIntervalMs?: number;
  /** etcd's --election-timeout. Default 1000. */
  readonly electionTimeoutMs?: number;
  /** etcd's --max-request-bytes. Default 1,572,864. */
  readonly maxRequestBytes?: number;
  /** etcd's --max-txn-ops. Default 128. */
  readonly maxTxnOps?: number;
  /** Period of progress notifications for watches that ask for them. Default 10 min (etcd's). */
  readonly watchProgressIntervalMs?: number;
  /** etcd's --snapshot-count: applied entries between snapshots (the log is compacted after each). Default 100,000. */
  readonly snapshotCountEntries?: number;
  /** Log entries kept behind a snapshot so slow followers catch up without one. Default 5,000 (etcd's). */
  readonly snapshotCatchUpEntries?: number;
  /**
   * etcd's --quota-backend-bytes: past it, writes that add data are refused
   * (NoSpaceError) and the NOSPACE alarm is raised. 0: the default, 2 GiB;
   * negative: no quota. The size counted is Conclave.status().backendBytes.
   */
  readonly quotaBackendBytes?: number;
  /**
   * How often the leader checkpoints leases' remaining TTLs through Raft, so a
   * new leader or a restarted member resumes them instead of restarting them.
   * Default 5 min (etcd's); leases no longer than it are never checkpointed.
   */
  readonly leaseCheckpointIntervalMs?: number;
  /** Run as one member of a cluster (see ClusterOptions). Default: a member alone. */
  readonly cluster?: ClusterOptions;
}

/**
 * The member's workers run at the host's priority unless asked otherwise.
 * Measured (bench/RESULTS.md "Worker priority"): nice 10 lowered the host's
 * event-loop p99 under 256 put callers (quiet: 6.94 → 5.00 ms; busy machine:
 * 9.83 → 5.02 ms) but cost throughput (quiet: 27.3k → 23.8k puts/s, 60.8k →
 * 47.8k serializable gets/s; busy: -40%), because a reniced worker yields to
 * every other process too, not only to the host. A coordination member that
 * falls behind under load answers keep-alives late, so the faster choice is
 * the default and the host's priority is the option.
 */
export const DEFAULT_WORKER_NICE = 0;

type Identity = Pick<MemberOptions, 'memberId' | 'clusterId' | 'voters' | 'initialMembers' | 'peer'>;

function listenAddress(text: string): { host: string; port: number } {
  const url = new URL(text);
  // URL keeps IPv6 hosts in brackets; net.listen wants them bare.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 80 : Number(url.port) };
}

async function clusterIdentity(dir: string, name: string, clusterToken: string, cluster: ClusterOptions): Promise<Identity> {
  const plan = await planCluster(dir, name, clusterToken, cluster, discoverCluster);
  return {
    memberId: plan.memberId,
    clusterId: plan.clusterId,
    voters: plan.bootstrapVoters,
    initialMembers: plan.initialMembers,
    peer: { listen: (cluster.listenPeerUrls ?? plan.peerUrls).map(listenAddress), peers: plan.peers, tls: cluster.peerTls ?? null },
  };
}

function aloneIdentity(name: string, clusterToken: string): Identity {
  const memberId = memberIdOf([`embedded:${name}`], clusterToken);
  return {
    memberId,
    clusterId: clusterIdOf([memberId], clusterToken),
    voters: [memberId],
    initialMembers: [{ id: memberId, name, peerUrls: [], clientUrls: [], isLearner: false }],
    peer: null,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`open(): ${name} must be a positive integer, got ${value}`);
  return value;
}

export async function open(options: OpenOptions): Promise<Conclave> {
  if (typeof options?.dir !== 'string' || options.dir === '') {
    throw new TypeError('open(): dir must name a data directory, for example { dir: "./data.conclave" }');
  }
  const name = options.name ?? 'default';
  const clusterToken = options.clusterToken ?? 'etcd-cluster';
  const heartbeatIntervalMs = positiveInteger('heartbeatIntervalMs', options.heartbeatIntervalMs ?? 100);
  const electionTimeoutMs = positiveInteger('electionTimeoutMs', options.electionTimeoutMs ?? 1000);
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    throw new TypeError(`open(): electionTimeoutMs (${electionTimeoutMs}) should be at least 5 times heartbeatIntervalMs (${heartbeatIntervalMs})`);
  }
  const limits = {
    maxRequestBytes: positiveInteger('maxRequestBytes', options.maxRequestBytes ?? ETCD_DEFAULT_LIMITS.maxRequestBytes),
    maxTxnOps: positiveInteger('maxTxnOps', options.maxTxnOps ?? ETCD_DEFAULT_LIMITS.maxTxnOps),
  };
  const quotaBytes = quotaBytesOf(options.quotaBackendBytes ?? 0);
  await mkdir(options.dir, { recursive: true });
  const identity = options.cluster ? await clusterIdentity(options.dir, name, clusterToken, options.cluster) : aloneIdentity(name, clusterToken);
  const member = await startMember({
    dataDir: options.dir,
    ...identity,
    heartbeatIntervalMs,
    electionTimeoutMs,
    preVote: options.preVote ?? true,
    placement: options.placement ?? 'one-worker',
    workerNice: options.workerNice ?? DEFAULT_WORKER_NICE,
    snapshotCountEntries: positiveInteger('snapshotCountEntries', options.snapshotCountEntries ?? 100_000),
    snapshotCatchUpEntries: positiveInteger('snapshotCatchUpEntries', options.snapshotCatchUpEntries ?? 5_000),
    watchProgressIntervalMs: positiveInteger('watchProgressIntervalMs', options.watchProgressIntervalMs ?? 10 * 60_000),
    ...(options.leaseCheckpointIntervalMs === undefined ? {} : { leaseCheckpointIntervalMs: positiveInteger('leaseCheckpointIntervalMs', options.leaseCheckpointIntervalMs) }),
  });
  return new Conclave(member, limits, clusterToken, quotaBytes);
}
