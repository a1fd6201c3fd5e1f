/**
 * One measured phase of the embedded bench: closed-loop callers on the host's
 * main thread for a fixed time, and what the phase cost besides latency: the
 * host event loop's delay and busy share (what an application embedding the
 * member feels) and the whole process's CPU (every thread: the member's
 * workers, the libuv pool that fsyncs, the callers). It never touches the
 * member itself, only the operation it is given.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { LatencyHistogram, formatLatencyLine, type LatencySummary } from '../../src/bench/histogram.ts';

/** More callers than this measure the promise machinery, not the member. */
const CALLERS_MAX = 4_096;

export interface PhaseResult {
  readonly label: string;
  readonly opsPerSecond: number;
  readonly latency: LatencySummary;
  /** Lower bounds (the phase's length) when `hostLoopStarved`. */
  readonly hostLoopP50Ms: number;
  readonly hostLoopP99Ms: number;
  /** No timer ran on the host during the phase: replies arrived as microtasks only and the loop never turned. */
  readonly hostLoopStarved: boolean;
  /** Share of the phase the host's event loop was busy (0..1). */
  readonly hostBusy: number;
  /** Process CPU time (user + system, all threads) over wall time. */
  readonly cpuCores: number;
  readonly cpuMicrosPerOp: number;
}

export interface CpuWindow {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and process CPU time of `work`. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; window: CpuWindow }> {
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const value = await work();
  const cpu = process.cpuUsage(cpuBefore);
  return { value, window: { wallMs: performance.now() - startedAt, cpuMs: (cpu.user + cpu.system) / 1000 } };
}

export async function measurePhase(label: string, callers: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<PhaseResult> {
  if (!Number.isSafeInteger(callers) || callers < 1 || callers > CALLERS_MAX) throw new RangeError(`callers must be in [1, ${CALLERS_MAX}], got ${callers}`);
  if (!(seconds > 0)) throw new RangeError(`seconds must be positive, got ${seconds}`);
  const latency = new LatencyHistogram();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const eluBefore = performance.eventLoopUtilization();
  loopDelay.enable();
  let next = 0;
  const { window } = await timed(async () => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < deadline) {
          const began = performance.now();
          await op(next++);
          latency.recordMs(performance.now() - began);
        }
      }),
    );
  });
  loopDelay.disable();
  const ops = latency.count;
  const hostLoopStarved = loopDelay.count === 0;
  return {
    label,
    opsPerSecond: ops / (window.wallMs / 1000),
    latency: latency.summary(),
    hostLoopP50Ms: hostLoopStarved ? window.wallMs : loopDelay.percentile(50) / 1e6,
    hostLoopP99Ms: hostLoopStarved ? window.wallMs : loopDelay.percentile(99) / 1e6,
    hostLoopStarved,
    hostBusy: performance.eventLoopUtilization(eluBefore).utilization,
    cpuCores: window.cpuMs / window.wallMs,
    cpuMicrosPerOp: ops === 0 ? Number.NaN : (window.cpuMs * 1000) / ops,
  };
}

export function formatPhase(result: PhaseResult): string {
  return (
    `${formatLatencyLine(result.label, result.latency)}  ${Math.round(result.opsPerSecond)} ops/s  ` +
    (result.hostLoopStarved
      ? `host loop STARVED (no timer ran in ${Math.round(result.hostLoopP99Ms)} ms)`
      : `host loop p50/p99 ${result.hostLoopP50Ms.toFixed(2)}/${result.hostLoopP99Ms.toFixed(2)} ms`) +
    `, busy ${(result.hostBusy * 100).toFixed(0)}%  ` +
    `cpu ${result.cpuCores.toFixed(2)} cores, ${Math.round(result.cpuMicrosPerOp)} µs/op`
  );
}
