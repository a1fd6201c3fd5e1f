/**
 * A Prometheus histogram whose counts are kept elsewhere: an actor in a
 * worker thread observes into a DurationHistogram and the /metrics scrape
 * asks it for a snapshot, which this metric renders through the server's
 * prom-client registry (`_bucket` with cumulative `le` counts, `_sum`,
 * `_count`), as a histogram observed on this thread would be.
 *
 * prom-client's own Histogram cannot be loaded with counts (only observed one
 * value at a time), so this is a metric object in the registry's contract:
 * a name, a help text and an async get().
 *
 * Never: observe anything itself, or invent counts it was not given.
 */
import type { Metric, Registry } from 'prom-client';
import type { DurationHistogramSnapshot } from '../../actors/common/duration-histogram.ts';

interface HistogramLine {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

export class SnapshotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  #snapshot: DurationHistogramSnapshot | null = null;

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // prom-client types its registry as holding only its own metric classes; at run time it reads name and get().
    registry.registerMetric(this as unknown as Metric);
  }

  /** The counts to show from now on (the actor's totals as of this scrape). */
  set(snapshot: DurationHistogramSnapshot): void {
    const { upperBoundsSeconds, bucketCounts, count } = snapshot;
    if (bucketCounts.length !== upperBoundsSeconds.length + 1) {
      throw new RangeError(`${this.name}: ${bucketCounts.length} bucket counts for ${upperBoundsSeconds.length} bounds (+Inf needs one more)`);
    }
    const total = bucketCounts.reduce((sum, bucketCount) => sum + bucketCount, 0);
    if (total !== count) throw new RangeError(`${this.name}: the buckets hold ${total} observations, the count says ${count}`);
    this.#snapshot = snapshot;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramLine[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.#lines() };
  }

  #lines(): HistogramLine[] {
    const snapshot = this.#snapshot;
    if (snapshot === null) return [];
    const lines: HistogramLine[] = [];
    let cumulative = 0;
    snapshot.upperBoundsSeconds.forEach((bound, index) => {
      cumulative += snapshot.bucketCounts[index] ?? 0;
      lines.push({ metricName: `${this.name}_bucket`, labels: { le: bound }, value: cumulative });
    });
    lines.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: snapshot.count });
    lines.push({ metricName: `${this.name}_sum`, labels: {}, value: snapshot.sumSeconds });
    lines.push({ metricName: `${this.name}_count`, labels: {}, value: snapshot.count });
    return lines;
  }
}
