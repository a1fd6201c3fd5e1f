/**
 * Runs one share of a benchmark on the current thread: opens the share's
 * connections, sets the workload up, then drives its closed-loop clients until
 * the stop condition, recording every operation's latency. The result is
 * plain data (histograms encoded) so a worker thread can post it back.
 *
 * Setup is separate from `run` so that all threads finish setting up before
 * any of them starts the clock. Never retries a failed operation: a failure is
 * counted and the client moves on, so error counts are the server's, not ours.
 */
import { EtcdConnection } from './connection.ts';
import { LatencyHistogram } from './histogram.ts';
import type { BenchOptions, StopCondition } from './options.ts';
import { Pacer } from './pacer.ts';
import type { ShareSpec, Workload, WorkloadContext } from './workload.ts';
import { workloadFactories } from './workloads/index.ts';

export const connectTimeoutMs = 5_000;
/** A run stops early once errors reach this many and outnumber successes: the server is down, not slow. */
export const abortErrorsMin = 1_000;
/** Distinct error messages kept as samples; later ones are counted under one line. */
const errorSamplesMax = 20;
const otherErrorsSample = '(other errors)';

export interface ShareResult {
  ops: number;
  errors: number;
  errorSamples: Record<string, number>;
  counters: Record<string, number>;
  opsHistogram: string;
  extraHistograms: Record<string, string>;
  /** Wall-clock bounds of the measured phase, comparable across threads. */
  startEpochMs: number;
  endEpochMs: number;
  setupMs: number;
  aborted: string | null;
}

/** Splits the options into `max(1, workers)` shares as evenly as whole numbers allow. */
export function splitIntoShares(options: BenchOptions): ShareSpec[] {
  const count = Math.max(1, options.workers);
  const part = (n: number, i: number): number => Math.floor(n / count) + (i < n % count ? 1 : 0);
  const shares: ShareSpec[] = [];
  let connOffset = 0;
  for (let i = 0; i < count; i++) {
    const stop: StopCondition = options.stop.kind === 'total' ? { kind: 'total', ops: part(options.stop.ops, i) } : options.stop;
    const conns = part(options.conns, i);
    shares.push({
      index: i,
      count,
      clients: part(options.clients, i),
      conns,
      connOffset,
      stop,
      rateOpsPerSec: options.rateOpsPerSec / count,
      watchers: part(options.watchers, i),
      watchStreams: part(options.watchStreams, i),
      seeds: i === 0,
    });
    connOffset += conns;
  }
  return shares;
}

const epochNowMs = (): number => performance.timeOrigin + performance.now();

class ErrorTally {
  total = 0;
  readonly samples: Record<string, number> = {};
  #distinct = 0;

  add(message: string, count = 1): void {
    if (!(count >= 1)) throw new Error(`error count must be >= 1, got ${count}`);
    this.total += count;
    let key = message;
    if (this.samples[key] === undefined) {
      if (this.#distinct >= errorSamplesMax) key = otherErrorsSample;
      else this.#distinct++;
    }
    this.samples[key] = (this.samples[key] ?? 0) + count;
  }
}

/** Hands out the right to start one more operation, per the stop condition. */
class OpBudget {
  #remaining: number;
  readonly #deadlineMs: number;
  abortReason: string | null = null;

  constructor(stop: StopCondition) {
    this.#remaining = stop.kind === 'total' ? stop.ops : Number.POSITIVE_INFINITY;
    this.#deadlineMs = stop.kind === 'duration' ? performance.now() + stop.ms : Number.POSITIVE_INFINITY;
  }

  claim(): boolean {
    if (this.abortReason !== null || this.#remaining <= 0 || performance.now() >= this.#deadlineMs) return false;
    this.#remaining--;
    return true;
  }
}

export class PreparedShare {
  readonly #spec: ShareSpec;
  readonly #conns: readonly EtcdConnection[];
  readonly #workload: Workload;
  readonly #opsHistogram = new LatencyHistogram();
  readonly #extraHistograms: Map<string, LatencyHistogram>;
  readonly #counters: Map<string, number>;
  readonly #errors: ErrorTally;
  readonly #setupMs: number;
  #ops = 0;
  #closed = false;

  constructor(parts: {
    spec: ShareSpec;
    conns: readonly EtcdConnection[];
    workload: Workload;
    extraHistograms: Map<string, LatencyHistogram>;
    counters: Map<string, number>;
    errors: ErrorTally;
    setupMs: number;
  }) {
    this.#spec = parts.spec;
    this.#conns = parts.conns;
    this.#workload = parts.workload;
    this.#extraHistograms = parts.extraHistograms;
    this.#counters = parts.counters;
    this.#errors = parts.errors;
    this.#setupMs = parts.setupMs;
  }

  /** Operations finished so far (successful or not), for progress display. */
  get completedOps(): number {
    return this.#ops + this.#errors.total;
  }

  async run(): Promise<ShareResult> {
    if (this.#closed) throw new Error('share already closed');
    const budget = new OpBudget(this.#spec.stop);
    const pacer = new Pacer(this.#spec.rateOpsPerSec);
    const startEpochMs = epochNowMs();
    await Promise.all(Array.from({ length: this.#spec.clients }, (_, client) => this.#clientLoop(client, budget, pacer)));
    const endEpochMs = epochNowMs();
    await this.#workload.drain();
    const extraHistograms: Record<string, string> = {};
    for (const [name, histogram] of this.#extraHistograms) extraHistograms[name] = histogram.encode();
    return {
      ops: this.#ops,
      errors: this.#errors.total,
      errorSamples: { ...this.#errors.samples },
      counters: Object.fromEntries(this.#counters),
      opsHistogram: this.#opsHistogram.encode(),
      extraHistograms,
      startEpochMs,
      endEpochMs,
      setupMs: this.#setupMs,
      aborted: budget.abortReason,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#workload.close();
    for (const conn of this.#conns) conn.close();
  }

  async #clientLoop(client: number, budget: OpBudget, pacer: Pacer): Promise<void> {
    while (budget.claim()) {
      await pacer.wait();
      const startMs = performance.now();
      try {
        await this.#workload.op(client);
        this.#opsHistogram.recordMs(performance.now() - startMs);
        this.#ops++;
      } catch (error) {
        this.#errors.add(error instanceof Error ? error.message : String(error));
        if (this.#errors.total >= abortErrorsMin && this.#errors.total > this.#ops) {
          budget.abortReason = `stopped early after ${this.#errors.total} errors (more than the ${this.#ops} successes)`;
        }
      }
    }
  }
}

/** Connects and sets the workload up; on failure releases everything it opened and rethrows. */
export async function prepareShare(options: BenchOptions, spec: ShareSpec): Promise<PreparedShare> {
  const conns = Array.from({ length: spec.conns }, (_, i) => {
    const endpoint = options.endpoints[(spec.connOffset + i) % options.endpoints.length];
    if (endpoint === undefined) throw new Error('bench: no endpoint');
    return new EtcdConnection(endpoint);
  });
  const extraHistograms = new Map<string, LatencyHistogram>();
  const counters = new Map<string, number>();
  const errors = new ErrorTally();
  const ctx: WorkloadContext = {
    options,
    share: spec,
    conns,
    connFor: (client) => {
      const conn = conns[client % conns.length];
      if (conn === undefined) throw new Error(`bench: no connection for client ${client}`);
      return conn;
    },
    histogram: (name) => {
      let histogram = extraHistograms.get(name);
      if (histogram === undefined) {
        histogram = new LatencyHistogram();
        extraHistograms.set(name, histogram);
      }
      return histogram;
    },
    count: (counter, by = 1) => counters.set(counter, (counters.get(counter) ?? 0) + by),
    fail: (message, count = 1) => errors.add(message, count),
  };
  const workload = workloadFactories[options.workload](ctx);
  const setupStartMs = performance.now();
  try {
    await Promise.all(conns.map((conn) => conn.waitReady(connectTimeoutMs)));
    await workload.setup();
  } catch (error) {
    workload.close();
    for (const conn of conns) conn.close();
    throw error;
  }
  return new PreparedShare({ spec, conns, workload, extraHistograms, counters, errors, setupMs: performance.now() - setupStartMs });
}
