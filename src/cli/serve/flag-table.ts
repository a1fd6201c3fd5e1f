/**
 * Every flag etcd 3.4 accepts, so a script that starts etcd can start
 * Conclave by changing the binary name (REFERENCE.md, "Flags").
 *
 * `effect: 'used'` flags shape the member; `'accepted'` flags are parsed and
 * validated like etcd does, then reported once as having no effect in
 * Conclave. Defaults are etcd's, except where Conclave deliberately differs
 * (bind 127.0.0.1 rather than localhost; data dir `${name}.conclave`).
 */

import { MEMBER_PLACEMENT_NAMES } from '../../../actors/member/start-member.ts';

export type FlagKind = 'string' | 'bool' | 'uint' | 'int' | 'duration' | 'urls' | 'strings';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly defaultValue: string;
  readonly effect: 'used' | 'accepted';
  /** Allowed values for enumerated string flags. */
  readonly choices?: readonly string[];
}

const used = (kind: FlagKind, defaultValue: string, choices?: readonly string[]): FlagSpec =>
  choices ? { kind, defaultValue, effect: 'used', choices } : { kind, defaultValue, effect: 'used' };
const accepted = (kind: FlagKind, defaultValue: string, choices?: readonly string[]): FlagSpec =>
  choices ? { kind, defaultValue, effect: 'accepted', choices } : { kind, defaultValue, effect: 'accepted' };

export const flagTable: Readonly<Record<string, FlagSpec>> = {
  // member
  'name': used('string', 'default'),
  'data-dir': used('string', ''),
  'wal-dir': accepted('string', ''),
  'snapshot-count': used('uint', '100000'),
  // etcd 3.5's name; 3.4 hard-codes the same 5000.
  'experimental-snapshot-catchup-entries': used('uint', '5000'),
  'heartbeat-interval': used('uint', '100'),
  'election-timeout': used('uint', '1000'),
  'initial-election-tick-advance': accepted('bool', 'true'),
  'listen-peer-urls': used('urls', 'http://127.0.0.1:2380'),
  'listen-client-urls': used('urls', 'http://127.0.0.1:2379'),
  'listen-metrics-urls': used('urls', ''),
  'max-snapshots': accepted('uint', '5'),
  'max-wals': accepted('uint', '5'),
  'quota-backend-bytes': used('int', '0'),
  'backend-batch-interval': accepted('duration', '0s'),
  'backend-batch-limit': accepted('int', '0'),
  'max-txn-ops': used('uint', '128'),
  'max-request-bytes': used('uint', '1572864'),
  'max-concurrent-streams': accepted('uint', '4294967295'),
  'grpc-keepalive-min-time': used('duration', '5s'),
  'grpc-keepalive-interval': used('duration', '2h'),
  'grpc-keepalive-timeout': used('duration', '20s'),
  // clustering
  'initial-advertise-peer-urls': used('urls', 'http://127.0.0.1:2380'),
  'initial-cluster': used('string', ''),
  'initial-cluster-state': used('string', 'new', ['new', 'existing']),
  'initial-cluster-token': used('string', 'etcd-cluster'),
  'advertise-client-urls': used('urls', 'http://127.0.0.1:2379'),
  'discovery': accepted('string', ''),
  'discovery-fallback': accepted('string', 'proxy', ['exit', 'proxy']),
  'discovery-proxy': accepted('string', ''),
  'discovery-srv': accepted('string', ''),
  'discovery-srv-name': accepted('string', ''),
  'strict-reconfig-check': used('bool', 'true'),
  'enable-v2': accepted('bool', 'false'),
  // etcd 3.5's default (3.4's is false): a member that rejoins (a restart, a healed partition)
  // must not depose a working leader; measured in bench/RESULTS.md ("Pre-vote").
  'pre-vote': used('bool', 'true'),
  'auto-compaction-retention': used('string', '0'),
  'auto-compaction-mode': used('string', 'periodic', ['periodic', 'revision']),
  // proxy (etcd v2 proxy mode; Conclave has none)
  'proxy': accepted('string', 'off', ['off', 'readonly', 'on']),
  'proxy-failure-wait': accepted('uint', '5000'),
  'proxy-refresh-interval': accepted('uint', '30000'),
  'proxy-dial-timeout': accepted('uint', '1000'),
  'proxy-write-timeout': accepted('uint', '5000'),
  'proxy-read-timeout': accepted('uint', '0'),
  // client TLS
  'cert-file': used('string', ''),
  'key-file': used('string', ''),
  'client-cert-auth': used('bool', 'false'),
  'client-crl-file': used('string', ''),
  // etcd 3.5's config file lists these (allowed-hostname, allowed-cn: YAML lists), so they take several values.
  'client-cert-allowed-hostname': accepted('strings', ''),
  'trusted-ca-file': used('string', ''),
  'auto-tls': used('bool', 'false'),
  // peer TLS
  'peer-cert-file': used('string', ''),
  'peer-key-file': used('string', ''),
  'peer-client-cert-auth': used('bool', 'false'),
  'peer-trusted-ca-file': used('string', ''),
  'peer-auto-tls': used('bool', 'false'),
  'peer-crl-file': used('string', ''),
  'peer-cert-allowed-cn': accepted('strings', ''),
  'peer-cert-allowed-hostname': accepted('strings', ''),
  'cipher-suites': accepted('strings', ''),
  'experimental-peer-skip-client-san-verification': accepted('bool', 'false'),
  // HTTP
  'cors': accepted('strings', '*'),
  'host-whitelist': accepted('strings', '*'),
  // logging
  'logger': accepted('string', 'capnslog', ['capnslog', 'zap']),
  'log-output': accepted('strings', 'default'),
  'log-outputs': accepted('strings', 'default'),
  'debug': used('bool', 'false'),
  'log-level': used('string', 'info', ['debug', 'info', 'warn', 'error', 'panic', 'fatal']),
  'log-package-levels': accepted('string', ''),
  // profiling, metrics, auth
  'enable-pprof': accepted('bool', 'false'),
  'metrics': used('string', 'basic', ['basic', 'extensive']),
  'auth-token': accepted('string', 'simple'),
  'bcrypt-cost': accepted('uint', '10'),
  'auth-token-ttl': accepted('uint', '300'),
  'enable-grpc-gateway': accepted('bool', 'true'),
  // experimental and unsafe
  'experimental-initial-corrupt-check': accepted('bool', 'false'),
  'experimental-corrupt-check-time': accepted('duration', '0s'),
  'experimental-enable-v2v3': accepted('string', ''),
  'experimental-backend-bbolt-freelist-type': accepted('string', 'array', ['array', 'map']),
  'experimental-enable-lease-checkpoint': accepted('bool', 'false'),
  'experimental-enable-lease-checkpoint-persist': accepted('bool', 'false'),
  'experimental-compaction-batch-limit': accepted('int', '1000'),
  'experimental-watch-progress-notify-interval': used('duration', '10m'),
  'experimental-warning-apply-duration': accepted('duration', '100ms'),
  'unsafe-no-fsync': accepted('bool', 'false'),
  'force-new-cluster': accepted('bool', 'false'),
  // Conclave's own, not etcd's: where the member's actors run (open()'s placement option). A server's
  // main thread only serves gRPC, so the member shares it: measured side by side against one-worker
  // and etcd (bench/RESULTS.md, "Placement for conclave serve"), host-thread won put-1 at 1 and 3
  // members and tied or won the rest. Embedded open() keeps its members on a worker.
  'experimental-placement': used('string', 'host-thread', MEMBER_PLACEMENT_NAMES),
  // handled by the command itself (config-file: parse-flags.ts reads the file instead of the other flags)
  'config-file': used('string', ''),
  'version': used('bool', 'false'),
};

/**
 * Flags etcd 3.4 silently ignores for compatibility with etcd 0.4-era scripts;
 * they take a value but never affect anything.
 */
export const legacyIgnoredFlags: ReadonlySet<string> = new Set([
  'cluster-active-size', 'cluster-remove-delay', 'cluster-sync-interval', 'config', 'force',
  'max-result-buffer', 'max-retry-attempts', 'peer-heartbeat-interval', 'peer-election-timeout',
  'retry-interval', 'snapshot', 'v', 'vv',
]);
