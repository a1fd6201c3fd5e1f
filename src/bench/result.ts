/**
 * The outcome of one benchmark run, merged from its shares: totals, the
 * measured wall time (first share's start to last share's end), merged
 * histograms, and the generator's own CPU use so a reader can tell whether
 * the figure measures the server or the load generator.
 */
import { LatencyHistogram } from './histogram.ts';
import type { LatencySummary } from './histogram.ts';
import type { BenchOptions, WorkloadName } from './options.ts';
import type { ShareResult } from './share.ts';

export interface GeneratorCpu {
  userMs: number;
  systemMs: number;
  /** Wall time the CPU figures cover (measured phase plus drain). */
  wallMs: number;
  /** (user + system) / wall: above 100 means more than one core was busy generating load. */
  percentOfOneCore: number;
}

export interface BenchResult {
  workload: WorkloadName;
  options: BenchOptions;
  /** Threads that generated load: the worker threads, or 1 (the calling thread). */
  loadThreads: number;
  setupMs: number;
  durationMs: number;
  ops: number;
  errors: number;
  opsPerSec: number;
  latency: LatencySummary;
  extraLatency: Record<string, LatencySummary>;
  counters: Record<string, number>;
  errorSamples: Record<string, number>;
  aborted: string | null;
  generatorCpu: GeneratorCpu;
}

export function mergeShareResults(options: BenchOptions, shares: readonly ShareResult[], generatorCpu: GeneratorCpu): BenchResult {
  if (shares.length === 0) throw new Error('no share results to merge');
  const ops = new LatencyHistogram();
  const extra = new Map<string, LatencyHistogram>();
  const counters: Record<string, number> = {};
  const errorSamples: Record<string, number> = {};
  let opCount = 0;
  let errors = 0;
  let startEpochMs = Number.POSITIVE_INFINITY;
  let endEpochMs = Number.NEGATIVE_INFINITY;
  let setupMs = 0;
  let aborted: string | null = null;
  for (const share of shares) {
    ops.add(LatencyHistogram.decode(share.opsHistogram));
    for (const [name, encoded] of Object.entries(share.extraHistograms)) {
      const merged = extra.get(name) ?? new LatencyHistogram();
      merged.add(LatencyHistogram.decode(encoded));
      extra.set(name, merged);
    }
    addInto(counters, share.counters);
    addInto(errorSamples, share.errorSamples);
    opCount += share.ops;
    errors += share.errors;
    startEpochMs = Math.min(startEpochMs, share.startEpochMs);
    endEpochMs = Math.max(endEpochMs, share.endEpochMs);
    setupMs = Math.max(setupMs, share.setupMs);
    aborted ??= share.aborted;
  }
  if (ops.count !== opCount) throw new Error(`histogram holds ${ops.count} latencies for ${opCount} operations`);
  const durationMs = Math.max(endEpochMs - startEpochMs, 0.001);
  return {
    workload: options.workload,
    options,
    loadThreads: shares.length,
    setupMs: round3(setupMs),
    durationMs: round3(durationMs),
    ops: opCount,
    errors,
    opsPerSec: Math.round((opCount / durationMs) * 1000 * 10) / 10,
    latency: ops.summary(),
    extraLatency: Object.fromEntries([...extra].map(([name, histogram]) => [name, histogram.summary()])),
    counters,
    errorSamples,
    aborted,
    generatorCpu,
  };
}

export function measureGeneratorCpu(since: NodeJS.CpuUsage, sinceWallMs: number): GeneratorCpu {
  const used = process.cpuUsage(since);
  const wallMs = Math.max(performance.now() - sinceWallMs, 0.001);
  const userMs = used.user / 1000;
  const systemMs = used.system / 1000;
  return {
    userMs: round3(userMs),
    systemMs: round3(systemMs),
    wallMs: round3(wallMs),
    percentOfOneCore: Math.round(((userMs + systemMs) / wallMs) * 1000) / 10,
  };
}

function addInto(target: Record<string, number>, source: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(source)) target[key] = (target[key] ?? 0) + value;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
