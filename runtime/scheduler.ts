/**
 * Runs the actors of one thread. A cell with messages joins the run queue
 * once; a drain takes cells in turn, a bounded batch each (so one busy actor
 * cannot starve the others), and a drain handles a bounded number of messages
 * before it yields to the event loop with setImmediate (so ring wake-ups,
 * timers and the control plane still run under load).
 *
 * Local sends never run the receiver inside the sender's receive: they only
 * enqueue and schedule, which keeps receives non-reentrant.
 */
import type { ActorCell } from './actor-cell.ts';
import { BoundedQueue } from './bounded-queue.ts';

export interface SchedulerLimits {
  /** Messages one cell handles before the next cell gets a turn. */
  readonly batchMessagesPerCell: number;
  /** Messages one drain handles before yielding to the event loop. */
  readonly turnBudgetMessages: number;
  /** Cells that can be queued at once (each cell is queued at most once). */
  readonly cellsMax: number;
}

export class Scheduler {
  readonly #limits: SchedulerLimits;
  readonly #runQueue: BoundedQueue<ActorCell>;
  #drainRequested = false;
  #draining = false;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(limits: SchedulerLimits) {
    if (limits.batchMessagesPerCell < 1 || limits.turnBudgetMessages < 1) throw new RangeError('scheduler budgets must be ≥ 1');
    this.#limits = limits;
    this.#runQueue = new BoundedQueue<ActorCell>(limits.cellsMax);
  }

  schedule(cell: ActorCell): void {
    if (this.#closed || cell.scheduled || !cell.runnable) return;
    if (!this.#runQueue.push(cell)) throw new Error(`run queue holds ${this.#limits.cellsMax} cells, the bound on actors per thread`);
    cell.scheduled = true;
    if (!this.#draining) this.#requestDrain();
  }

  /** Stops running cells; pending drains become no-ops. */
  close(): void {
    this.#closed = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (const cell of this.#runQueue.drain()) cell.scheduled = false;
  }

  #requestDrain(): void {
    if (this.#drainRequested) return;
    this.#drainRequested = true;
    queueMicrotask(this.#drain);
  }

  readonly #drain = (): void => {
    this.#drainRequested = false;
    this.#immediate = undefined;
    if (this.#closed) return;
    this.#draining = true;
    try {
      this.#runTurn();
    } finally {
      this.#draining = false;
    }
    if (this.#runQueue.length > 0 && !this.#closed) {
      this.#drainRequested = true;
      this.#immediate = setImmediate(this.#drain);
    }
  };

  #runTurn(): void {
    let budget = this.#limits.turnBudgetMessages;
    while (budget > 0) {
      const cell = this.#runQueue.shift();
      if (cell === undefined) break;
      cell.scheduled = false;
      let batch = Math.min(budget, this.#limits.batchMessagesPerCell);
      while (batch > 0 && cell.runnable) {
        cell.processOne();
        batch -= 1;
        budget -= 1;
      }
      this.schedule(cell);
    }
  }
}
