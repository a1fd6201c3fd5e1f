/** Messages between the benchmark coordinator and a load-generating worker thread. */
import type { BenchOptions } from './options.ts';
import type { ShareResult } from './share.ts';
import type { ShareSpec } from './workload.ts';

export interface WorkerInput {
  options: BenchOptions;
  spec: ShareSpec;
}

export type ToWorker = { type: 'start' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'progress'; completedOps: number }
  | { type: 'done'; result: ShareResult };

/** How often a worker reports its progress while running. */
export const progressIntervalMs = 200;
