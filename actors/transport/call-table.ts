/**
 * The caller's side of member-to-member calls: one entry per call awaiting
 * its reply, keyed by a correlation ID, each with its own timer. Every call
 * settles exactly once, with the remote reply or a CallFailure value (never a
 * rejection); replies that match no waiting call (late, or after a timeout)
 * are ignored. Bounded: past maxPendingCalls a new call fails at once.
 */
import type { CallFailure } from './transport-messages.ts';

export function callFailure(reason: CallFailure['reason'], message: string): CallFailure {
  return { callFailed: true, reason, message };
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class CallTable {
  readonly #maxPendingCalls: number;
  readonly #pending = new Map<number, PendingCall>();
  #nextCallId = 1;

  constructor(maxPendingCalls: number) {
    if (!Number.isSafeInteger(maxPendingCalls) || maxPendingCalls < 1) throw new RangeError(`maxPendingCalls must be a positive integer, got ${maxPendingCalls}`);
    this.#maxPendingCalls = maxPendingCalls;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Registers a call; `describe` names it in the timeout message. Returns null when the table is full. */
  open(timeoutMs: number, describe: string): { readonly callId: number; readonly reply: Promise<unknown> } | null {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`a call's timeoutMs must be positive, got ${timeoutMs}`);
    if (this.#pending.size >= this.#maxPendingCalls) return null;
    const callId = this.#nextCallId++;
    const reply = new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => this.settle(callId, callFailure('timeout', `${describe} got no reply within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.set(callId, { resolve, timer });
    });
    return { callId, reply };
  }

  /** Settles a waiting call; returns false (and does nothing) when no call has this ID any more. */
  settle(callId: number, value: unknown): boolean {
    const call = this.#pending.get(callId);
    if (call === undefined) return false;
    this.#pending.delete(callId);
    clearTimeout(call.timer);
    call.resolve(value);
    return true;
  }

  /** Settles every waiting call with `failure` (on close). */
  failAll(failure: CallFailure): void {
    for (const callId of [...this.#pending.keys()]) this.settle(callId, failure);
  }
}
