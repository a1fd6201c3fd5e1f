/**
 * A latency histogram kept inside the actor that measures, as plain bucket
 * counts: observing costs a short scan of the bounds and three additions, no
 * message and no allocation. Whoever wants the figures asks the actor for a
 * snapshot (the /metrics scrape does, off the hot path) and renders it.
 *
 * Never: send anything per observation, or grow with the number of
 * observations (the bucket array is fixed when the histogram is made).
 */

/** What crosses the ring: bounds and per-bucket (not cumulative) counts. */
export interface DurationHistogramSnapshot {
  /** Ascending upper bounds (le) in seconds; the implicit last bucket is +Inf. */
  readonly upperBoundsSeconds: readonly number[];
  /** `upperBoundsSeconds.length + 1` counts: observations in each bucket alone, +Inf last. */
  readonly bucketCounts: readonly number[];
  readonly sumSeconds: number;
  readonly count: number;
}

/** `count` bounds starting at `startSeconds`, each `factor` times the one before (Prometheus' ExponentialBuckets). */
export function exponentialBoundsSeconds(startSeconds: number, factor: number, count: number): number[] {
  if (!(startSeconds > 0) || !(factor > 1) || !Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`exponential bounds need start > 0, factor > 1 and a positive count, got ${startSeconds}, ${factor}, ${count}`);
  }
  return Array.from({ length: count }, (_, index) => startSeconds * factor ** index);
}

/** Bounds beyond this many are a mistake: each scrape copies them. */
const MAX_BOUNDS = 64;

export class DurationHistogram {
  readonly #upperBoundsSeconds: readonly number[];
  readonly #bucketCounts: number[];
  #sumSeconds = 0;
  #count = 0;

  constructor(upperBoundsSeconds: readonly number[]) {
    if (upperBoundsSeconds.length === 0 || upperBoundsSeconds.length > MAX_BOUNDS) {
      throw new RangeError(`a histogram needs 1 to ${MAX_BOUNDS} bounds, got ${upperBoundsSeconds.length}`);
    }
    upperBoundsSeconds.forEach((bound, index) => {
      const previous = upperBoundsSeconds[index - 1] ?? 0;
      if (!Number.isFinite(bound) || bound <= previous) throw new RangeError(`histogram bounds must be finite, positive and ascending: ${upperBoundsSeconds.join(', ')}`);
    });
    this.#upperBoundsSeconds = [...upperBoundsSeconds];
    this.#bucketCounts = new Array<number>(upperBoundsSeconds.length + 1).fill(0);
  }

  observe(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError(`a duration cannot be negative or NaN, got ${seconds}`);
    const bounds = this.#upperBoundsSeconds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket += 1;
    this.#bucketCounts[bucket]! += 1;
    this.#sumSeconds += seconds;
    this.#count += 1;
  }

  snapshot(): DurationHistogramSnapshot {
    return {
      upperBoundsSeconds: this.#upperBoundsSeconds,
      bucketCounts: [...this.#bucketCounts],
      sumSeconds: this.#sumSeconds,
      count: this.#count,
    };
  }
}
