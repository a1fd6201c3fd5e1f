/**
 * The Raft core's options: defaults and validation up front, so a bad value
 * fails at construction with a message that says what to change, never
 * later in the middle of an election. The core reads only the normalized
 * `RaftConfig` this module returns.
 */
import { RaftOptionsError } from './errors.ts';
import { NO_NODE } from './types.ts';
import type { NodeId } from './types.ts';

export interface RaftOptions {
  /** This member's ID: a positive safe integer. */
  readonly id: NodeId;
  /**
   * The only source of randomness (election timeouts): returns a number in
   * [0, 1). Inject a seeded generator to make runs replayable.
   */
  readonly random: () => number;
  /** Election timeout T in ticks; each election waits a random time in [T, 2T). Default 10. */
  readonly electionTimeoutTicks?: number;
  /** The leader sends heartbeats every this many ticks. Default 1. Must be < electionTimeoutTicks. */
  readonly heartbeatTimeoutTicks?: number;
  /** Ask for pre-votes before bumping the term (a rejoining member does not disrupt the cluster). Default true. */
  readonly preVote?: boolean;
  /**
   * A leader that hears from no quorum for an election timeout steps down,
   * and followers ignore vote requests while they hear from a leader. Default true.
   */
  readonly checkQuorum?: boolean;
  /** Append messages in flight per follower while replicating. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Payload bytes per append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxSizePerMsgBytes?: number;
  /** Payload bytes the leader accepts beyond its commit index before dropping proposals. Default 64 MiB. */
  readonly maxUncommittedEntriesBytes?: number;
  /** Payload bytes of committed entries handed out in one Ready (at least one entry). Default 64 MiB. */
  readonly maxCommittedBytesPerReady?: number;
  /** Read-index requests waiting for confirmation at once. Default 4096. */
  readonly maxPendingReadIndex?: number;
  /**
   * Serve linearizable reads from the leader's lease without a heartbeat
   * round. Clock-dependent: safe only while members' tick rates agree within
   * one tick per election timeout and messages are not delayed beyond it.
   * Requires checkQuorum. Default false.
   */
  readonly leaseRead?: boolean;
  /**
   * A follower forwards proposals to the leader it knows instead of throwing
   * NotLeaderError. Forwarded proposals can be lost silently (the caller must
   * time out and retry), which is why the default is false.
   */
  readonly forwardProposals?: boolean;
  /** Entries kept before a compaction point for slow followers. Default 5000 (etcd's). */
  readonly compactionKeepEntries?: number;
  /** A snapshot not acknowledged after this many ticks is offered again. Default 3 × electionTimeoutTicks. */
  readonly snapshotRetryTicks?: number;
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly random: () => number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatTimeoutTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightMsgs: number;
  readonly maxSizePerMsgBytes: number;
  readonly maxUncommittedEntriesBytes: number;
  readonly maxCommittedBytesPerReady: number;
  readonly maxPendingReadIndex: number;
  readonly leaseRead: boolean;
  readonly forwardProposals: boolean;
  readonly compactionKeepEntries: number;
  readonly snapshotRetryTicks: number;
}

const MIB = 1024 * 1024;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RaftOptionsError(name, `must be a positive integer, got ${String(value)}`);
  return v;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new RaftOptionsError(name, `must be a non-negative integer, got ${String(value)}`);
  return v;
}

export function normalizeOptions(options: RaftOptions): RaftConfig {
  if (!Number.isSafeInteger(options.id) || options.id <= NO_NODE) {
    throw new RaftOptionsError('id', `must be a positive safe integer, got ${String(options.id)}`);
  }
  if (typeof options.random !== 'function') {
    throw new RaftOptionsError('random', 'must be a function returning numbers in [0, 1) (inject a seeded PRNG)');
  }
  const electionTimeoutTicks = positiveInteger('electionTimeoutTicks', options.electionTimeoutTicks, 10);
  const heartbeatTimeoutTicks = positiveInteger('heartbeatTimeoutTicks', options.heartbeatTimeoutTicks, 1);
  if (heartbeatTimeoutTicks >= electionTimeoutTicks) {
    throw new RaftOptionsError('heartbeatTimeoutTicks', `must be below electionTimeoutTicks (${electionTimeoutTicks}), got ${heartbeatTimeoutTicks}`);
  }
  const checkQuorum = options.checkQuorum ?? true;
  const leaseRead = options.leaseRead ?? false;
  if (leaseRead && !checkQuorum) {
    throw new RaftOptionsError('leaseRead', 'needs checkQuorum: true (followers must refuse votes while a leader holds its lease)');
  }
  if (leaseRead && electionTimeoutTicks < 3) {
    throw new RaftOptionsError('leaseRead', 'needs electionTimeoutTicks >= 3 (two ticks are kept as a margin for clock phase and drift)');
  }
  return {
    id: options.id,
    random: options.random,
    electionTimeoutTicks,
    heartbeatTimeoutTicks,
    preVote: options.preVote ?? true,
    checkQuorum,
    maxInflightMsgs: positiveInteger('maxInflightMsgs', options.maxInflightMsgs, 256),
    maxSizePerMsgBytes: positiveInteger('maxSizePerMsgBytes', options.maxSizePerMsgBytes, MIB),
    maxUncommittedEntriesBytes: positiveInteger('maxUncommittedEntriesBytes', options.maxUncommittedEntriesBytes, 64 * MIB),
    maxCommittedBytesPerReady: positiveInteger('maxCommittedBytesPerReady', options.maxCommittedBytesPerReady, 64 * MIB),
    maxPendingReadIndex: positiveInteger('maxPendingReadIndex', options.maxPendingReadIndex, 4096),
    leaseRead,
    forwardProposals: options.forwardProposals ?? false,
    compactionKeepEntries: nonNegativeInteger('compactionKeepEntries', options.compactionKeepEntries, 5000),
    snapshotRetryTicks: positiveInteger('snapshotRetryTicks', options.snapshotRetryTicks, 3 * electionTimeoutTicks),
  };
}
