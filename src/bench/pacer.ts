/**
 * Spaces operations evenly to hold `--rate`: the n-th permit is due at
 * start + n / rate, whichever client asks for it. A client that falls behind
 * does not get a burst of catch-up permits larger than one second's worth,
 * so a stall on the server is not followed by an artificial spike.
 * Latency is measured from the moment an operation is actually sent (closed
 * loop): a stalled server delays later sends rather than inflating their
 * latency (no coordinated-omission correction; the report says the rate held).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Pacer {
  readonly #intervalMs: number;
  #nextDueMs: number;

  /** `opsPerSec` 0 means unlimited: `wait()` returns at once. */
  constructor(opsPerSec: number, nowMs: number = performance.now()) {
    if (!(opsPerSec >= 0) || !Number.isFinite(opsPerSec)) throw new Error(`rate must be a finite number >= 0, got ${opsPerSec}`);
    this.#intervalMs = opsPerSec === 0 ? 0 : 1000 / opsPerSec;
    this.#nextDueMs = nowMs;
  }

  async wait(): Promise<void> {
    if (this.#intervalMs === 0) return;
    const nowMs = performance.now();
    const backlogFloorMs = nowMs - 1000;
    if (this.#nextDueMs < backlogFloorMs) this.#nextDueMs = backlogFloorMs;
    const dueMs = this.#nextDueMs;
    this.#nextDueMs += this.#intervalMs;
    if (dueMs > nowMs) await sleep(dueMs - nowMs);
  }
}
