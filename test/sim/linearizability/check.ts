/**
 * Entry point of the linearizability checker: split the history into the
 * model's independent partitions, drop pending reads (they cannot change
 * anything), search each partition under a budget, and combine the verdicts.
 *
 * 'illegal' anywhere makes the history illegal; otherwise a partition that ran
 * out of budget makes it 'unknown' -- never a silent 'ok'.
 */
import { searchPartition } from './search.ts';
import type { CheckBudget, CheckResult, Model, Operation, PartitionResult, Verdict } from './types.ts';

/** How much of a long linearization an explanation shows: the end is where it broke. */
const EXPLAIN_LAST_OPERATIONS = 12;

export const DEFAULT_BUDGET: CheckBudget = { maxStepsPerPartition: 2_000_000, timeLimitMs: 10_000 };

export function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  budget: CheckBudget = DEFAULT_BUDGET,
): CheckResult<Input, Output> {
  if (!(budget.maxStepsPerPartition > 0) || !(budget.timeLimitMs > 0)) {
    throw new RangeError('budget.maxStepsPerPartition and budget.timeLimitMs must be positive');
  }
  const deadline = performance.now() + budget.timeLimitMs;
  const relevant = history.filter((operation) => operation.response !== null || !model.isReadOnly(operation.input));
  const partitions: PartitionResult<Input, Output>[] = [];
  for (const partition of model.partition(relevant)) {
    partitions.push(
      searchPartition(model, partition.label, partition.operations, { maxSteps: budget.maxStepsPerPartition, deadline }),
    );
  }
  return { verdict: combine(partitions.map((p) => p.verdict)), partitions };
}

function combine(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('illegal')) return 'illegal';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'ok';
}

/** A readable account of an illegal partition: what linearized, and what could not follow. */
export function explain<State, Input, Output>(model: Model<State, Input, Output>, result: CheckResult<Input, Output>): string {
  const lines: string[] = [`verdict: ${result.verdict}`];
  for (const partition of result.partitions) {
    if (partition.verdict === 'ok') continue;
    lines.push(`partition ${partition.label}: ${partition.verdict} (${partition.operationCount} operations, ${partition.steps} steps)`);
    if (partition.verdict !== 'illegal') continue;
    const shown = partition.longestLinearization.slice(-EXPLAIN_LAST_OPERATIONS);
    const hidden = partition.longestLinearization.length - shown.length;
    lines.push(`  longest linearization${hidden > 0 ? ` (its last ${shown.length} operations; ${hidden} before them)` : ''}:`);
    for (const operation of shown) lines.push(`    ${model.describe(operation)}`);
    if (partition.blockedBy !== null) lines.push(`  cannot be linearized next: ${model.describe(partition.blockedBy)}`);
  }
  return lines.join('\n');
}
