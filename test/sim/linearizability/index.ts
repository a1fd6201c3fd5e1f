/**
 * The linearizability checker's public API, shared by the simulator and the
 * real-process cluster tests: build a history of `Operation`s, then call
 * `checkLinearizable(kvModel, history)` (or your own `Model`).
 */
export { checkLinearizable, explain, DEFAULT_BUDGET } from './check.ts';
export { kvModel } from './kv-model.ts';
export type { KvInput, KvOutput, KvOperation } from './kv-model.ts';
export { ILLEGAL } from './types.ts';
export type { CheckBudget, CheckResult, Illegal, Model, Operation, Partition, PartitionResult, Response, Verdict } from './types.ts';
