/**
 * When the applier snapshots its state: every `snapshotCountEntries` applied
 * entries (etcd's --snapshot-count), one snapshot at a time. And how a long
 * encoding shares the applier's thread: it runs in steps, with the event loop
 * free between them, so committed entries keep being applied while a
 * snapshot of a large store is written.
 *
 * Never: start a snapshot while another is being built (two 300 MB buffers
 * at once is how a member runs out of memory).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class SnapshotSchedule {
  private lastSnapshotIndex = 0;
  private building = false;

  constructor(private readonly snapshotCountEntries: number) {
    if (!Number.isSafeInteger(snapshotCountEntries) || snapshotCountEntries < 1) {
      throw new RangeError(`snapshotCountEntries must be a positive integer, got ${snapshotCountEntries}`);
    }
  }

  /** True (and the snapshot counts as started) when `appliedIndex` is far enough past the last one. */
  begin(appliedIndex: number): boolean {
    if (this.building || appliedIndex - this.lastSnapshotIndex < this.snapshotCountEntries) return false;
    this.building = true;
    this.lastSnapshotIndex = appliedIndex;
    return true;
  }

  finished(): void {
    if (!this.building) throw new Error('invariant: a snapshot finished that was never started');
    this.building = false;
  }

  /** A snapshot was installed (restart or leader): the count starts from it. */
  installed(index: number): void {
    this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, index);
  }
}

/** Runs `steps` to completion, giving the event loop a turn between steps. */
export async function runInSteps<T>(steps: Generator<void, T, void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await nextTurn();
  }
}
