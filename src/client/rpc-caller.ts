/**
 * Unary calls over the endpoint pool, each with a deadline, retried by the
 * retry policy (see retry-policy.ts for when and why) onto the next healthy
 * endpoint. A gRPC failure that is not retried becomes a ConclaveError with
 * the server's status code and message, exactly as the embedded handle
 * refuses, so callers match on the same `grpcCode` and text either way.
 *
 * Never: sleep through close() (waits are aborted), or loop past the
 * configured number of attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { ClosedError, ConclaveError } from '../embedded/errors.ts';
import { unaryCall } from '../proto/unary-call.ts';
import { withConnectionHint } from './connection-hints.ts';
import type { EndpointChannel, EndpointPool } from './endpoint-pool.ts';
import { backoffMs, isCallFailure, isRetryable, neverSent, type BackoffOptions, type CallFailure, type RetryPolicy } from './retry-policy.ts';

export interface CallOptions {
  /** Send to this endpoint only (no failover): calls that must reach one member, e.g. MoveLeader to the leader. */
  readonly channel?: EndpointChannel;
  readonly timeoutMs?: number;
}

/**
 * The server's status as the embedded handle's error; a connection that could
 * not be set up gets advice on what to change (`secure`: the client speaks TLS).
 */
export function toConclaveError(failure: CallFailure, secure: boolean): ConclaveError {
  const message = neverSent(failure) ? withConnectionHint(failure.details, secure) : failure.details;
  return new ConclaveError({ grpcCode: failure.code, message });
}

/** Failures that say the endpoint itself is unreachable, not that the member refused the request. */
export function isEndpointFailure(failure: CallFailure): boolean {
  return neverSent(failure) || (failure.code === 14 && !failure.details.startsWith('etcdserver:'));
}

export class RpcCaller {
  private readonly closing = new AbortController();

  constructor(
    readonly pool: EndpointPool,
    private readonly backoff: BackoffOptions,
    private readonly callTimeoutMs: number,
  ) {}

  get closeSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Attempts in all for one call or one stream, the first included. */
  get backoffAttempts(): number {
    return this.backoff.maxAttempts;
  }

  assertOpen(): void {
    if (this.closing.signal.aborted) throw new ClosedError();
  }

  async unary<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req, policy: RetryPolicy, options: CallOptions = {}): Promise<Res> {
    for (let attempt = 1; ; attempt += 1) {
      this.assertOpen();
      const channel = options.channel ?? this.pool.pick();
      try {
        const response = await unaryCall(channel.client, method, request, options.timeoutMs ?? this.callTimeoutMs);
        this.pool.markUp(channel);
        return response;
      } catch (error) {
        if (!isCallFailure(error)) throw error;
        const unreachable = isEndpointFailure(error);
        if (unreachable) this.pool.markDown(channel);
        // A call pinned to one endpoint has nowhere else to go: an unreachable endpoint is final.
        const pinnedAndDown = options.channel !== undefined && unreachable;
        if (attempt >= this.backoff.maxAttempts || pinnedAndDown || !isRetryable(policy, error)) throw toConclaveError(error, this.pool.secure);
        await this.pause(attempt);
      }
    }
  }

  /** Waits before retry `attempt`; close() cuts the wait short with ClosedError. */
  async pause(attempt: number): Promise<void> {
    const waitMs = backoffMs(this.backoff, attempt);
    try {
      await sleep(waitMs, undefined, { signal: this.closing.signal });
    } catch {
      throw new ClosedError();
    }
  }

  close(): void {
    this.closing.abort();
    this.pool.close();
  }
}
