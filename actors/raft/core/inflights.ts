/**
 * The in-flight window of one follower: the last index carried by each
 * append message sent but not yet acknowledged, oldest first. When the
 * window is full the leader stops sending to that follower (flow control);
 * an acknowledgement up to index i frees every message ending at or below i.
 *
 * A fixed ring: it never grows past `capacity` and never allocates after
 * construction.
 */
import { invariant } from './errors.ts';

export class Inflights {
  private readonly lastIndexes: Float64Array;
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    invariant(Number.isSafeInteger(capacity) && capacity > 0, 'the in-flight window needs a positive capacity');
    this.lastIndexes = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Records a message whose last entry is `lastIndex`; indexes must grow. */
  add(lastIndex: number): void {
    invariant(this.size < this.capacity, 'add to a full in-flight window');
    if (this.size > 0) {
      const newest = this.lastIndexes[(this.start + this.size - 1) % this.capacity] as number;
      invariant(lastIndex > newest, 'in-flight last indexes must increase');
    }
    this.lastIndexes[(this.start + this.size) % this.capacity] = lastIndex;
    this.size++;
  }

  /** Frees every message whose last index is <= `index`. */
  freeUpTo(index: number): void {
    while (this.size > 0 && (this.lastIndexes[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
  }

  /** Frees the oldest message (a heartbeat response proved the follower alive while the window was full). */
  freeFirstOne(): void {
    if (this.size === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
  }

  reset(): void {
    this.start = 0;
    this.size = 0;
  }
}
