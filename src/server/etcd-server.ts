/**
 * The etcd v3 API server over an embedded Conclave member: the gRPC services
 * (KV, Watch, Lease, Maintenance, Cluster, Lock, Election) plus /health,
 * /version and /metrics, on every client listener (gRPC and HTTP share the
 * port, as in etcd) and on the optional metrics listeners (HTTP only).
 *
 * Limits as etcd sets them (etcdserver/api/v3rpc/grpc.go): a received
 * message may be max-request-bytes plus 512 KiB of gRPC overhead; larger
 * messages are refused by gRPC itself (ResourceExhausted), and the embedded
 * API refuses encoded requests over max-request-bytes with etcd's
 * "request is too large".
 *
 * The server does not own the member: `close()` stops serving (streams end
 * with etcd's "server stopped") and leaves closing the handle to the caller.
 */
import { Server, ServerCredentials, status, type ChannelOptions } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Conclave } from '../embedded/conclave.ts';
import { etcdServices } from '../proto/load.ts';
import { ClientListener } from './client-listener.ts';
import { clusterService } from './cluster-service.ts';
import { etcdErrors, toServiceError } from './errors.ts';
import { httpEndpoints } from './http-endpoints.ts';
import { electionService } from './election-service.ts';
import { kvService } from './kv-service.ts';
import { leaseService } from './lease-service.ts';
import { lockService } from './lock-service.ts';
import { maintenanceService } from './maintenance-service.ts';
import { ServerMetrics } from './metrics.ts';
import { ResponseHeaders } from './response-header.ts';
import type { MemberDescription, ServiceContext } from './service-context.ts';
import { StreamRegistry, type StreamCounts } from './stream-registry.ts';
import { etcdServerVersion } from './versions.ts';
import { watchService } from './watch-stream.ts';

/** etcd's grpcOverheadBytes: room for gRPC framing on top of max-request-bytes. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** etcd's maxSendBytes (math.MaxInt32). */
const MAX_SEND_BYTES = 2 ** 31 - 1;
/** How long in-flight unary calls get to finish at shutdown before connections are cut. */
const SHUTDOWN_GRACE_MS = 2_000;

export interface ListenAddress {
  readonly host: string;
  /** 0: any free port (see `clientAddresses()`). */
  readonly port: number;
  /** Serve this listener over TLS with the server's `tls` options (an https:// URL). */
  readonly secure?: boolean;
}

export interface EtcdServerOptions {
  readonly db: Conclave;
  /** The member's data directory. */
  readonly dataDir: string;
  readonly member: MemberDescription;
  /** Client listeners: gRPC and HTTP on each. */
  readonly listen: readonly ListenAddress[];
  /** Extra HTTP-only listeners for /metrics and /health (etcd's --listen-metrics-urls). */
  readonly metricsListen?: readonly ListenAddress[];
  /** TLS for the `secure` listeners (src/server/tls-options.ts makes it from etcd's client TLS files). */
  readonly tls?: TlsOptions;
  /** etcd's --max-request-bytes. */
  readonly maxRequestBytes: number;
  /** etcd's --grpc-keepalive-interval / --grpc-keepalive-timeout. */
  readonly keepalive?: { readonly intervalMs: number; readonly timeoutMs: number };
  /** How often cached header fields (term, revision) are refreshed. Default 1000 ms. */
  readonly headerRefreshIntervalMs?: number;
}

function grpcOptions(options: EtcdServerOptions): ChannelOptions {
  if (!Number.isSafeInteger(options.maxRequestBytes) || options.maxRequestBytes <= 0) {
    throw new RangeError(`maxRequestBytes must be a positive integer, got ${options.maxRequestBytes}`);
  }
  const keepalive = options.keepalive;
  return {
    'grpc.max_receive_message_length': options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': MAX_SEND_BYTES,
    ...(keepalive === undefined ? {} : { 'grpc.keepalive_time_ms': keepalive.intervalMs, 'grpc.keepalive_timeout_ms': keepalive.timeoutMs }),
  };
}

export class EtcdServer {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly grpc: Server,
    private readonly headers: ResponseHeaders,
    private readonly clientListeners: readonly ClientListener[],
    private readonly metricsListeners: readonly ClientListener[],
    readonly streams: StreamRegistry,
    readonly memberId: number,
    readonly clusterId: number,
  ) {}

  static async start(options: EtcdServerOptions): Promise<EtcdServer> {
    if (options.listen.length === 0) throw new TypeError('EtcdServer.start(): give at least one client listen address');
    const tlsOf = (address: ListenAddress): TlsOptions | null => {
      if (address.secure !== true) return null;
      if (options.tls === undefined) throw new TypeError(`EtcdServer.start(): ${address.host}:${address.port} is secure: give the tls options`);
      return options.tls;
    };
    // Checked before anything opens, so a bad address leaves nothing to close.
    for (const address of [...options.listen, ...(options.metricsListen ?? [])]) tlsOf(address);
    const grpc = new Server(grpcOptions(options));
    const headers = await ResponseHeaders.start(options.db, options.headerRefreshIntervalMs ?? 1_000);
    const streams = new StreamRegistry();
    const metrics = new ServerMetrics({
      status: () => headers.refresh(),
      leaseCount: async () => (await options.db.lease.leases()).length,
      stats: () => options.db.stats(),
      watchStreams: () => streams.counts().watchStreams,
      watchers: () => streams.counts().watchers,
    });
    const context: ServiceContext = {
      db: options.db,
      headers,
      metrics,
      member: options.member,
      dataDir: options.dataDir,
      streams,
      serverVersion: etcdServerVersion,
    };
    grpc.addService(etcdServices.KV, kvService(context));
    grpc.addService(etcdServices.Watch, watchService(context));
    grpc.addService(etcdServices.Lease, leaseService(context));
    grpc.addService(etcdServices.Maintenance, maintenanceService(context));
    grpc.addService(etcdServices.Cluster, clusterService(context));
    grpc.addService(etcdServices.Lock, lockService(context));
    grpc.addService(etcdServices.Election, electionService(context));
    const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
    const http = httpEndpoints(options.db, metrics);
    const opened: ClientListener[] = [];
    try {
      const clientListeners = [];
      for (const address of options.listen) {
        const listener = await ClientListener.listen(address.host, address.port, { grpc: (socket) => injector.injectConnection(socket), http }, tlsOf(address));
        opened.push(listener);
        clientListeners.push(listener);
      }
      const metricsListeners = [];
      for (const address of options.metricsListen ?? []) {
        const listener = await ClientListener.listen(address.host, address.port, { grpc: (socket) => socket.destroy(), http }, tlsOf(address));
        opened.push(listener);
        metricsListeners.push(listener);
      }
      const { memberId, clusterId } = headers.identity;
      return new EtcdServer(grpc, headers, clientListeners, metricsListeners, streams, memberId, clusterId);
    } catch (error) {
      await Promise.all(opened.map((listener) => listener.close()));
      grpc.forceShutdown();
      headers.close();
      throw error;
    }
  }

  clientAddresses(): AddressInfo[] {
    return this.clientListeners.map((listener) => listener.address());
  }

  metricsAddresses(): AddressInfo[] {
    return this.metricsListeners.map((listener) => listener.address());
  }

  streamCounts(): StreamCounts {
    return this.streams.counts();
  }

  /** Stops accepting, ends open streams with "server stopped", lets unary calls finish (bounded), then cuts connections. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const listenersClosed = Promise.all([...this.clientListeners, ...this.metricsListeners].map((listener) => listener.close()));
    const stopped = toServiceError(etcdErrors.stopped());
    this.streams.closeAll({ code: stopped.code ?? status.UNAVAILABLE, details: stopped.details ?? '' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpc.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      this.grpc.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.headers.close();
    await listenersClosed;
  }
}
