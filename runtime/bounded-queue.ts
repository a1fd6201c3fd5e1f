/**
 * A FIFO with a hard bound, used for mailboxes and outboxes. It exists so no
 * queue in the runtime can grow without limit: `push` refuses past the bound
 * and the caller turns that into a typed error. It must never drop or reorder
 * an element it accepted.
 *
 * Storage is a power-of-two circular array that doubles up to the bound, so
 * shift() is O(1) (Array.prototype.shift is O(n) on large arrays). Elements are
 * never undefined, which lets `undefined` mean "empty".
 */
export class BoundedQueue<T extends {}> {
  readonly limit: number;
  #slots: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
    this.#slots = new Array<T | undefined>(Math.min(16, nextPowerOfTwo(limit)));
  }

  get length(): number {
    return this.#length;
  }

  /** Appends `item`; returns false (and keeps the queue unchanged) at the bound. */
  push(item: T): boolean {
    if (this.#length >= this.limit) return false;
    if (this.#length === this.#slots.length) this.#grow();
    this.#slots[(this.#head + this.#length) & (this.#slots.length - 1)] = item;
    this.#length += 1;
    return true;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#slots.length - 1);
    this.#length -= 1;
    return item;
  }

  /** Removes and returns every element, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item);
    return items;
  }

  #grow(): void {
    const grown = new Array<T | undefined>(this.#slots.length * 2);
    for (let i = 0; i < this.#length; i += 1) {
      grown[i] = this.#slots[(this.#head + i) & (this.#slots.length - 1)];
    }
    this.#slots = grown;
    this.#head = 0;
  }
}

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}
