/**
 * Latency recording for the load generator: HDR histograms in whole
 * microseconds (3 significant digits), their transfer between threads, and
 * the summary (p50/p90/p99/p99.9/max, in milliseconds) the reports print.
 * Recording must stay O(1) and allocation-free: it runs once per operation.
 */
import * as hdr from 'hdr-histogram-js';

/** Anything slower than a minute is clamped; it is reported as max, never dropped. */
const latencyMicrosMax = 60_000_000;

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export class LatencyHistogram {
  readonly #histogram: hdr.Histogram;

  constructor(histogram?: hdr.Histogram) {
    this.#histogram =
      histogram ??
      hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: latencyMicrosMax, numberOfSignificantValueDigits: 3, autoResize: false });
  }

  /** Records one latency given in milliseconds (fractions kept to the microsecond). */
  recordMs(latencyMs: number): void {
    if (!(latencyMs >= 0)) throw new Error(`latency must be a non-negative number, got ${latencyMs}`);
    const micros = Math.min(latencyMicrosMax, Math.max(1, Math.round(latencyMs * 1000)));
    this.#histogram.recordValue(micros);
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  add(other: LatencyHistogram): void {
    this.#histogram.add(other.#histogram);
  }

  /** Compact text form for posting between threads. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#histogram);
  }

  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(hdr.decodeFromCompressedBase64(encoded));
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const ms = (micros: number): number => Math.round(micros) / 1000;
    if (h.totalCount === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    return {
      count: h.totalCount,
      meanMs: ms(h.mean),
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      p999Ms: ms(h.getValueAtPercentile(99.9)),
      maxMs: ms(h.maxValue),
    };
  }
}

/** One report line, e.g. `put       n=1000  p50 0.712  p90 1.204  p99 3.100  p99.9 8.210  max 12.030  mean 0.801 ms`. */
export function formatLatencyLine(label: string, s: LatencySummary): string {
  const f = (value: number): string => value.toFixed(3);
  return (
    `${label.padEnd(14)} n=${String(s.count).padEnd(8)} ` +
    `p50 ${f(s.p50Ms)}  p90 ${f(s.p90Ms)}  p99 ${f(s.p99Ms)}  p99.9 ${f(s.p999Ms)}  max ${f(s.maxMs)}  mean ${f(s.meanMs)} ms`
  );
}
