/** The workload named by --workload, by name. */
import type { WorkloadName } from '../options.ts';
import type { WorkloadFactory } from '../workload.ts';
import { createLeaseWorkload } from './lease.ts';
import { createMixedWorkload } from './mixed.ts';
import { createPutWorkload } from './put.ts';
import { createRangeWorkload } from './range.ts';
import { createTxnPutWorkload } from './txn-put.ts';
import { createWatchWorkload } from './watch.ts';

export const workloadFactories: Readonly<Record<WorkloadName, WorkloadFactory>> = {
  put: createPutWorkload,
  range: createRangeWorkload,
  'txn-put': createTxnPutWorkload,
  watch: createWatchWorkload,
  lease: createLeaseWorkload,
  mixed: createMixedWorkload,
};
