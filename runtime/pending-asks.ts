/**
 * The asks a thread waits on, by correlation id. Each entry settles exactly
 * once: by its reply, its timeout, the death of the thread it targets, or
 * shutdown. Bounded, so a flood of unanswered asks fails fast with a typed
 * error instead of growing without limit. Late replies (after a timeout) find
 * no entry and are counted, never delivered twice.
 *
 * Timeouts share one timer, armed for the earliest deadline, instead of a
 * setTimeout per ask: an ask's own timer (a Timeout object, its async
 * resource, a timer-list insert and removal) was a tenth of what the host
 * thread allocated per embedded put (sampling heap profile, 256 callers), and
 * nearly every ask is answered long before its deadline. The timer is ref'ed
 * while any ask waits (a waiting ask keeps the thread alive, as before) and
 * cleared when none does.
 */
import { AskTimeoutError, PendingAsksLimitError, type RuntimeError } from './errors.ts';

interface PendingAsk {
  readonly actor: string;
  readonly thread: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timeoutMs: number;
  /** performance.now() past which the ask times out. */
  readonly deadlineMs: number;
}

export class PendingAsks {
  readonly #threadIndex: number;
  readonly #limitAsks: number;
  readonly #byId = new Map<number, PendingAsk>();
  #lastId = 0;
  #lateReplies = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When #timer fires (meaningless while it is undefined). */
  #timerDueMs = 0;

  constructor(threadIndex: number, limitAsks: number) {
    if (!Number.isSafeInteger(limitAsks) || limitAsks < 1) throw new RangeError(`limitAsks must be a positive integer, got ${limitAsks}`);
    this.#threadIndex = threadIndex;
    this.#limitAsks = limitAsks;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Replies that arrived after their ask had already settled. */
  get lateReplies(): number {
    return this.#lateReplies;
  }

  /** Registers a new ask toward `actor` on `thread`; throws PendingAsksLimitError at the bound. */
  open(actor: string, thread: number, timeoutMs: number): { readonly askId: number; readonly reply: Promise<unknown> } {
    if (this.#byId.size >= this.#limitAsks) throw new PendingAsksLimitError({ thread: this.#threadIndex, limitAsks: this.#limitAsks });
    this.#lastId += 1;
    const askId = this.#lastId;
    const deadlineMs = performance.now() + timeoutMs;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.#byId.set(askId, { actor, thread, resolve, reject, timeoutMs, deadlineMs });
    });
    if (this.#timer === undefined || deadlineMs < this.#timerDueMs) this.#armTimer(deadlineMs);
    return { askId, reply };
  }

  #armTimer(dueMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDueMs = dueMs;
    // Rounded up: a timer that fires before the deadline only to re-arm itself is wasted.
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(dueMs - performance.now())));
  }

  /** Times out every ask past its deadline, then waits for the earliest one left. */
  #expire = (): void => {
    this.#timer = undefined;
    const nowMs = performance.now();
    let earliestMs = Number.POSITIVE_INFINITY;
    for (const [askId, ask] of this.#byId) {
      if (ask.deadlineMs <= nowMs) this.settle(askId, { ok: false, error: new AskTimeoutError({ actor: ask.actor, timeoutMs: ask.timeoutMs }) });
      else earliestMs = Math.min(earliestMs, ask.deadlineMs);
    }
    if (earliestMs !== Number.POSITIVE_INFINITY) this.#armTimer(earliestMs);
  };

  settle(askId: number, outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }): void {
    const ask = this.#byId.get(askId);
    if (ask === undefined) {
      this.#lateReplies += 1;
      return;
    }
    this.#byId.delete(askId);
    if (this.#byId.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (outcome.ok) ask.resolve(outcome.value);
    else ask.reject(outcome.error);
  }

  /** Rejects every ask whose target lives on `thread`; returns how many. */
  rejectTargetingThread(thread: number, makeError: (actor: string) => RuntimeError<object>): number {
    let rejected = 0;
    for (const [askId, ask] of this.#byId) {
      if (ask.thread !== thread) continue;
      this.settle(askId, { ok: false, error: makeError(ask.actor) });
      rejected += 1;
    }
    return rejected;
  }

  rejectAll(makeError: (actor: string) => RuntimeError<object>): number {
    let rejected = 0;
    for (const [askId, ask] of this.#byId) {
      this.settle(askId, { ok: false, error: makeError(ask.actor) });
      rejected += 1;
    }
    return rejected;
  }
}
