/**
 * Requests a member holds while it cannot answer them yet, each with a
 * deadline: the lease wheel of a new leader holds keep-alives until it has
 * applied every entry of earlier terms and armed its leases (etcd's leader
 * retries "not primary" renewals the same way), so a client sees a slower
 * renewal rather than an error.
 *
 * Never: hold more than `maxHeld`, or hold anything past its deadline once
 * `takeExpired` is called with a later clock reading.
 */

interface Held<T> {
  readonly item: T;
  readonly deadlineMs: number;
}

export class HeldRequests<T> {
  private held: Held<T>[] = [];

  constructor(private readonly maxHeld: number) {
    if (!Number.isSafeInteger(maxHeld) || maxHeld <= 0) throw new RangeError(`HeldRequests: maxHeld must be a positive integer, got ${maxHeld}`);
  }

  get size(): number {
    return this.held.length;
  }

  /** False when `maxHeld` are already held: the caller refuses the request instead. */
  hold(item: T, deadlineMs: number): boolean {
    if (this.held.length >= this.maxHeld) return false;
    this.held.push({ item, deadlineMs });
    return true;
  }

  /** Everything held, in arrival order; nothing is held afterwards. */
  takeAll(): T[] {
    const items = this.held.map((held) => held.item);
    this.held = [];
    return items;
  }

  /** The requests whose deadline is at or before `nowMs`, in arrival order. */
  takeExpired(nowMs: number): T[] {
    if (this.held.length === 0) return [];
    const expired = this.held.filter((held) => held.deadlineMs <= nowMs);
    if (expired.length > 0) this.held = this.held.filter((held) => held.deadlineMs > nowMs);
    return expired.map((held) => held.item);
  }
}
