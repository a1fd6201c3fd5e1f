/**
 * One gRPC channel per endpoint and the round-robin that spreads calls over
 * the healthy ones. An endpoint is unhealthy while its channel reports
 * TRANSIENT_FAILURE or for a cool-down after a call found it unreachable;
 * when every endpoint is unhealthy the one that failed longest ago is tried,
 * so a cluster coming back is found without a separate prober.
 *
 * Each channel has its own subchannel pool: grpc-js would otherwise share one
 * socket between clients to the same address, and closing one client would
 * cut the others' calls.
 *
 * Never: hand out a channel after close(), or keep a timer that outlives it.
 */
import * as grpc from '@grpc/grpc-js';
import type { ClientEndpoint } from './endpoints.ts';
import type { TransportSecurity } from './transport-security.ts';

/** An endpoint that refused a connection is skipped this long (unless nothing better is left). */
export const endpointCooldownMs = 1_000;
/** Watch and snapshot messages can be large; etcd's own client accepts up to 2 GiB, this is ample for a member's responses. */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024;

export interface EndpointChannel {
  readonly endpoint: ClientEndpoint;
  readonly client: grpc.Client;
  /** Wall-clock ms until which this endpoint is skipped; 0 when healthy. */
  downUntilMs: number;
}

export class EndpointPool {
  private readonly channels: readonly EndpointChannel[];
  private nextIndex = 0;
  private closed = false;
  /** True when the channels speak TLS. */
  readonly secure: boolean;

  constructor(endpoints: readonly ClientEndpoint[], security: TransportSecurity) {
    if (endpoints.length === 0) throw new Error('EndpointPool needs at least one endpoint');
    this.secure = security.secure;
    this.channels = endpoints.map((endpoint) => ({
      endpoint,
      client: new grpc.Client(endpoint.target, security.credentials, {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
      }),
      downUntilMs: 0,
    }));
  }

  get size(): number {
    return this.channels.length;
  }

  all(): readonly EndpointChannel[] {
    this.assertOpen();
    return this.channels;
  }

  /** The next healthy endpoint in round-robin order, or the least recently failed one. */
  pick(): EndpointChannel {
    this.assertOpen();
    const nowMs = Date.now();
    for (let step = 0; step < this.channels.length; step += 1) {
      const channel = this.channels[(this.nextIndex + step) % this.channels.length]!;
      if (isHealthy(channel, nowMs)) {
        this.nextIndex = (this.nextIndex + step + 1) % this.channels.length;
        return channel;
      }
    }
    const fallback = this.channels.reduce((best, channel) => (channel.downUntilMs < best.downUntilMs ? channel : best));
    this.nextIndex = (this.channels.indexOf(fallback) + 1) % this.channels.length;
    return fallback;
  }

  markDown(channel: EndpointChannel): void {
    channel.downUntilMs = Date.now() + endpointCooldownMs;
  }

  markUp(channel: EndpointChannel): void {
    channel.downUntilMs = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels) channel.client.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EndpointPool used after close()');
  }
}

function isHealthy(channel: EndpointChannel, nowMs: number): boolean {
  if (channel.downUntilMs > nowMs) return false;
  return channel.client.getChannel().getConnectivityState(false) !== grpc.connectivityState.TRANSIENT_FAILURE;
}
