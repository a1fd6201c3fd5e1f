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
 *
 * Entries live in a fixed table of reusable slots indexed by the low bits of
 * the ask id (ids are sequential, so slots are taken in turn), not in a Map:
 * the Map's entries and the rehashing of its table as ids move on were the
 * next largest allocation per ask on the host's thread. An id whose slot is
 * still taken by a much older ask is skipped. The table starts small and
 * doubles while more than half of it waits (at most to twice the bound):
 * distinct ids that differed in the low bits still differ in one more bit,
 * so doubling never makes two waiting asks collide.
 */
import { AskTimeoutError, PendingAsksLimitError, type RuntimeError } from './errors.ts';

/** A slot of the table; askId 0 means free. Mutated in place and reused, never reallocated. */
interface PendingAsk {
  askId: number;
  actor: string;
  thread: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timeoutMs: number;
  /** performance.now() past which the ask times out. */
  deadlineMs: number;
}

const noop = (): void => undefined;
const INITIAL_SLOTS = 64;

function freeSlot(): PendingAsk {
  return { askId: 0, actor: '', thread: 0, resolve: noop, reject: noop, timeoutMs: 0, deadlineMs: 0 };
}

export class PendingAsks {
  readonly #threadIndex: number;
  readonly #limitAsks: number;
  #slots: PendingAsk[];
  #slotMask: number;
  #size = 0;
  #lastId = 0;
  #lateReplies = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When #timer fires (meaningless while it is undefined). */
  #timerDueMs = 0;

  constructor(threadIndex: number, limitAsks: number) {
    if (!Number.isSafeInteger(limitAsks) || limitAsks < 1) throw new RangeError(`limitAsks must be a positive integer, got ${limitAsks}`);
    this.#threadIndex = threadIndex;
    this.#limitAsks = limitAsks;
    this.#slots = Array.from({ length: INITIAL_SLOTS }, freeSlot);
    this.#slotMask = INITIAL_SLOTS - 1;
  }

  /** Doubles the table, keeping every waiting ask at its id's slot in the larger one. */
  #grow(): void {
    const slots: Array<PendingAsk | undefined> = new Array<PendingAsk | undefined>(this.#slots.length * 2).fill(undefined);
    const mask = slots.length - 1;
    const spare: PendingAsk[] = [];
    for (const slot of this.#slots) {
      if (slot.askId === 0) spare.push(slot);
      else slots[slot.askId & mask] = slot;
    }
    for (let i = 0; i < slots.length; i++) slots[i] ??= spare.pop() ?? freeSlot();
    this.#slots = slots as PendingAsk[];
    this.#slotMask = mask;
  }

  get size(): number {
    return this.#size;
  }

  /** Replies that arrived after their ask had already settled. */
  get lateReplies(): number {
    return this.#lateReplies;
  }

  /** Registers a new ask toward `actor` on `thread`; throws PendingAsksLimitError at the bound. */
  open(actor: string, thread: number, timeoutMs: number): { readonly askId: number; readonly reply: Promise<unknown> } {
    if (this.#size >= this.#limitAsks) throw new PendingAsksLimitError({ thread: this.#threadIndex, limitAsks: this.#limitAsks });
    if (this.#size * 2 >= this.#slots.length) this.#grow();
    let slot: PendingAsk;
    do {
      this.#lastId += 1;
      slot = this.#slots[this.#lastId & this.#slotMask] as PendingAsk;
    } while (slot.askId !== 0); // at most #size steps: at most half the slots are taken
    const askId = this.#lastId;
    const deadlineMs = performance.now() + timeoutMs;
    slot.askId = askId;
    slot.actor = actor;
    slot.thread = thread;
    slot.timeoutMs = timeoutMs;
    slot.deadlineMs = deadlineMs;
    this.#size += 1;
    const reply = new Promise<unknown>((resolve, reject) => {
      slot.resolve = resolve;
      slot.reject = reject;
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
    for (const slot of this.#slots) {
      if (slot.askId === 0) continue;
      if (slot.deadlineMs <= nowMs) this.reject(slot.askId, new AskTimeoutError({ actor: slot.actor, timeoutMs: slot.timeoutMs }));
      else earliestMs = Math.min(earliestMs, slot.deadlineMs);
    }
    if (earliestMs !== Number.POSITIVE_INFINITY) this.#armTimer(earliestMs);
  };

  /** The reply to `askId` (a late one is counted and dropped). */
  resolve(askId: number, value: unknown): void {
    this.#finish(askId, true, value);
  }

  /** The ask failed (a refusal, its thread died, shutdown, its timeout). */
  reject(askId: number, error: unknown): void {
    this.#finish(askId, false, error);
  }

  settle(askId: number, outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }): void {
    if (outcome.ok) this.#finish(askId, true, outcome.value);
    else this.#finish(askId, false, outcome.error);
  }

  #finish(askId: number, ok: boolean, result: unknown): void {
    const slot = this.#slots[askId & this.#slotMask] as PendingAsk;
    if (slot.askId !== askId) {
      this.#lateReplies += 1;
      return;
    }
    const settle = ok ? slot.resolve : slot.reject;
    slot.askId = 0;
    slot.resolve = noop; // do not keep a settled caller's promise alive
    slot.reject = noop;
    this.#size -= 1;
    if (this.#size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    settle(result);
  }

  /** Rejects every ask whose target lives on `thread`; returns how many. */
  rejectTargetingThread(thread: number, makeError: (actor: string) => RuntimeError<object>): number {
    return this.#rejectWhere((slot) => slot.thread === thread, makeError);
  }

  rejectAll(makeError: (actor: string) => RuntimeError<object>): number {
    return this.#rejectWhere(() => true, makeError);
  }

  #rejectWhere(which: (slot: PendingAsk) => boolean, makeError: (actor: string) => RuntimeError<object>): number {
    let rejected = 0;
    for (const slot of this.#slots) {
      if (slot.askId === 0 || !which(slot)) continue;
      this.reject(slot.askId, makeError(slot.actor));
      rejected += 1;
    }
    return rejected;
  }
}
