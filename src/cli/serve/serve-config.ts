/**
 * Turns parsed etcd-style flags into the typed configuration of a member,
 * applying etcd 3.4's derived defaults and its start-up validation rules.
 */
import type { MemberPlacementName } from '../../../actors/member/start-member.ts';
import { DEFAULT_QUOTA_BACKEND_BYTES } from '../../embedded/backend-quota.ts';
import { FlagError, type FlagValue, type ParsedFlags } from './parse-flags.ts';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  readonly clientCertAuth: boolean;
  readonly autoTls: boolean;
  readonly crlFile: string;
}

export interface ServeConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly listenClientUrls: readonly URL[];
  readonly advertiseClientUrls: readonly URL[];
  readonly listenPeerUrls: readonly URL[];
  readonly initialAdvertisePeerUrls: readonly URL[];
  readonly listenMetricsUrls: readonly URL[];
  /** Member name -> its peer URLs. */
  readonly initialCluster: ReadonlyMap<string, readonly URL[]>;
  readonly initialClusterState: 'new' | 'existing';
  readonly initialClusterToken: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly snapshotCountEntries: number;
  readonly snapshotCatchUpEntries: number;
  readonly quotaBackendBytes: number;
  readonly maxRequestBytes: number;
  readonly maxTxnOps: number;
  readonly strictReconfigCheck: boolean;
  readonly preVote: boolean;
  readonly autoCompaction: { readonly mode: 'periodic' | 'revision'; readonly retention: string };
  readonly grpcKeepalive: { readonly minTimeMs: number; readonly intervalMs: number; readonly timeoutMs: number };
  readonly watchProgressNotifyIntervalMs: number;
  readonly clientTls: TlsFiles;
  readonly peerTls: TlsFiles;
  readonly logLevel: string;
  readonly metrics: 'basic' | 'extensive';
  readonly printVersion: boolean;
  /** --experimental-placement: where the member's actors run (see open()'s placement option). */
  readonly placement: MemberPlacementName;
}

/** etcd's --quota-backend-bytes of 0 means its default quota of 2 GiB (a negative one: no quota). */
export const defaultQuotaBackendBytes = DEFAULT_QUOTA_BACKEND_BYTES;
/** etcd refuses election timeouts above 50 s. */
const maxElectionTimeoutMs = 50_000;

function parseInitialCluster(text: string): Map<string, URL[]> {
  const cluster = new Map<string, URL[]>();
  for (const member of text.split(',')) {
    const eq = member.indexOf('=');
    const name = member.slice(0, eq);
    const rawUrl = member.slice(eq + 1);
    if (eq <= 0 || rawUrl === '') {
      throw new FlagError(`invalid value "${text}" for flag --initial-cluster: expected name=peer-url[,name=peer-url...], got "${member}"`);
    }
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new FlagError(`invalid value "${text}" for flag --initial-cluster: "${rawUrl}" is not a URL`);
    }
    cluster.set(name, [...(cluster.get(name) ?? []), url]);
  }
  return cluster;
}

export function toServeConfig(flags: ParsedFlags): ServeConfig {
  const get = <T extends FlagValue>(flag: string): T => {
    const value = flags.values.get(flag);
    if (value === undefined) throw new Error(`flag table has no --${flag}`);
    return value as T;
  };
  const name = get<string>('name');
  const heartbeatIntervalMs = get<number>('heartbeat-interval');
  const electionTimeoutMs = get<number>('election-timeout');
  if (heartbeatIntervalMs === 0) throw new FlagError('--heartbeat-interval must be greater than 0');
  if (5 * heartbeatIntervalMs > electionTimeoutMs) {
    throw new FlagError(`--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`);
  }
  if (electionTimeoutMs > maxElectionTimeoutMs) {
    throw new FlagError(`--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than ${maxElectionTimeoutMs}ms`);
  }
  const initialAdvertisePeerUrls = get<readonly URL[]>('initial-advertise-peer-urls');
  // As etcd does: without --initial-cluster, the member bootstraps alone under its own name.
  const initialClusterText = flags.given.has('initial-cluster')
    ? get<string>('initial-cluster')
    : initialAdvertisePeerUrls.map((url) => `${name}=${url.href.replace(/\/$/, '')}`).join(',');
  const initialCluster = parseInitialCluster(initialClusterText);
  if (!initialCluster.has(name)) {
    throw new FlagError(`couldn't find local name "${name}" in the initial cluster configuration`);
  }
  const quota = get<number>('quota-backend-bytes');
  const tls = (prefix: '' | 'peer-'): TlsFiles => ({
    certFile: get(`${prefix}cert-file`),
    keyFile: get(`${prefix}key-file`),
    trustedCaFile: get(`${prefix}trusted-ca-file`),
    clientCertAuth: get(`${prefix}client-cert-auth`),
    autoTls: get(`${prefix}auto-tls`),
    crlFile: get(prefix === '' ? 'client-crl-file' : 'peer-crl-file'),
  });
  return {
    name,
    dataDir: get<string>('data-dir') || `${name}.conclave`,
    listenClientUrls: get('listen-client-urls'),
    advertiseClientUrls: get('advertise-client-urls'),
    listenPeerUrls: get('listen-peer-urls'),
    initialAdvertisePeerUrls,
    listenMetricsUrls: get('listen-metrics-urls'),
    initialCluster,
    initialClusterState: get<string>('initial-cluster-state') as 'new' | 'existing',
    initialClusterToken: get('initial-cluster-token'),
    heartbeatIntervalMs,
    electionTimeoutMs,
    snapshotCountEntries: get('snapshot-count'),
    snapshotCatchUpEntries: get('experimental-snapshot-catchup-entries'),
    quotaBackendBytes: quota === 0 ? defaultQuotaBackendBytes : quota,
    maxRequestBytes: get('max-request-bytes'),
    maxTxnOps: get('max-txn-ops'),
    strictReconfigCheck: get('strict-reconfig-check'),
    preVote: get('pre-vote'),
    autoCompaction: {
      mode: get<string>('auto-compaction-mode') as 'periodic' | 'revision',
      retention: get('auto-compaction-retention'),
    },
    grpcKeepalive: {
      minTimeMs: get('grpc-keepalive-min-time'),
      intervalMs: get('grpc-keepalive-interval'),
      timeoutMs: get('grpc-keepalive-timeout'),
    },
    watchProgressNotifyIntervalMs: get('experimental-watch-progress-notify-interval'),
    clientTls: tls(''),
    peerTls: tls('peer-'),
    logLevel: get<boolean>('debug') ? 'debug' : get<string>('log-level'),
    metrics: get<string>('metrics') as 'basic' | 'extensive',
    printVersion: get('version'),
    placement: get<string>('experimental-placement') as ServeConfig['placement'],
  };
}
