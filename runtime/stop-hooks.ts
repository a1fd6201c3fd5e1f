/**
 * The stop hooks of one incarnation of an actor: what its factory and its
 * receives registered with `ctx.onStop()` to release (timers, sockets, files)
 * when that incarnation ends, whether by a stop, a crash, a requested restart
 * or the system's shutdown. Without them a restarted actor's old timers keep
 * firing beside the new ones, and a stopped actor's timers keep sending to a
 * name that refuses them.
 *
 * Hooks run once, synchronously, newest first (release in the reverse order of
 * acquisition). A hook that throws, or returns a promise that rejects, is
 * handed to `onError` and the others still run: this module must never throw
 * a hook's error into whoever ended the actor.
 */

/** A bound on hooks per incarnation: registering one per message would be a leak, not a design. */
export const STOP_HOOKS_MAX = 1_024;

export type StopHook = () => void;

export class StopHooks {
  readonly #actor: string;
  readonly #onError: (error: unknown) => void;
  readonly #hooks: StopHook[] = [];
  #ended = false;

  constructor(actor: string, onError: (error: unknown) => void) {
    this.#actor = actor;
    this.#onError = onError;
  }

  /** True once the incarnation ended and its hooks ran. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Registers `hook`; after the incarnation ended it runs at once (what it guards is already orphaned). */
  add(hook: StopHook): void {
    if (typeof hook !== 'function') throw new TypeError(`actor "${this.#actor}": onStop() expects a function`);
    if (this.#ended) {
      this.#run(hook);
      return;
    }
    if (this.#hooks.length >= STOP_HOOKS_MAX) {
      throw new RangeError(`actor "${this.#actor}" already registered ${STOP_HOOKS_MAX} stop hooks, the bound per incarnation`);
    }
    this.#hooks.push(hook);
  }

  /** Ends the incarnation: runs every hook once, newest first. Idempotent. */
  runAll(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (let hook = this.#hooks.pop(); hook !== undefined; hook = this.#hooks.pop()) this.#run(hook);
  }

  #run(hook: StopHook): void {
    let result: unknown;
    try {
      result = hook();
    } catch (error) {
      this.#onError(error);
      return;
    }
    // Not awaited (stopping is synchronous), but an async hook's failure is still heard.
    if (result !== undefined) Promise.resolve(result).catch(this.#onError);
  }
}
