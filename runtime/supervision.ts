/**
 * One-for-one supervision policy: how many restarts an actor gets within a
 * window, and how long each restart waits (exponential backoff). Pure and
 * clock-injected, so the decision is testable and replayable; the ActorSystem
 * applies it. Past the budget the decision is "escalate": the system reports
 * it and stops the actor, because restarting a crash loop forever helps no one.
 */
import { InvalidOptionError } from './errors.ts';

export interface BackoffPolicy {
  /** Delay before the first restart in a window. */
  readonly initialMs: number;
  /** No restart waits longer than this. */
  readonly maxMs: number;
  /** Each further restart within the window waits `factor` times longer. */
  readonly factor: number;
}

export interface SupervisionPolicy {
  /** Restarts allowed within `withinMs`; the next failure escalates. */
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoff: BackoffPolicy;
}

export interface SupervisionOptions {
  readonly maxRestarts?: number;
  readonly withinMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = {
  maxRestarts: 3,
  withinMs: 10_000,
  backoff: { initialMs: 50, maxMs: 5_000, factor: 2 },
};

/** Fills `options` over `base` and validates the result, naming the bad field. */
export function resolveSupervision(options: SupervisionOptions | undefined, base: SupervisionPolicy = DEFAULT_SUPERVISION): SupervisionPolicy {
  const policy: SupervisionPolicy = {
    maxRestarts: options?.maxRestarts ?? base.maxRestarts,
    withinMs: options?.withinMs ?? base.withinMs,
    backoff: { ...base.backoff, ...options?.backoff },
  };
  requireInteger('supervision.maxRestarts', policy.maxRestarts, 0);
  requireInteger('supervision.withinMs', policy.withinMs, 1);
  requireInteger('supervision.backoff.initialMs', policy.backoff.initialMs, 0);
  requireInteger('supervision.backoff.maxMs', policy.backoff.maxMs, policy.backoff.initialMs);
  if (!Number.isFinite(policy.backoff.factor) || policy.backoff.factor < 1) {
    throw new InvalidOptionError({ option: 'supervision.backoff.factor', reason: `must be a number ≥ 1, got ${policy.backoff.factor}` });
  }
  return policy;
}

function requireInteger(option: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError({ option, reason: `must be an integer ≥ ${min}, got ${value}` });
  }
}

export type SupervisionDecision =
  | { readonly action: 'restart'; readonly attempt: number; readonly delayMs: number }
  | { readonly action: 'escalate'; readonly restartsInWindow: number };

/** The failure history of one actor: at most maxRestarts timestamps. */
export class RestartBudget {
  readonly #policy: SupervisionPolicy;
  #restartTimesMs: number[] = [];

  constructor(policy: SupervisionPolicy) {
    this.#policy = policy;
  }

  /** Records a failure at `nowMs` and decides what to do about it. */
  onFailure(nowMs: number): SupervisionDecision {
    const windowStartMs = nowMs - this.#policy.withinMs;
    this.#restartTimesMs = this.#restartTimesMs.filter((t) => t > windowStartMs);
    if (this.#restartTimesMs.length >= this.#policy.maxRestarts) {
      return { action: 'escalate', restartsInWindow: this.#restartTimesMs.length };
    }
    this.#restartTimesMs.push(nowMs);
    const attempt = this.#restartTimesMs.length;
    const { initialMs, maxMs, factor } = this.#policy.backoff;
    const delayMs = Math.min(maxMs, Math.round(initialMs * factor ** (attempt - 1)));
    return { action: 'restart', attempt, delayMs };
  }
}
