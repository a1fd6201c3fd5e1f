/**
 * Turns an async function into a grpc-js unary handler that answers with
 * the function's result or with the refusal's etcd status, and records the
 * call in the metrics. Every unary RPC of every service goes through here,
 * so refusals are mapped in exactly one place.
 *
 * Never: let a rejection escape unanswered (the client would hang until its deadline).
 */
import { status, type handleUnaryCall, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { toServiceError } from './errors.ts';
import type { ServerMetrics } from './metrics.ts';

export function unaryHandler<Request, Response>(
  metrics: ServerMetrics,
  service: string,
  method: string,
  /** `call` is there for work that must notice the client going away (its 'cancelled' event). */
  work: (request: Request, call: ServerUnaryCall<Request, Response>) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  const observe = metrics.observerFor('unary', service, method);
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const startedMs = performance.now();
    // An async wrapper so a synchronous throw (a malformed field) is a rejection too.
    const run = async () => work(call.request, call);
    run().then(
      (response) => {
        observe(status.OK, startedMs);
        callback(null, response);
      },
      (error: unknown) => {
        const serviceError = toServiceError(error);
        observe(serviceError.code ?? status.UNKNOWN, startedMs);
        callback(serviceError);
      },
    );
  };
}
