/**
 * A doorbell joins a counter word that one thread advances to a flag word that
 * the other thread raises before it sleeps on the counter. The advancing side
 * pays for Atomics.notify only when the flag is up, and clears the flag as it
 * rings, so a burst of publishes costs one notify, not one per frame.
 *
 * Why no wake-up is lost (all accesses are sequentially consistent):
 *   sleeper: store flag=1; load counter (== seen, else give up sleeping); waitAsync(counter, seen)
 *   ringer:  store counter; load flag; if 1: CAS flag 1→0 and notify(counter)
 * Either the ringer sees the flag and notifies (if the sleeper has not reached
 * waitAsync yet, waitAsync finds counter != seen and returns at once), or the
 * counter store came first and the sleeper's load sees it.
 *
 * The sleep never holds a handle: a pending Atomics.waitAsync does not keep a
 * Node thread alive, so owners that must stay alive hold their own ref'ed timer.
 */

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

type WaitAsync = (array: Int32Array, index: number, value: number) => WaitAsyncResult;

// The project's lib is ES2023; Atomics.waitAsync is typed from ES2024 on but exists in every Node ≥ 16.
const waitAsync: WaitAsync = (() => {
  const found = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (found === undefined) throw new Error('Atomics.waitAsync is missing: ring links need Node.js ≥ 16');
  return found;
})();

export class Doorbell {
  /** The counter and the flag may live in different shared buffers (the ring keeps both in its header). */
  constructor(
    private readonly counterArray: Int32Array,
    private readonly counterIndex: number,
    private readonly flagArray: Int32Array,
    private readonly flagIndex: number,
  ) {}

  /**
   * Sleeper side. Returns null when the counter no longer equals `seenCounter`
   * (new work arrived: do not sleep), else a promise settled by the next ring.
   */
  sleepUnlessMoved(seenCounter: number): Promise<unknown> | null {
    Atomics.store(this.flagArray, this.flagIndex, 1);
    if (Atomics.load(this.counterArray, this.counterIndex) !== seenCounter) {
      Atomics.store(this.flagArray, this.flagIndex, 0);
      return null;
    }
    const wait = waitAsync(this.counterArray, this.counterIndex, seenCounter);
    if (!wait.async) {
      Atomics.store(this.flagArray, this.flagIndex, 0);
      return null;
    }
    return wait.value;
  }

  /** Ringer side, after advancing the counter. */
  ring(): void {
    if (Atomics.load(this.flagArray, this.flagIndex) !== 0 && Atomics.compareExchange(this.flagArray, this.flagIndex, 1, 0) === 1) {
      Atomics.notify(this.counterArray, this.counterIndex);
    }
  }

  /** Either side, on close: wake whoever sleeps on the counter so it can observe the new state. */
  wakeUnconditionally(): void {
    Atomics.store(this.flagArray, this.flagIndex, 0);
    Atomics.notify(this.counterArray, this.counterIndex);
  }
}
