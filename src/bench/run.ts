/**
 * Coordinates a benchmark: splits it into shares, runs them on the calling
 * thread (--workers 0) or on worker threads, starts every share's clock only
 * once all are set up, measures the generator's CPU over the run, and merges
 * the shares' results. Every wait on a worker is bounded; a worker that fails
 * or hangs is reported and terminated, never waited on forever.
 */
import { Worker } from 'node:worker_threads';
import { validateBenchOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { measureGeneratorCpu, mergeShareResults } from './result.ts';
import type { BenchResult } from './result.ts';
import { prepareShare, splitIntoShares } from './share.ts';
import type { ShareResult } from './share.ts';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.ts';
import { progressIntervalMs } from './worker-protocol.ts';
import type { ShareSpec } from './workload.ts';

export interface BenchHooks {
  /** Called about every 200 ms during the measured phase. */
  onProgress?(completedOps: number, elapsedMs: number): void;
}

const workerEntry = new URL('./worker-entry.mjs', import.meta.url);
/** How long a finished worker may take to exit before it is terminated. */
const workerExitWaitMs = 5_000;
/** Bound on a worker's setup (connect + seed + watchers + leases). */
const workerReadyWaitMs = 600_000;

interface ShareHandle {
  readonly ready: Promise<void>;
  start(): Promise<ShareResult>;
  completedOps(): number;
  dispose(): Promise<void>;
}

export async function runBench(options: BenchOptions, hooks: BenchHooks = {}): Promise<BenchResult> {
  validateBenchOptions(options);
  const specs = splitIntoShares(options);
  const handles = options.workers === 0 ? specs.map((spec) => inThreadShare(options, spec)) : specs.map((spec) => workerShare(options, spec));
  try {
    const readiness = await Promise.allSettled(handles.map((handle) => handle.ready));
    const failed = readiness.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const cpuStart = process.cpuUsage();
    const wallStartMs = performance.now();
    const progress = setInterval(() => {
      const done = handles.reduce((sum, handle) => sum + handle.completedOps(), 0);
      hooks.onProgress?.(done, performance.now() - wallStartMs);
    }, progressIntervalMs);
    let results: ShareResult[];
    try {
      results = await Promise.all(handles.map((handle) => handle.start()));
    } finally {
      clearInterval(progress);
    }
    return mergeShareResults(options, results, measureGeneratorCpu(cpuStart, wallStartMs));
  } finally {
    await Promise.all(handles.map((handle) => handle.dispose()));
  }
}

function inThreadShare(options: BenchOptions, spec: ShareSpec): ShareHandle {
  const prepared = prepareShare(options, spec);
  // Observed here so a setup failure is not reported as unhandled before `ready` is awaited.
  prepared.catch(() => {});
  let completed = (): number => 0;
  return {
    ready: prepared.then((share) => {
      completed = () => share.completedOps;
    }),
    start: async () => (await prepared).run(),
    completedOps: () => completed(),
    dispose: async () => {
      const share = await prepared.catch(() => null);
      share?.close();
    },
  };
}

function workerShare(options: BenchOptions, spec: ShareSpec): ShareHandle {
  const input: WorkerInput = { options, spec };
  const worker = new Worker(workerEntry, { workerData: input });
  let completedOps = 0;
  let onReady: { resolve(): void; reject(error: Error): void } | null = null;
  let onDone: { resolve(result: ShareResult): void; reject(error: Error): void } | null = null;
  let exited = false;
  let started = false;
  const fail = (error: Error): void => {
    onReady?.reject(error);
    onDone?.reject(error);
    onReady = null;
    onDone = null;
  };
  const ready = new Promise<void>((resolve, reject) => {
    onReady = { resolve, reject };
  });
  ready.catch(() => {});
  const readyTimer = setTimeout(() => fail(new Error(`bench worker ${spec.index}: not ready within ${workerReadyWaitMs} ms`)), workerReadyWaitMs);
  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'ready':
        clearTimeout(readyTimer);
        onReady?.resolve();
        onReady = null;
        return;
      case 'progress':
        completedOps = message.completedOps;
        return;
      case 'done':
        onDone?.resolve(message.result);
        onDone = null;
        return;
      case 'failed':
        clearTimeout(readyTimer);
        fail(new Error(message.message));
        return;
    }
  });
  worker.on('error', (error) => {
    clearTimeout(readyTimer);
    fail(error);
  });
  const exit = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exited = true;
      clearTimeout(readyTimer);
      fail(new Error(`bench worker ${spec.index} exited (code ${code}) before finishing`));
      resolve();
    });
  });
  return {
    ready,
    start: () => {
      if (exited) return Promise.reject(new Error(`bench worker ${spec.index} exited before the start`));
      started = true;
      const done = new Promise<ShareResult>((resolve, reject) => {
        onDone = { resolve, reject };
      });
      worker.postMessage({ type: 'start' } satisfies ToWorker);
      return done;
    },
    completedOps: () => completedOps,
    dispose: async () => {
      if (exited) return;
      if (!started) {
        // Still waiting for 'start' (another share failed): nothing to let finish.
        await worker.terminate();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), workerExitWaitMs);
      });
      const outcome = await Promise.race([exit, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') await worker.terminate();
    },
  };
}
