/**
 * When the client may send a failed call again, following etcd 3.4's
 * clientv3 (clientv3/retry.go, retry_interceptor.go):
 *
 * - Repeatable calls (Range, the Lease calls, MemberList, Status, HashKV,
 *   MoveLeader) are retried on any UNAVAILABLE status: "etcdserver: leader
 *   changed", "etcdserver: no leader", "etcdserver: request timed out", a
 *   dropped connection. Sending them twice changes nothing (LeaseGrant may
 *   leave an extra lease that expires on its own, as with clientv3).
 * - Non-repeatable calls (Put, DeleteRange, Txn, Compact, MemberAdd/Remove/
 *   Promote) are retried only when the request provably never left this
 *   process: clientv3 retries them only on gRPC's "there is no address/
 *   connection available". A put that reached a server and then failed with
 *   "leader changed" or a dropped connection has an unknown outcome (it may
 *   commit later), so it is handed to the caller, never sent again.
 *   grpc-js says the same thing as "No connection established" (the channel
 *   had no ready connection, so nothing was written) and "Name resolution
 *   failed".
 * - One refinement over clientv3: a Txn that only reads is repeatable (it
 *   changes nothing), as the embedded handle also serves it without Raft.
 * - DEADLINE_EXCEEDED and CANCELLED are never retried: the caller's time is up.
 *
 * Never: retry a non-repeatable call on anything but a provably unsent
 * request, and never retry without a bound (attempts and total backoff).
 */
import { status } from '@grpc/grpc-js';

export type RetryPolicy = 'repeatable' | 'non-repeatable';

/** The parts of a grpc-js ServiceError this policy reads. */
export interface CallFailure {
  readonly code: number;
  readonly details: string;
}

/** grpc-js texts for a call that failed before any byte of it was sent. */
const NEVER_SENT_PREFIXES = ['No connection established', 'Name resolution failed', 'failed to connect to all addresses'] as const;

export function isCallFailure(error: unknown): error is CallFailure {
  return (
    typeof error === 'object' && error !== null &&
    typeof (error as { code?: unknown }).code === 'number' && typeof (error as { details?: unknown }).details === 'string'
  );
}

/** True when the request never reached a server: the endpoint, not the request, was at fault. */
export function neverSent(failure: CallFailure): boolean {
  return failure.code === status.UNAVAILABLE && NEVER_SENT_PREFIXES.some((prefix) => failure.details.startsWith(prefix));
}

export function isRetryable(policy: RetryPolicy, failure: CallFailure): boolean {
  if (failure.code !== status.UNAVAILABLE) return false;
  return policy === 'repeatable' || neverSent(failure);
}

export interface BackoffOptions {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const defaultBackoff: BackoffOptions = { maxAttempts: 8, initialBackoffMs: 25, maxBackoffMs: 1_000 };

export function checkBackoff(options: BackoffOptions): void {
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1 || options.maxAttempts > 100) {
    throw new RangeError(`retry maxAttempts must be an integer in 1..100, got ${options.maxAttempts}`);
  }
  if (!(options.initialBackoffMs >= 0 && options.maxBackoffMs >= options.initialBackoffMs && options.maxBackoffMs <= 60_000)) {
    throw new RangeError('retry backoff must satisfy 0 <= initialBackoffMs <= maxBackoffMs <= 60000');
  }
}

/**
 * The wait before attempt `attempt` (1 = the first retry): doubling from
 * the initial backoff up to the cap. The first retry goes out at once when
 * it is to another endpoint, since the failure belonged to the old one.
 */
export function backoffMs(options: BackoffOptions, attempt: number): number {
  if (attempt <= 1) return 0;
  return Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** (attempt - 2));
}
