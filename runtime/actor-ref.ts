/**
 * Addresses: `ActorRef` (send / ask to a named actor) and `Replier` (the
 * answer slot of one ask). Both look the same whether the target lives on this
 * thread or another; routing belongs to the thread's Router, which they call.
 *
 * Both are serializable: a msgpackr extension writes only (name, thread) or
 * (thread, askId, actor), and the reading thread binds the copy to its own
 * Router. So a message can carry a ref to reply to, across any ring. This
 * module must never route by itself: it holds no queue and no link.
 */
import { addExtension } from 'msgpackr';
import { InvalidOptionError } from './errors.ts';

/** What a ref needs from the thread it lives on. Implemented by ThreadRuntime. */
export interface Router {
  readonly threadIndex: number;
  send(target: ActorRef<unknown>, message: unknown): void;
  ask(target: ActorRef<unknown>, message: unknown, timeoutMs: number): Promise<unknown>;
  /** Resolves when nothing this thread sent toward `thread` is still waiting for ring space. */
  flush(thread: number): Promise<void>;
  settleReply(replier: Replier<unknown>, outcome: ReplyOutcome): void;
}

export type ReplyOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export const DEFAULT_ASK_TIMEOUT_MS = 5_000;
/** setTimeout's largest delay; a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface AskOptions {
  /** How long to wait for the reply before rejecting with AskTimeoutError (default 5000). */
  readonly timeoutMs?: number;
}

export class ActorRef<M> {
  readonly name: string;
  /** 0 is the main thread; workers are 1..threads. */
  readonly thread: number;
  readonly #router: Router;

  constructor(name: string, thread: number, router: Router) {
    if (name.length === 0) throw new TypeError('an actor name must not be empty');
    if (!Number.isSafeInteger(thread) || thread < 0) throw new TypeError(`thread index must be a non-negative integer, got ${thread}`);
    this.name = name;
    this.thread = thread;
    this.#router = router;
  }

  /**
   * Fire-and-forget, ordered per (sender thread, receiver). Throws
   * ActorStoppedError / ActorNotFoundError / MailboxFullError for a local
   * target, OutboxFullError when too many messages already wait for ring space
   * toward the target's thread, SystemShutdownError after shutdown.
   */
  send(message: M): void {
    this.#router.send(this, message);
  }

  /** Sends `message` as a request; resolves with the reply or rejects with a typed error. */
  ask<R = unknown>(message: M, options: AskOptions = {}): Promise<R> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
      return Promise.reject(new InvalidOptionError({ option: 'timeoutMs', reason: `must be in (0, ${MAX_TIMEOUT_MS}], got ${timeoutMs}` }));
    }
    return this.#router.ask(this as ActorRef<unknown>, message, timeoutMs) as Promise<R>;
  }

  /** Resolves once no message from this thread to the target's thread waits for ring space (backpressure). */
  flush(): Promise<void> {
    return this.#router.flush(this.thread);
  }

  toString(): string {
    return `ActorRef(${this.name}@${this.thread})`;
  }
}

/** The answer slot of one ask. Settles once; later calls throw. */
export class Replier<R> {
  /** Thread that waits for the answer. */
  readonly thread: number;
  readonly askId: number;
  /** The actor that was asked (named in errors). */
  readonly actor: string;
  readonly #router: Router;
  #settled = false;

  constructor(thread: number, askId: number, actor: string, router: Router) {
    this.thread = thread;
    this.askId = askId;
    this.actor = actor;
    this.#router = router;
  }

  get settled(): boolean {
    return this.#settled;
  }

  resolve(value: R): void {
    this.#settle({ ok: true, value });
  }

  reject(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  #settle(outcome: ReplyOutcome): void {
    if (this.#settled) throw new Error(`the reply to ask ${this.askId} (actor "${this.actor}") was already given`);
    this.#settled = true;
    this.#router.settleReply(this as Replier<unknown>, outcome);
  }
}

let installedRouter: Router | undefined;

/**
 * Binds decoded refs on this thread to `router`. One router per thread: a
 * worker hosts one runtime, and the main thread one ActorSystem at a time.
 */
export function installRouter(router: Router): void {
  if (installedRouter !== undefined && installedRouter !== router) {
    throw new Error('another actor runtime is already running on this thread; shut it down first');
  }
  installedRouter = router;
}

export function uninstallRouter(router: Router): void {
  if (installedRouter === router) installedRouter = undefined;
}

function routerForDecoding(): Router {
  if (installedRouter === undefined) throw new Error('an ActorRef was decoded on a thread with no running actor runtime');
  return installedRouter;
}

/** msgpack extension type codes (application range 0..127, unused by msgpackr's own types). */
const ACTOR_REF_EXTENSION = 0x20;
const REPLIER_EXTENSION = 0x21;

addExtension({
  Class: ActorRef,
  type: ACTOR_REF_EXTENSION,
  write: (ref: ActorRef<unknown>) => [ref.name, ref.thread],
  read: (data: unknown) => {
    const [name, thread] = data as [string, number];
    return new ActorRef(name, thread, routerForDecoding());
  },
});

addExtension({
  Class: Replier,
  type: REPLIER_EXTENSION,
  write: (replier: Replier<unknown>) => [replier.thread, replier.askId, replier.actor],
  read: (data: unknown) => {
    const [thread, askId, actor] = data as [number, number, string];
    return new Replier(thread, askId, actor, routerForDecoding());
  },
});
