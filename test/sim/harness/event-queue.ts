/**
 * Virtual time: a min-heap of scheduled actions ordered by (time, insertion
 * number), so events at the same instant run in the order they were
 * scheduled and a seed replays exactly. Bounded: exceeding `capacity` is a
 * simulator bug (something schedules without limit) and throws.
 */

interface Scheduled {
  readonly timeMs: number;
  readonly order: number;
  readonly action: () => void;
}

export class EventQueue {
  private readonly heap: Scheduled[] = [];
  private order = 0;
  private currentMs = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get nowMs(): number {
    return this.currentMs;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs `action` `delayMs` (an integer >= 0) from now. */
  after(delayMs: number, action: () => void): void {
    if (!Number.isSafeInteger(delayMs) || delayMs < 0) throw new RangeError(`delay must be a non-negative integer, got ${delayMs}`);
    if (this.heap.length >= this.capacity) throw new Error(`event queue full (${this.capacity} events): something schedules without bound`);
    this.heap.push({ timeMs: this.currentMs + delayMs, order: this.order++, action });
    this.siftUp(this.heap.length - 1);
  }

  /** Runs the earliest event at or before `untilMs`, advancing time to it. False if there is none. */
  runNext(untilMs: number): boolean {
    const first = this.heap[0];
    if (first === undefined || first.timeMs > untilMs) return false;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.currentMs = first.timeMs;
    first.action();
    return true;
  }

  private before(a: Scheduled, b: Scheduled): boolean {
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.order < b.order);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
