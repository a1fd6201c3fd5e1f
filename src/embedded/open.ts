/**
 * `open()`: the embedded entry point. Starts a one-member cluster whose data
 * lives in `dir`, validating options up front with messages that say what to
 * change.
 */
import { mkdir } from 'node:fs/promises';
import { ETCD_DEFAULT_LIMITS } from '../../actors/applier/mvcc/index.ts';
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { startMember, type MemberPlacement } from '../../actors/member/start-member.ts';
import { Conclave } from './conclave.ts';

export interface OpenOptions {
  /** The data directory (created if missing). */
  readonly dir: string;
  /** The member's name; with `clusterToken` it fixes the member's identity in `dir`. Default "default". */
  readonly name?: string;
  readonly clusterToken?: string;
  /** Where the member's actors run. Default 'one-worker'. */
  readonly placement?: MemberPlacement;
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
  await mkdir(options.dir, { recursive: true });
  const memberId = memberIdOf([`embedded:${name}`], clusterToken);
  const member = await startMember({
    dataDir: options.dir,
    memberId,
    clusterId: clusterIdOf([memberId], clusterToken),
    voters: [memberId],
    heartbeatIntervalMs,
    electionTimeoutMs,
    preVote: true,
    placement: options.placement ?? 'one-worker',
    watchProgressIntervalMs: positiveInteger('watchProgressIntervalMs', options.watchProgressIntervalMs ?? 10 * 60_000),
  });
  return new Conclave(member, limits);
}
