/**
 * A steady trickle of writes for measuring failover: one put every
 * `intervalMs`, sent whether or not earlier ones have answered (open loop),
 * so a dead leader shows up as a gap in acknowledgements rather than as one
 * stuck client. It answers one question: when was the first put *sent after*
 * a given moment acknowledged? A put sent before the kill cannot count: it
 * may have been committed by the old leader. In-flight puts are bounded;
 * beyond the bound a tick is skipped and counted, never queued.
 */

export interface AckAfter {
  /** When the acknowledged put was sent (ms, the trickle's clock). */
  sentMs: number;
  ackMs: number;
}

export interface TrickleCounts {
  sent: number;
  acked: number;
  failed: number;
  /** Ticks skipped because `inFlightMax` puts were already waiting. */
  skipped: number;
}

interface Waiter {
  afterMs: number;
  resolve(ack: AckAfter): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class PutTrickle {
  readonly #send: (seq: number) => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #inFlightMax: number;
  readonly #now: () => number;
  readonly #counts: TrickleCounts = { sent: 0, acked: 0, failed: 0, skipped: 0 };
  readonly #waiters = new Set<Waiter>();
  #inFlight = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  lastError: string | null = null;

  constructor(send: (seq: number) => Promise<unknown>, intervalMs: number, inFlightMax: number, now: () => number = () => performance.now()) {
    if (!(intervalMs >= 1 && intervalMs <= 60_000)) throw new Error(`put interval must be 1..60000 ms, got ${intervalMs}`);
    if (!(Number.isInteger(inFlightMax) && inFlightMax >= 1)) throw new Error(`inFlightMax must be a whole number >= 1, got ${inFlightMax}`);
    this.#send = send;
    this.#intervalMs = intervalMs;
    this.#inFlightMax = inFlightMax;
    this.#now = now;
  }

  get counts(): Readonly<TrickleCounts> {
    return { ...this.#counts };
  }

  start(): void {
    if (this.#timer !== null || this.#stopped) throw new Error('put trickle: already started or stopped');
    this.#fire();
    this.#timer = setInterval(() => this.#fire(), this.#intervalMs);
  }

  /** Resolves at the first acknowledgement of a put sent at or after `afterMs`; rejects after `timeoutMs` or on stop(). */
  ackOfPutSentAfter(afterMs: number, timeoutMs: number): Promise<AckAfter> {
    if (this.#stopped) return Promise.reject(new Error('put trickle: stopped'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        afterMs,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const why = this.lastError === null ? '' : ` (last error: ${this.lastError})`;
          reject(new Error(`no put sent after the mark was acknowledged within ${timeoutMs} ms${why}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Stops sending; puts still in flight finish on their own and no longer count. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('put trickle: stopped'));
    }
    this.#waiters.clear();
  }

  #fire(): void {
    if (this.#stopped) return;
    if (this.#inFlight >= this.#inFlightMax) {
      this.#counts.skipped++;
      return;
    }
    const seq = this.#counts.sent++;
    const sentMs = this.#now();
    this.#inFlight++;
    this.#send(seq).then(
      () => this.#settled(sentMs, null),
      (error: unknown) => this.#settled(sentMs, error instanceof Error ? error.message : String(error)),
    );
  }

  #settled(sentMs: number, error: string | null): void {
    this.#inFlight--;
    if (this.#stopped) return;
    if (error !== null) {
      this.#counts.failed++;
      this.lastError = error;
      return;
    }
    this.#counts.acked++;
    const ackMs = this.#now();
    for (const waiter of this.#waiters) {
      if (sentMs < waiter.afterMs) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve({ sentMs, ackMs });
    }
  }
}
