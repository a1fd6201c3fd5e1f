/**
 * A first-in first-out queue with a hard length bound and O(1) shift (a
 * growable circular array), used for the sends waiting for ring space. It
 * must never grow past `lengthMax`: push() throws instead.
 */

export class BoundedFifo<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;

  constructor(readonly lengthMax: number) {
    if (!Number.isInteger(lengthMax) || lengthMax < 1) throw new RangeError(`lengthMax must be a positive integer, got ${lengthMax}`);
  }

  get length(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.lengthMax;
  }

  push(item: T): void {
    if (this.isFull) throw new RangeError(`BoundedFifo is full (${this.lengthMax} items)`);
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    return item;
  }

  private grow(): void {
    const grown = new Array<T | undefined>(Math.min(this.slots.length * 2, Math.max(this.lengthMax, 16)));
    for (let i = 0; i < this.count; i++) grown[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = grown;
    this.head = 0;
  }
}
