/**
 * etcdserverpb.Lease on the embedded lease API, with etcd 3.4's answers
 * (etcdserver/api/v3rpc/lease.go):
 * - LeaseTimeToLive of an unknown lease is not an error: TTL -1;
 * - a keepalive of an unknown lease answers TTL 0 and the stream goes on;
 * - a keepalive's header is taken before the renewal, so its revision never
 *   runs ahead of the renewal it reports.
 *
 * A keepalive stream renews one request at a time, in order; a client that
 * goes away ends the loop and leaves nothing registered.
 */
import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type * as wire from '../proto/load.ts';
import { CallWriter, endWithStatus } from './call-writer.ts';
import { isLeaseNotFound, toServiceError } from './errors.ts';
import { idToNumber, int64ToNumber } from './int64.ts';
import type { ServiceContext } from './service-context.ts';
import type { OpenStream } from './stream-registry.ts';
import { unaryHandler } from './unary.ts';

const SERVICE = 'etcdserverpb.Lease';

export function leaseService(context: ServiceContext): UntypedServiceImplementation {
  const { db, headers, metrics } = context;
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, SERVICE, method, work);
  const observeKeepAlive = metrics.observerFor('bidi_stream', SERVICE, 'LeaseKeepAlive');
  return {
    LeaseGrant: unary('LeaseGrant', async (request: wire.LeaseGrantRequest): Promise<wire.LeaseGrantResponse> => {
      const granted = await db.lease.grant(int64ToNumber(request.TTL, 'TTL'), idToNumber(request.ID, 'ID'));
      return { header: headers.header(granted.revision), ID: String(granted.id), TTL: String(granted.ttlSeconds), error: '' };
    }),
    LeaseRevoke: unary('LeaseRevoke', async (request: wire.LeaseRevokeRequest): Promise<wire.LeaseRevokeResponse> => {
      const { revision } = await db.lease.revoke(idToNumber(request.ID, 'ID'));
      return { header: headers.header(revision) };
    }),
    LeaseTimeToLive: unary('LeaseTimeToLive', async (request: wire.LeaseTimeToLiveRequest): Promise<wire.LeaseTimeToLiveResponse> => {
      const id = idToNumber(request.ID, 'ID');
      try {
        const ttl = await db.lease.timeToLive(id, { keys: request.keys ?? false });
        return {
          header: headers.header(),
          ID: String(ttl.id),
          TTL: String(ttl.ttlSeconds),
          grantedTTL: String(ttl.grantedTtlSeconds),
          keys: ttl.keys.map((key) => Buffer.from(key.buffer, key.byteOffset, key.byteLength)),
        };
      } catch (error) {
        if (!isLeaseNotFound(error)) throw error;
        return { header: headers.header(), ID: String(id), TTL: '-1', grantedTTL: '0', keys: [] };
      }
    }),
    LeaseLeases: unary('LeaseLeases', async (): Promise<{ header: wire.ResponseHeader; leases: { ID: string }[] }> => {
      const ids = await db.lease.leases();
      return { header: headers.header(), leases: ids.map((id) => ({ ID: String(id) })) };
    }),
    LeaseKeepAlive: (call: ServerDuplexStream<wire.LeaseKeepAliveRequest, wire.LeaseKeepAliveResponse>) => {
      const startedMs = performance.now();
      call.once('close', () => observeKeepAlive(call.cancelled ? status.CANCELLED : status.OK, startedMs));
      void new KeepAliveStream(context, call).run();
    },
  };
}

class KeepAliveStream implements OpenStream {
  readonly kind = 'lease-keepalive';
  private readonly writer: CallWriter<wire.LeaseKeepAliveResponse>;
  private closed = false;

  constructor(
    private readonly context: ServiceContext,
    private readonly call: ServerDuplexStream<wire.LeaseKeepAliveRequest, wire.LeaseKeepAliveResponse>,
  ) {
    this.writer = new CallWriter(call);
  }

  watcherCount(): number {
    return 0;
  }

  async run(): Promise<void> {
    this.context.streams.add(this);
    this.call.once('close', () => this.release());
    try {
      for await (const request of this.call as AsyncIterable<wire.LeaseKeepAliveRequest>) {
        if (this.closed) break;
        await this.renew(idToNumber(request.ID, 'ID'));
      }
      // The client finished sending: etcd ends the stream with OK.
      if (!this.closed) this.call.end();
    } catch (error) {
      // Either the client went away (the call is over) or a renewal failed (end the call with its status).
      this.release();
      endWithStatus(this.call, toServiceError(error));
    }
  }

  close(reason: { code: number; details: string }): void {
    if (this.closed) return;
    this.release();
    endWithStatus(this.call, reason);
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.context.streams.remove(this);
  }

  private async renew(id: number): Promise<void> {
    const header = this.context.headers.header();
    let ttlSeconds: number;
    try {
      ({ ttlSeconds } = await this.context.db.lease.keepAlive(id));
    } catch (error) {
      if (!isLeaseNotFound(error)) throw error;
      ttlSeconds = 0;
    }
    await this.writer.write({ header, ID: String(id), TTL: String(ttlSeconds) });
  }
}
