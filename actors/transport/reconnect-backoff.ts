/**
 * How long a link waits before dialing again: exponential from minMs, capped
 * at maxMs, with "equal jitter" (a random point in the upper half of the
 * step) so members that lost a peer together do not redial in lockstep.
 * Math.random is fine here: this is I/O pacing, not a replayable decision.
 */
export class ReconnectBackoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(minMs: number, maxMs: number, random: () => number = Math.random) {
    if (!Number.isFinite(minMs) || minMs <= 0 || !Number.isFinite(maxMs) || maxMs < minMs) {
      throw new RangeError(`reconnect backoff needs 0 < minMs <= maxMs, got ${minMs} and ${maxMs}`);
    }
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#random = random;
  }

  /** The delay before the next attempt; each call counts one more consecutive failure. */
  nextDelayMs(): number {
    // 2^30 × minMs is past any sane maxMs: cap the exponent so the step stays finite.
    const stepMs = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    return stepMs / 2 + this.#random() * (stepMs / 2);
  }

  /** After a successful connection, start again from minMs. */
  reset(): void {
    this.#failures = 0;
  }
}
