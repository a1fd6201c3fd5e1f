/**
 * How the v3lock and v3election services answer, in one place.
 *
 * etcd 3.4 runs both services as clients of its own KV inside the server
 * (etcdserver/api/v3lock and v3election over clientv3/concurrency), so a
 * refusal reaches the caller as gRPC code Unknown carrying the text, whatever
 * code the KV refusal had: "etcdserver: requested lease not found",
 * "etcdserver: key is not provided", "election: not leader" all arrive as
 * Unknown (observed against etcd 3.4.23 on this machine). Clients match on
 * those texts, so Conclave answers the same way.
 *
 * Each call also gets an AbortSignal that fires when the client goes away
 * (cancel, deadline, disconnect, server shutdown), so a waiting Lock or
 * Campaign stops waiting and gives back what it holds.
 *
 * Never: let a recipe refusal keep the KV's own code (an etcd client would
 * then see a different error class than etcd gives it).
 */
import { status, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { EtcdStatusError, toServiceError } from './errors.ts';
import type { ServerMetrics } from './metrics.ts';
import { unaryHandler } from './unary.ts';

/** Texts of clientv3/concurrency and v3election (etcd 3.4), word for word. */
export const recipeErrorTexts = {
  electionNotLeader: 'election: not leader',
  electionNoLeader: 'election: no leader',
  missingLeaderKey: '"leader" field must be provided',
} as const;

export const recipeRefusal = (text: string) => new EtcdStatusError(status.UNKNOWN, text);

/** Any failure as etcd's recipe services report it: code Unknown, the refusal's text. */
export function asRecipeRefusal(error: unknown): EtcdStatusError {
  if (error instanceof EtcdStatusError && error.grpcCode === status.UNKNOWN) return error;
  return recipeRefusal(toServiceError(error).details ?? String(error));
}

/** Aborts when the call is cancelled by the client, its deadline or the server. */
export function cancellationOf(call: Pick<ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>, 'cancelled' | 'once'>): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/** A unary handler of a recipe service: `work` sees the client's cancellation; refusals are etcd's. */
export function recipeUnary<Request, Response>(
  metrics: ServerMetrics,
  service: string,
  method: string,
  work: (request: Request, signal: AbortSignal) => Promise<Response>,
) {
  return unaryHandler<Request, Response>(metrics, service, method, async (request, call) => {
    try {
      return await work(request, cancellationOf(call));
    } catch (error) {
      throw asRecipeRefusal(error);
    }
  });
}
