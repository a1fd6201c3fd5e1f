/**
 * `conclave serve` without the command line: opens the member's store,
 * serves the etcd API on every client URL, and reports the two lifecycle
 * lines scripts wait for (REFERENCE.md): "published local member to
 * cluster" once the member leads its one-member cluster through Raft, then
 * "ready to serve client requests" once every listener accepts.
 *
 * The options carry the names of the parsed etcd configuration (ServeConfig
 * fits them as is). Refused up front, with what to do: more than one member
 * in --initial-cluster (clusters are not built yet), https client URLs (TLS
 * is not built yet), any scheme other than http.
 *
 * Never: print "ready" before the listeners accept, or leave the store open
 * when start-up fails.
 */
import { open } from '../embedded/open.ts';
import type { Conclave } from '../embedded/conclave.ts';
import { EtcdServer, type ListenAddress } from './etcd-server.ts';

export interface ServeOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly initialClusterToken: string;
  readonly initialCluster: ReadonlyMap<string, readonly URL[]>;
  readonly listenClientUrls: readonly URL[];
  readonly advertiseClientUrls: readonly URL[];
  readonly initialAdvertisePeerUrls: readonly URL[];
  readonly listenMetricsUrls: readonly URL[];
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly maxRequestBytes: number;
  readonly maxTxnOps: number;
  readonly watchProgressNotifyIntervalMs: number;
  readonly grpcKeepalive: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly clientTls: { readonly certFile: string; readonly keyFile: string; readonly autoTls: boolean };
}

export type ServeLog = (level: 'info' | 'warn', message: string) => void;

/** A start-up refusal whose message tells the operator what to change. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
}

export interface ServingMember {
  readonly db: Conclave;
  readonly server: EtcdServer;
  /** Stops serving, then closes the store. */
  close(): Promise<void>;
}

/** How long start-up waits for the one-member cluster to elect itself, in election timeouts. */
const LEADER_WAIT_ELECTION_TIMEOUTS = 30;

/** A URL as etcd prints it: scheme://host:port, without the trailing slash URL adds. */
export const urlText = (url: URL): string => `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;

function listenAddress(url: URL, flag: string, tls: ServeOptions['clientTls']): ListenAddress {
  if (url.protocol === 'https:') {
    const hasCert = (tls.certFile !== '' && tls.keyFile !== '') || tls.autoTls;
    throw new ServeError(
      hasCert
        ? `--${flag} ${urlText(url)}: TLS listeners are not supported by conclave serve yet; use an http:// URL`
        : `--${flag} ${urlText(url)}: an https URL needs --cert-file and --key-file (or --auto-tls), and TLS listeners are not supported by conclave serve yet; use an http:// URL`,
    );
  }
  if (url.protocol !== 'http:') throw new ServeError(`--${flag} ${urlText(url)}: only http:// URLs are supported`);
  // URL keeps IPv6 hosts in brackets; net.listen wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  return { host, port };
}

function checkSingleMember(options: ServeOptions): void {
  const names = [...options.initialCluster.keys()];
  if (names.length !== 1) {
    throw new ServeError(
      `--initial-cluster names ${names.length} members (${names.join(', ')}); conclave serve runs one member for now: give only --name's entry`,
    );
  }
}

async function awaitLeader(db: Conclave, options: ServeOptions): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_ELECTION_TIMEOUTS * options.electionTimeoutMs;
  for (;;) {
    const status = await db.status();
    if (status.leader !== 0) return;
    if (Date.now() > deadline) throw new ServeError(`the member elected no leader within ${LEADER_WAIT_ELECTION_TIMEOUTS} election timeouts`);
    await new Promise((resolve) => setTimeout(resolve, options.heartbeatIntervalMs));
  }
}

export async function serve(options: ServeOptions, log: ServeLog): Promise<ServingMember> {
  checkSingleMember(options);
  const listen = options.listenClientUrls.map((url) => listenAddress(url, 'listen-client-urls', options.clientTls));
  const metricsListen = options.listenMetricsUrls.map((url) => listenAddress(url, 'listen-metrics-urls', options.clientTls));
  const db = await open({
    dir: options.dataDir,
    name: options.name,
    clusterToken: options.initialClusterToken,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    electionTimeoutMs: options.electionTimeoutMs,
    maxRequestBytes: options.maxRequestBytes,
    maxTxnOps: options.maxTxnOps,
    watchProgressIntervalMs: options.watchProgressNotifyIntervalMs,
  });
  let server: EtcdServer | null = null;
  try {
    server = await EtcdServer.start({
      db,
      dataDir: options.dataDir,
      clusterToken: options.initialClusterToken,
      member: {
        name: options.name,
        peerUrls: options.initialAdvertisePeerUrls.map(urlText),
        clientUrls: options.advertiseClientUrls.map(urlText),
      },
      listen,
      metricsListen,
      maxRequestBytes: options.maxRequestBytes,
      keepalive: options.grpcKeepalive,
    });
    await awaitLeader(db, options);
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
  for (const address of running.clientAddresses()) {
    log('info', `ready to serve client requests on ${address.address}:${address.port} (gRPC and HTTP, insecure)`);
  }
  for (const address of running.metricsAddresses()) log('info', `serving /metrics and /health on ${address.address}:${address.port}`);
  let closing: Promise<void> | null = null;
  return {
    db,
    server: running,
    close: () => {
      closing ??= running.close().finally(() => db.close());
      return closing;
    },
  };
}
