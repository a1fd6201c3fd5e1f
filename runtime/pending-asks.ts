/**
 * The asks a thread waits on, by correlation id. Each entry settles exactly
 * once: by its reply, its timeout, the death of the thread it targets, or
 * shutdown. Bounded, so a flood of unanswered asks fails fast with a typed
 * error instead of growing without limit. Late replies (after a timeout) find
 * no entry and are counted, never delivered twice.
 */
import { AskTimeoutError, PendingAsksLimitError, type RuntimeError } from './errors.ts';

interface PendingAsk {
  readonly actor: string;
  readonly thread: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class PendingAsks {
  readonly #threadIndex: number;
  readonly #limitAsks: number;
  readonly #byId = new Map<number, PendingAsk>();
  #lastId = 0;
  #lateReplies = 0;

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
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(askId, { ok: false, error: new AskTimeoutError({ actor, timeoutMs }) }), timeoutMs);
      this.#byId.set(askId, { actor, thread, resolve, reject, timer });
    });
    return { askId, reply };
  }

  settle(askId: number, outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }): void {
    const ask = this.#byId.get(askId);
    if (ask === undefined) {
      this.#lateReplies += 1;
      return;
    }
    this.#byId.delete(askId);
    clearTimeout(ask.timer);
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
