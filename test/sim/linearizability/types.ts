/**
 * The linearizability checker's vocabulary: a history of operations seen by
 * clients, a sequential model they are checked against, and the verdict.
 *
 * Times are any totally ordered numbers (virtual ticks, event sequence
 * numbers, `performance.now()` readings): only their order matters. An
 * operation whose response was never seen (the client crashed or gave up)
 * has `response: null`; it may or may not have taken effect, at any moment
 * after its call.
 */

export interface Response<Output> {
  readonly output: Output;
  readonly returnAt: number;
}

export interface Operation<Input, Output> {
  /** Who issued it; only used in reports (the search needs times alone). */
  readonly client: number;
  readonly input: Input;
  readonly callAt: number;
  /** null: no response seen, the operation is pending forever. */
  readonly response: Response<Output> | null;
}

/** Returned by `Model.step` when the output cannot follow from the state. */
export const ILLEGAL: unique symbol = Symbol('illegal');
export type Illegal = typeof ILLEGAL;

export interface Partition<Input, Output> {
  /** Names the partition in reports (for the key-value model: the key). */
  readonly label: string;
  readonly operations: readonly Operation<Input, Output>[];
}

/**
 * A deterministic sequential specification. A model that can split a
 * history into independent parts (P-compositionality: per key for a map of
 * registers) lets the checker search each part alone, which is what keeps
 * the search tractable.
 */
export interface Model<State, Input, Output> {
  init(): State;
  /**
   * The state after applying `input` that produced `output` to `state`, or
   * ILLEGAL when that output is impossible there. `output` is null for a
   * pending operation: apply it with whatever outcome the state implies.
   */
  step(state: State, input: Input, output: Output | null): State | Illegal;
  /** Equal states must give equal keys; the search memoises on it. */
  stateKey(state: State): string;
  /** A pending read-only operation cannot change anything, so it is dropped. */
  isReadOnly(input: Input): boolean;
  partition(operations: readonly Operation<Input, Output>[]): Partition<Input, Output>[];
  describe(operation: Operation<Input, Output>): string;
}

export interface CheckBudget {
  /** Search steps allowed per partition before it is reported 'unknown'. */
  readonly maxStepsPerPartition: number;
  /** Wall-clock limit for the whole check; partitions left unsearched are 'unknown'. */
  readonly timeLimitMs: number;
}

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface PartitionResult<Input, Output> {
  readonly label: string;
  readonly verdict: Verdict;
  readonly operationCount: number;
  readonly steps: number;
  /**
   * For 'illegal': the longest order of operations the search could
   * linearize, and the operation whose response cut every extension short.
   */
  readonly longestLinearization: readonly Operation<Input, Output>[];
  readonly blockedBy: Operation<Input, Output> | null;
}

export interface CheckResult<Input, Output> {
  readonly verdict: Verdict;
  readonly partitions: readonly PartitionResult<Input, Output>[];
}
