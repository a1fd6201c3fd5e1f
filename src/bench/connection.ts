/**
 * One gRPC connection (HTTP/2 session) to an etcd-compatible endpoint, with
 * promise-returning unary calls and the bidirectional streams the workloads
 * need, all typed by `src/proto/load.ts`.
 *
 * Each instance owns its own channel (`grpc.use_local_subchannel_pool`):
 * without it grpc-js would quietly share one socket between all "connections"
 * to the same address and `--conns` would measure nothing. Every unary call
 * carries a deadline so a stalled server can never hang a benchmark.
 */
import { isIPv4, isIPv6 } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { unaryCall } from '../proto/unary-call.ts';
import type { Endpoint } from './options.ts';

/** Per-call deadline; a call still unanswered after it counts as an error. */
export const callTimeoutMs = 30_000;

export class EtcdConnection {
  readonly target: string;
  readonly #client: grpc.Client;

  constructor(endpoint: Endpoint) {
    this.target = `${endpoint.host}:${endpoint.port}`;
    this.#client = new grpc.Client(channelTarget(endpoint), grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  /**
   * Resolves once the channel is connected. Rejects at the first failed
   * attempt (a refused connection should not cost the whole timeout), or
   * once `timeoutMs` has passed without an answer.
   */
  waitReady(timeoutMs: number): Promise<void> {
    const channel = this.#client.getChannel();
    const deadlineMs = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY) return resolve();
        if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
          return reject(new Error(`cannot connect to ${this.target}: connection refused or failed (is the server running?)`));
        }
        channel.watchConnectivityState(state, deadlineMs, (error) => {
          if (error === undefined || error === null) check();
          else reject(new Error(`cannot connect to ${this.target} within ${timeoutMs} ms`));
        });
      };
      check();
    });
  }

  /** A unary call; `timeoutMs` shortens the deadline for callers that must not wait the default (e.g. probes during a failover). */
  unary<Req, Res>(method: grpc.MethodDefinition<Req, Res>, request: Req, timeoutMs = callTimeoutMs): Promise<Res> {
    if (!(timeoutMs > 0 && timeoutMs <= callTimeoutMs)) throw new Error(`call timeout must be in (0, ${callTimeoutMs}] ms, got ${timeoutMs}`);
    return unaryCall(this.#client, method, request, timeoutMs);
  }

  bidi<Req, Res>(method: grpc.MethodDefinition<Req, Res>): grpc.ClientDuplexStream<Req, Res> {
    if (!method.requestStream || !method.responseStream) throw new Error(`${method.path} is not a bidirectional stream`);
    return this.#client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * An IP literal is given to grpc-js with its `ipv4:`/`ipv6:` scheme so the
 * channel skips the DNS resolver, whose periodic re-resolution showed up in
 * the generator's CPU profile; host names still go through DNS.
 */
function channelTarget(endpoint: Endpoint): string {
  if (isIPv4(endpoint.host)) return `ipv4:${endpoint.host}:${endpoint.port}`;
  if (endpoint.host.startsWith('[') && isIPv6(endpoint.host.slice(1, -1))) return `ipv6:${endpoint.host}:${endpoint.port}`;
  return `${endpoint.host}:${endpoint.port}`;
}
