/**
 * `conclave serve` without the command line: opens the member (one member of
 * the cluster --initial-cluster describes, listening for its peers on
 * --listen-peer-urls), serves the etcd API on every client URL, and reports
 * the two lifecycle lines scripts wait for (REFERENCE.md): "published local
 * member to cluster" once the member's name and client URLs are committed
 * through Raft (so a leader exists), then "ready to serve client requests"
 * once every listener accepts.
 *
 * The options carry the names of the parsed etcd configuration (ServeConfig
 * fits them as is). Refused up front, with what to do: https client or
 * metrics URLs without --cert-file and --key-file or --auto-tls (etcd's
 * rules, src/server/tls-flags.ts), any scheme other than http and https,
 * https peer URLs without peer certificates.
 *
 * Never: print "ready" before the listeners accept, or leave the store open
 * when start-up fails.
 */
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import type { PeerTlsArgs } from '../../actors/transport/transport-args.ts';
import type { MemberPlacement } from '../../actors/member/start-member.ts';
import { open } from '../embedded/open.ts';
import type { Conclave } from '../embedded/conclave.ts';
import { runtimeEventText } from '../embedded/runtime-event-text.ts';
import { EtcdServer, type ListenAddress } from './etcd-server.ts';
import { clientTlsFromFlags, type ClientTlsFlags } from './tls-flags.ts';
import { ClientTlsError } from './tls-options.ts';

export interface ServeOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly initialClusterToken: string;
  readonly initialCluster: ReadonlyMap<string, readonly URL[]>;
  readonly initialClusterState: 'new' | 'existing';
  readonly listenPeerUrls: readonly URL[];
  readonly listenClientUrls: readonly URL[];
  readonly advertiseClientUrls: readonly URL[];
  readonly initialAdvertisePeerUrls: readonly URL[];
  readonly listenMetricsUrls: readonly URL[];
  /** Where the member's actors run (--experimental-placement). Default: open()'s. */
  readonly placement?: MemberPlacement;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** etcd's --pre-vote. Default: open()'s. */
  readonly preVote?: boolean;
  readonly snapshotCountEntries: number;
  readonly snapshotCatchUpEntries: number;
  readonly maxRequestBytes: number;
  readonly maxTxnOps: number;
  /** etcd's --quota-backend-bytes (0: 2 GiB, negative: no quota). */
  readonly quotaBackendBytes: number;
  readonly watchProgressNotifyIntervalMs: number;
  readonly grpcKeepalive: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly clientTls: ClientTlsFlags;
  readonly peerTls: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly trustedCaFile: string;
    readonly clientCertAuth: boolean;
    readonly autoTls: boolean;
    /** --peer-crl-file; '' for none. */
    readonly crlFile: string;
  };
}

export type ServeLog = (level: 'info' | 'warn', message: string) => void;

/** A start-up refusal whose message tells the operator what to change. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
}

export interface ServingMember {
  readonly db: Conclave;
  readonly server: EtcdServer;
  /** Resolves as soon as this member learns the cluster removed it (Conclave.whenRemoved); it should then stop, as etcd's do. */
  readonly removed: Promise<void>;
  /** Stops serving, then closes the store. */
  close(): Promise<void>;
}

/** How often start-up says it is still waiting for the cluster to commit its member attributes. */
const PUBLISH_WARN_INTERVAL_MS = 10_000;

/** A URL as etcd prints it: scheme://host:port, without the trailing slash URL adds. */
export const urlText = (url: URL): string => `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;

/** An http:// or https:// listen URL as the server's listen address; https ones serve TLS (see clientTlsOf). */
function listenAddress(url: URL, flag: string): ListenAddress {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new ServeError(`--${flag} ${urlText(url)}: only http:// and https:// URLs are supported`);
  // URL keeps IPv6 hosts in brackets; net.listen wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  return { host, port, secure };
}

/** The TLS of the https listeners from etcd's client TLS flags; null when every listener is http. */
function clientTlsOf(options: ServeOptions, log: ServeLog): TlsOptions | null {
  try {
    const listeners = { clientUrls: options.listenClientUrls, metricsUrls: options.listenMetricsUrls };
    return clientTlsFromFlags(options.clientTls, listeners, options.dataDir, (message) => log('warn', message));
  } catch (error) {
    throw error instanceof ClientTlsError ? new ServeError(error.message) : error;
  }
}

/** etcd's peer TLS flags as the transport takes them; https peer URLs need one of them. */
function peerTlsOf(options: ServeOptions): PeerTlsArgs | null {
  const tls = options.peerTls;
  const peerUrls = [...options.listenPeerUrls, ...options.initialAdvertisePeerUrls];
  const secure = peerUrls.some((url) => url.protocol === 'https:');
  if (tls.certFile !== '' || tls.keyFile !== '') {
    if (tls.certFile === '' || tls.keyFile === '') throw new ServeError('--peer-cert-file and --peer-key-file go together: give both');
    const orNull = (file: string) => (file === '' ? null : file);
    return { kind: 'files', certFile: tls.certFile, keyFile: tls.keyFile, trustedCaFile: orNull(tls.trustedCaFile), clientCertAuth: tls.clientCertAuth, crlFile: orNull(tls.crlFile) };
  }
  if (tls.autoTls) return { kind: 'auto', dir: join(options.dataDir, 'fixtures', 'peer') };
  if (secure) throw new ServeError('https peer URLs need --peer-cert-file and --peer-key-file (or --peer-auto-tls)');
  return null;
}

/**
 * etcd's publish: the member's name and client URLs go into the replicated
 * member table. It needs a leader and a quorum, so it is retried (with a
 * warning now and then) until it commits or the member is closed.
 */
async function publish(db: Conclave, options: ServeOptions, log: ServeLog): Promise<void> {
  let lastWarnMs = Date.now();
  for (;;) {
    try {
      await db.cluster.publish(options.name, options.advertiseClientUrls.map(urlText));
      return;
    } catch (error) {
      if (db.isClosed()) throw error;
      const refusal = (await db.cluster.peerLinks()).find((link) => link.refusedBecause?.includes('cluster ID') === true);
      if (refusal !== undefined) {
        throw new ServeError(
          `member ${refusal.id.toString(16)} refused this member: ${refusal.refusedBecause}; --initial-cluster and --initial-cluster-token must be the running cluster's (a member joining it needs --initial-cluster-state existing)`,
        );
      }
      if (Date.now() - lastWarnMs >= PUBLISH_WARN_INTERVAL_MS) {
        lastWarnMs = Date.now();
        log('warn', `still waiting to publish this member to the cluster (${error instanceof Error ? error.message : String(error)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.heartbeatIntervalMs));
    }
  }
}

/** Start-up refusals from the layers below, as ServeErrors (their messages already say what to change). */
function asServeError(error: unknown): unknown {
  if (error instanceof Error && ['ClusterPlanError', 'BootstrapRecordError', 'LogIdentityMismatchError', 'PeerListenError', 'DiscoveryError'].includes(error.name)) {
    return new ServeError(error.message);
  }
  return error;
}

export async function serve(options: ServeOptions, log: ServeLog): Promise<ServingMember> {
  const listen = options.listenClientUrls.map((url) => listenAddress(url, 'listen-client-urls'));
  const metricsListen = options.listenMetricsUrls.map((url) => listenAddress(url, 'listen-metrics-urls'));
  const clientTls = clientTlsOf(options, log);
  const initialCluster = Object.fromEntries([...options.initialCluster].map(([name, urls]) => [name, urls.map(urlText)]));
  const db = await open({
    dir: options.dataDir,
    name: options.name,
    clusterToken: options.initialClusterToken,
    cluster: {
      initialCluster,
      state: options.initialClusterState,
      listenPeerUrls: options.listenPeerUrls.map(urlText),
      peerTls: peerTlsOf(options),
    },
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    electionTimeoutMs: options.electionTimeoutMs,
    ...(options.preVote === undefined ? {} : { preVote: options.preVote }),
    snapshotCountEntries: options.snapshotCountEntries,
    snapshotCatchUpEntries: options.snapshotCatchUpEntries,
    maxRequestBytes: options.maxRequestBytes,
    maxTxnOps: options.maxTxnOps,
    quotaBackendBytes: options.quotaBackendBytes,
    watchProgressIntervalMs: options.watchProgressNotifyIntervalMs,
    ...(options.placement === undefined ? {} : { placement: options.placement }),
  }).catch((error: unknown) => {
    throw asServeError(error);
  });
  // Crashes, escalations and dead threads inside the member, in the member's log (never silent).
  db.onRuntimeEvent((event) => {
    const text = runtimeEventText(event);
    if (text !== null) log('warn', text);
  });
  let server: EtcdServer | null = null;
  try {
    server = await EtcdServer.start({
      db,
      dataDir: options.dataDir,
      member: {
        name: options.name,
        peerUrls: options.initialAdvertisePeerUrls.map(urlText),
        clientUrls: options.advertiseClientUrls.map(urlText),
      },
      listen,
      metricsListen,
      tls: clientTls ?? undefined,
      maxRequestBytes: options.maxRequestBytes,
      keepalive: options.grpcKeepalive,
    });
    await publish(db, options, log);
  } catch (error) {
    await server?.close();
    await db.close();
    throw error;
  }
  const running = server;
  const hex = (id: number) => id.toString(16);
  log(
    'info',
    `published local member to cluster: {Name:${options.name} ClientURLs:[${options.advertiseClientUrls.map(urlText).join(' ')}]} ` +
      `member ${hex(running.memberId)} cluster ${hex(running.clusterId)}`,
  );
  const security = (listener: ListenAddress | undefined) => (listener?.secure === true ? 'over TLS' : 'insecure');
  running.clientAddresses().forEach((address, index) => {
    log('info', `ready to serve client requests on ${address.address}:${address.port} (gRPC and HTTP, ${security(listen[index])})`);
  });
  running.metricsAddresses().forEach((address, index) => {
    log('info', `serving /metrics and /health on ${address.address}:${address.port} (${security(metricsListen[index])})`);
  });
  let closing: Promise<void> | null = null;
  return {
    db,
    server: running,
    removed: db.whenRemoved(),
    close: () => {
      closing ??= running.close().finally(() => db.close());
      return closing;
    },
  };
}
