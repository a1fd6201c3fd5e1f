/**
 * Reads that must wait until the state machine has applied a given index
 * (a linearizable read's read index). Bounded: past the bound a read is
 * refused at once rather than queued without limit.
 */
export interface WaitingRead {
  readonly minAppliedIndex: number;
  readonly serve: () => void;
}

export class ReadQueue {
  private waiting: WaitingRead[] = [];

  constructor(private readonly maxWaitingReads: number) {}

  /** False when the queue is full (the caller refuses the read). */
  enqueue(read: WaitingRead): boolean {
    if (this.waiting.length >= this.maxWaitingReads) return false;
    this.waiting.push(read);
    return true;
  }

  /** Serves, in arrival order, every read whose index is now applied. */
  serveUpTo(appliedIndex: number): void {
    if (this.waiting.length === 0) return;
    const stillWaiting: WaitingRead[] = [];
    for (const read of this.waiting) {
      if (read.minAppliedIndex <= appliedIndex) read.serve();
      else stillWaiting.push(read);
    }
    this.waiting = stillWaiting;
  }
}
