/**
 * The server's Prometheus metrics (prom-client), named as etcd and
 * go-grpc-prometheus name them where an equivalent exists, so existing etcd
 * dashboards and alerts find them; Conclave-only figures are `conclave_*`.
 *
 * Member figures (term, indexes, revisions, leader, leases, proposals, fsync
 * and apply latency histograms, ring stalls) are read from the member when
 * /metrics is scraped, not kept up to date on the hot path: its actors keep
 * totals and bucket counts in their own threads and hand them over when
 * asked. Totals are shown as counters set to the member's figure. Each
 * server has its own registry: several servers in one process (tests, an
 * embedding app) never collide.
 *
 * Never: add per-key or per-client labels (unbounded cardinality).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MemberStats, MemberStatus } from '../embedded/conclave.ts';
import { SnapshotHistogram } from './metrics-histogram.ts';

export type GrpcCallType = 'unary' | 'bidi_stream' | 'server_stream';

export interface MemberGaugeSource {
  status(): Promise<MemberStatus>;
  leaseCount(): Promise<number>;
  stats(): Promise<MemberStats>;
  watchStreams(): number;
  watchers(): number;
}

/** Seconds; finer than Prometheus' default buckets at the low end, where a local put lands. */
const latencyBucketsSeconds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** gRPC code numbers to the names go-grpc-prometheus uses in `grpc_code`. */
const grpcCodeNames = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss',
  'Unauthenticated',
] as const;

export const grpcCodeName = (code: number): string => grpcCodeNames[code] ?? `Code(${code})`;

/** Records one finished call: its status code and when it started (performance.now()). */
export type CallObserver = (code: number, startedMs: number) => void;

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly handled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly handling: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly gauges: {
    readonly hasLeader: Gauge;
    readonly isLeader: Gauge;
    readonly term: Gauge;
    readonly raftIndex: Gauge;
    readonly appliedIndex: Gauge;
    readonly revision: Gauge;
    readonly compactRevision: Gauge;
    readonly leases: Gauge;
    readonly watchStreams: Gauge;
    readonly watchers: Gauge;
    readonly proposalsCommitted: Gauge;
    readonly proposalsPending: Gauge;
    readonly walWriteBytes: Gauge;
  };
  /** The member's own running totals, copied in at each scrape. */
  private readonly totals: {
    readonly leaderChanges: Counter;
    readonly proposalsFailed: Counter;
    readonly ringStalls: Counter;
  };
  private readonly histograms: {
    readonly walFsync: SnapshotHistogram;
    readonly apply: SnapshotHistogram;
  };

  constructor(private readonly source: MemberGaugeSource) {
    const registers = [this.registry];
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    const total = (name: string, help: string) => new Counter({ name, help, registers });
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
      registers,
    });
    this.handling = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
      buckets: latencyBucketsSeconds,
      registers,
    });
    this.gauges = {
      hasLeader: gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.'),
      isLeader: gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.'),
      term: gauge('conclave_raft_term', 'The member\'s current Raft term.'),
      raftIndex: gauge('conclave_raft_index', 'The index of the last entry in the member\'s Raft log.'),
      appliedIndex: gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.'),
      revision: gauge('etcd_debugging_mvcc_current_revision', 'The current revision of the store.'),
      compactRevision: gauge('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in the store.'),
      leases: gauge('conclave_leases', 'Number of live leases.'),
      watchStreams: gauge('etcd_debugging_mvcc_watch_stream_total', 'Total number of watch streams.'),
      watchers: gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.'),
      // etcd 3.4 exports these two as gauges set to the commit index and to the number waiting.
      proposalsCommitted: gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.'),
      proposalsPending: gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.'),
      walWriteBytes: gauge('etcd_disk_wal_write_bytes_total', 'Total number of bytes written in WAL.'),
    };
    this.totals = {
      leaderChanges: total('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.'),
      proposalsFailed: total('etcd_server_proposals_failed_total', 'The total number of failed proposals seen.'),
      ringStalls: total('conclave_ring_stalls_total', 'Sends between the member\'s threads that found the ring full and waited for room.'),
    };
    this.histograms = {
      walFsync: new SnapshotHistogram('etcd_disk_wal_fsync_duration_seconds', 'The latency distributions of fsync called by WAL.', this.registry),
      apply: new SnapshotHistogram('conclave_apply_duration_seconds', 'The latency distribution of applying one committed entry to the state machine.', this.registry),
    };
    collectDefaultMetrics({ register: this.registry });
  }

  /** An observer bound to one method's label set (resolved once, not per call). */
  observerFor(type: GrpcCallType, service: string, method: string): CallObserver {
    const latency = this.handling.labels(type, service, method);
    const counters = new Map<number, Counter.Internal>();
    return (code, startedMs) => {
      latency.observe((performance.now() - startedMs) / 1000);
      let counter = counters.get(code);
      if (counter === undefined) {
        counter = this.handled.labels(type, service, method, grpcCodeName(code));
        counters.set(code, counter);
      }
      counter.inc();
    };
  }

  contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text, with member gauges read now. */
  async text(): Promise<string> {
    const [status, leases, stats] = await Promise.all([this.source.status(), this.source.leaseCount(), this.source.stats()]);
    this.gauges.hasLeader.set(status.leader === 0 ? 0 : 1);
    this.gauges.isLeader.set(status.leader === status.memberId ? 1 : 0);
    this.gauges.term.set(status.raftTerm);
    this.gauges.raftIndex.set(status.raftIndex);
    this.gauges.appliedIndex.set(status.raftAppliedIndex);
    this.gauges.revision.set(status.revision);
    this.gauges.compactRevision.set(status.compactRevision);
    this.gauges.leases.set(leases);
    this.gauges.watchStreams.set(this.source.watchStreams());
    this.gauges.watchers.set(this.source.watchers());
    this.gauges.proposalsCommitted.set(stats.commitIndex);
    this.gauges.proposalsPending.set(stats.proposalsPending);
    this.gauges.walWriteBytes.set(stats.walWrittenBytes);
    setTotal(this.totals.leaderChanges, stats.leaderChangesSeen);
    setTotal(this.totals.proposalsFailed, stats.proposalsFailed);
    setTotal(this.totals.ringStalls, stats.ringStalls);
    this.histograms.walFsync.set(stats.walFsyncDurationSeconds);
    this.histograms.apply.set(stats.applyDurationSeconds);
    return this.registry.metrics();
  }
}

/** A counter shows a total kept by the member: it restarts from 0 only when the member's actor does. */
function setTotal(counter: Counter, value: number): void {
  counter.reset();
  counter.inc(value);
}
