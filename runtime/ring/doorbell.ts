/**
 * A doorbell joins a counter word that one thread advances to a flag word that
 * the other thread raises before it sleeps on the counter. The advancing side
 * pays for Atomics.notify only when the flag is up, and clears the flag as it
 * rings, so a burst of publishes costs one notify, not one per frame.
 *
 * Why no wake-up is lost (all accesses are sequentially consistent):
 *   sleeper: store flag=token; load counter (== seen, else give up sleeping); waitAsync(counter, seen)
 *   ringer:  store counter; load flag; if token t ≠ 0: CAS flag t→0 and notify(counter)
 * Either the ringer sees the flag and notifies (if the sleeper has not reached
 * waitAsync yet, waitAsync finds counter != seen and returns at once), or the
 * counter store came first and the sleeper's load sees it.
 *
 * The flag holds a token that changes with every sleep attempt, not a plain 1.
 * With a plain 1, a ringer that loaded the flag of one sleep and was
 * preempted before its CAS could take down the flag of the sleeper's next
 * sleep: its notify then woke nobody (or only the earlier sleep), the new
 * sleep lay with its flag down, and the next ring skipped the notify, so the
 * sleeper waited for SLEEP_RECHECK_MS with work waiting
 * (test/runtime/ring/doorbell.test.ts replays that interleaving). With a
 * token, the stale CAS fails and the flag stays up for the ring that matters.
 *
 * The sleep never holds a handle: a pending Atomics.waitAsync does not keep a
 * Node thread alive, so owners that must stay alive hold their own ref'ed timer.
 *
 * Every sleep is also bounded (SLEEP_RECHECK_MS): if a ring were ever lost (a
 * peer that publishes without ringing, or a platform bug), the sleeper looks
 * again after at most that long instead of waiting forever, and the wake is
 * counted in missedRings so it does not pass unnoticed. (During development
 * two benchmark runs out of ~15 hung with both ends asleep, before this
 * recheck existed; the stale-CAS race above is one way that could happen. A
 * reader that polled its write position for ~2 µs before sleeping (tried,
 * not kept) still showed 1 s receiver stalls counted here in 3 of 6
 * bench/ring runs, with and without the token: a second cause, not found.
 * The final code still missed 2 wake-ups in one quiet `npm run bench:ring`
 * run, in the worker → busy main section, each a 1 s stall with a 1 s
 * bound. Until the cause is found the bound is 100 ms: a lost wake-up then
 * costs at most that. The price is idle CPU, every sleeper looking 10 times a
 * second: an idle embedded member (`open()`, then nothing, process CPU over
 * 5 s) used 1.5% of a core with one worker (0.9% with the 1 s bound) and
 * 5.8% with one worker per actor (1.4%).)
 */

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => WaitAsyncResult;

export type WakeOutcome = 'ok' | 'timed-out';

/** Longest a sleeper goes without looking at the counter again. */
export const SLEEP_RECHECK_MS = 100;

// The project's lib is ES2023; Atomics.waitAsync is typed from ES2024 on but exists in every Node ≥ 16.
const waitAsync: WaitAsync = (() => {
  const found = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (found === undefined) throw new Error('Atomics.waitAsync is missing: ring links need Node.js ≥ 16');
  return found;
})();

export class Doorbell {
  /** Sleeps that ran out their time although the counter had moved: rings that never came. */
  missedRings = 0;
  private sleptAt = 0;
  /** The last token this sleeper raised: 1..2^31-1, never 0 (0 is "not asleep"). */
  private token = 0;

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
  sleepUnlessMoved(seenCounter: number): Promise<WakeOutcome> | null {
    this.token = (this.token % 0x7fff_ffff) + 1;
    Atomics.store(this.flagArray, this.flagIndex, this.token);
    if (Atomics.load(this.counterArray, this.counterIndex) !== seenCounter) {
      Atomics.store(this.flagArray, this.flagIndex, 0);
      return null;
    }
    const wait = waitAsync(this.counterArray, this.counterIndex, seenCounter, SLEEP_RECHECK_MS);
    if (!wait.async) {
      Atomics.store(this.flagArray, this.flagIndex, 0);
      return null;
    }
    this.sleptAt = seenCounter;
    return wait.value;
  }

  /** Sleeper side, when a sleep ends: counts a missed ring if the sleep timed out with the counter moved. */
  noteWake(outcome: WakeOutcome): void {
    if (outcome === 'timed-out' && Atomics.load(this.counterArray, this.counterIndex) !== this.sleptAt) this.missedRings++;
  }

  /** Ringer side, after advancing the counter. */
  ring(): void {
    const token = Atomics.load(this.flagArray, this.flagIndex);
    if (token !== 0 && Atomics.compareExchange(this.flagArray, this.flagIndex, token, 0) === token) {
      Atomics.notify(this.counterArray, this.counterIndex);
    }
  }

  /** Either side, on close: wake whoever sleeps on the counter so it can observe the new state. */
  wakeUnconditionally(): void {
    Atomics.store(this.flagArray, this.flagIndex, 0);
    Atomics.notify(this.counterArray, this.counterIndex);
  }
}
