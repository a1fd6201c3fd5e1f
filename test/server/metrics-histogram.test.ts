/**
 * The pieces behind the member's histograms and totals on /metrics: bucket
 * counting in the worker, rendering on the main thread, and totals copied in
 * at each scrape (shown with fake member figures, no member needed).
 */
import t from 'tap';
import { Registry } from 'prom-client';
import { DurationHistogram, exponentialBoundsSeconds, type DurationHistogramSnapshot } from '../../actors/common/duration-histogram.ts';
import type { MemberStats, MemberStatus } from '../../src/embedded/conclave.ts';
import { SnapshotHistogram } from '../../src/server/metrics-histogram.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { buckets, parseSamples, sample } from './metrics-scrape.ts';

t.test('an observation lands in the first bucket whose bound holds it (le), past the last in +Inf', async (t) => {
  const histogram = new DurationHistogram([0.001, 0.01]);
  for (const seconds of [0, 0.001, 0.0011, 0.01, 0.5]) histogram.observe(seconds);
  const snapshot = histogram.snapshot();
  t.same(snapshot.bucketCounts, [2, 2, 1]);
  t.equal(snapshot.count, 5);
  t.ok(Math.abs(snapshot.sumSeconds - 0.5121) < 1e-12, `sum ${snapshot.sumSeconds}`);
});

t.test('a snapshot is a copy: later observations do not change it', async (t) => {
  const histogram = new DurationHistogram([1]);
  const before = histogram.snapshot();
  histogram.observe(0.5);
  t.same(before.bucketCounts, [0, 0]);
  t.same(histogram.snapshot().bucketCounts, [1, 0]);
});

t.test('bad bounds and durations are refused', async (t) => {
  t.throws(() => new DurationHistogram([]), RangeError);
  t.throws(() => new DurationHistogram([0.1, 0.1]), RangeError, 'not ascending');
  t.throws(() => new DurationHistogram([0, 1]), RangeError, 'not positive');
  t.throws(() => new DurationHistogram(exponentialBoundsSeconds(0.001, 2, 65)), RangeError, 'too many');
  t.throws(() => new DurationHistogram([1]).observe(-1), RangeError);
  t.throws(() => new DurationHistogram([1]).observe(Number.NaN), RangeError);
  t.throws(() => exponentialBoundsSeconds(0.001, 1, 4), RangeError);
  t.same(exponentialBoundsSeconds(0.001, 2, 4), [0.001, 0.002, 0.004, 0.008]);
});

t.test('a snapshot renders as a Prometheus histogram with cumulative buckets', async (t) => {
  const registry = new Registry();
  const metric = new SnapshotHistogram('test_duration_seconds', 'Test durations.', registry);
  t.same(parseSamples(await registry.metrics()).size, 0, 'nothing before the first snapshot');
  metric.set({ upperBoundsSeconds: [0.001, 0.01], bucketCounts: [3, 0, 2], sumSeconds: 1.25, count: 5 });
  const text = await registry.metrics();
  t.match(text, /# TYPE test_duration_seconds histogram/);
  const samples = parseSamples(text);
  t.same(buckets(samples, 'test_duration_seconds'), [{ le: 0.001, count: 3 }, { le: 0.01, count: 3 }]);
  t.equal(sample(samples, 'test_duration_seconds_bucket{le="+Inf"}'), 5);
  t.equal(sample(samples, 'test_duration_seconds_sum'), 1.25);
  t.equal(sample(samples, 'test_duration_seconds_count'), 5);
});

t.test('a snapshot whose counts disagree is refused, not shown', async (t) => {
  const metric = new SnapshotHistogram('test_duration_seconds', 'Test durations.', new Registry());
  t.throws(() => metric.set({ upperBoundsSeconds: [1], bucketCounts: [1], sumSeconds: 0, count: 1 }), RangeError, 'no +Inf bucket');
  t.throws(() => metric.set({ upperBoundsSeconds: [1], bucketCounts: [1, 1], sumSeconds: 0, count: 3 }), RangeError, 'count is not the sum');
});

const emptyHistogram: DurationHistogramSnapshot = { upperBoundsSeconds: [1], bucketCounts: [0, 0], sumSeconds: 0, count: 0 };
const status: MemberStatus = {
  memberId: 1,
  clusterId: 2,
  leader: 1,
  raftTerm: 3,
  raftIndex: 10,
  raftAppliedIndex: 9,
  revision: 5,
  compactRevision: 0,
  removed: false,
  backendBytes: 0,
  alarms: [],
};
const stats = (ringStalls: number, leaderChangesSeen: number): MemberStats => ({
  commitIndex: 10,
  leaderChangesSeen,
  proposalsPending: 4,
  proposalsFailed: 2,
  walFsyncDurationSeconds: emptyHistogram,
  walWrittenBytes: 100,
  applyDurationSeconds: emptyHistogram,
  ringStalls,
});

t.test('member totals are shown as they are at each scrape, not added up across scrapes', async (t) => {
  let current = stats(7, 1);
  const metrics = new ServerMetrics({ status: async () => status, leaseCount: async () => 0, stats: async () => current, watchStreams: () => 0, watchers: () => 0 });
  const first = parseSamples(await metrics.text());
  t.equal(sample(first, 'conclave_ring_stalls_total'), 7);
  t.equal(sample(first, 'etcd_server_leader_changes_seen_total'), 1);
  t.equal(sample(first, 'etcd_server_proposals_failed_total'), 2);
  t.equal(sample(first, 'etcd_server_proposals_pending'), 4);
  t.equal(sample(first, 'etcd_server_proposals_committed_total'), 10);
  t.equal(sample(first, 'etcd_disk_wal_write_bytes_total'), 100);
  current = stats(9, 3);
  const second = parseSamples(await metrics.text());
  t.equal(sample(second, 'conclave_ring_stalls_total'), 9);
  t.equal(sample(second, 'etcd_server_leader_changes_seen_total'), 3);
  t.equal(sample(second, 'etcd_server_proposals_failed_total'), 2);
});
