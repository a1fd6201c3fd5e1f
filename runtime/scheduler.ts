/**
 * Runs the actors of one thread. A cell with messages joins the run queue
 * once; a drain takes cells in turn, a bounded batch each (so one busy actor
 * cannot starve the others). Drains start in a microtask, so a message sent
 * on this thread is handled without waiting for the event loop; but the
 * messages handled since the last event-loop turn are counted across drains,
 * and past the turn budget the next drain waits for setImmediate. So ring
 * wake-ups, timers (Raft ticks) and the control plane still run under load,
 * even when every drain is short and started from a microtask (same-thread
 * ask replies resuming an async receive that sends again).
 *
 * Local sends never run the receiver inside the sender's receive: they only
 * enqueue and schedule, which keeps receives non-reentrant.
 */
import type { ActorCell } from './actor-cell.ts';
import { BoundedQueue } from './bounded-queue.ts';

export interface SchedulerLimits {
  /** Messages one cell handles before the next cell gets a turn. */
  readonly batchMessagesPerCell: number;
  /** Messages handled (over any number of drains) before the next drain waits for a turn of the event loop. */
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
  /** Reset only by a drain that setImmediate started, i.e. after the event loop had its turn. */
  #messagesSinceYield = 0;
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
    if (this.#messagesSinceYield < this.#limits.turnBudgetMessages) queueMicrotask(this.#drain);
    else this.#immediate = setImmediate(this.#drainAfterYield);
  }

  readonly #drainAfterYield = (): void => {
    this.#messagesSinceYield = 0;
    this.#drain();
  };

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
      // A turn stops early only when its budget ran out, so the next drain goes through setImmediate.
      if (this.#messagesSinceYield < this.#limits.turnBudgetMessages) throw new Error('scheduler invariant: cells left queued with budget to spare');
      this.#requestDrain();
    }
  };

  #runTurn(): void {
    let budget = this.#limits.turnBudgetMessages - this.#messagesSinceYield;
    while (budget > 0) {
      const cell = this.#runQueue.shift();
      if (cell === undefined) break;
      cell.scheduled = false;
      let batch = Math.min(budget, this.#limits.batchMessagesPerCell);
      while (batch > 0 && cell.runnable) {
        cell.processOne();
        batch -= 1;
        budget -= 1;
        this.#messagesSinceYield += 1;
      }
      this.schedule(cell);
    }
  }
}
