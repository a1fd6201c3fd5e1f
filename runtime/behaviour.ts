/**
 * What an actor author writes: a behaviour (`receive(message, ctx)`) created by
 * a factory that closes over the actor's private state. The factory runs again
 * on every restart, so it is where an actor reloads its durable state.
 *
 * Behaviours never cross threads (functions cannot): a worker loads the module
 * that exports an `ActorDefinition` by URL. This module holds types and pure
 * helpers only; it must never reach into the runtime's machinery.
 */
import type { ActorRef, Replier } from './actor-ref.ts';
import { UnknownMessageError } from './errors.ts';

export interface Behaviour<M> {
  /**
   * Handles one message. For an ask, the returned value (or the value of the
   * returned promise) is the reply, unless `ctx.deferReply()` was called.
   * While a returned promise is pending, the actor takes no other message.
   * Throwing an UnknownMessageError rejects the message; any other throw is a
   * crash handled by the supervisor.
   */
  receive(message: M, ctx: ActorContext<M>): unknown;
}

export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  /** 0 is the main thread; workers are 1..threads. */
  readonly threadIndex: number;
  /** Handles the next message with `next` (the Raft roles swap behaviours this way). */
  become(next: Behaviour<M>): void;
  /** A ref to a registered actor, by name. Throws ActorNotFoundError or ActorStoppedError. */
  lookup<T>(name: string): ActorRef<T>;
  /**
   * Takes over the reply of the ask being handled: the return value of
   * `receive` is then ignored and the handle (serializable, so it can be passed
   * to another actor) answers later. Throws when the message is not an ask.
   */
  deferReply<R>(): Replier<R>;
  /**
   * Registers `hook` to release what this incarnation of the actor holds
   * (timers, sockets, files) when it ends: when it stops, when it crashes
   * (before the supervisor's backoff), when it is restarted on request, and at
   * the system's shutdown. The next incarnation's factory registers its own.
   * Hooks run once, synchronously, newest first; a hook registered after its
   * incarnation ended (from a late callback) runs at once. A hook that throws,
   * or returns a promise that rejects, becomes a 'stop-hook-failed' system
   * event: it never reaches whoever stopped the actor, and the other hooks
   * still run. Throws RangeError past STOP_HOOKS_MAX (1,024) hooks.
   */
  onStop(hook: () => void): void;
}

export type ActorFactory<M, A> = (args: A, ctx: ActorContext<M>) => Behaviour<M> | Promise<Behaviour<M>>;

/** The export a worker loads. The string tag (not a symbol) survives duplicate copies of this module. */
export interface ActorDefinition<M, A> {
  readonly kind: 'conclave.actor-definition';
  readonly create: ActorFactory<M, A>;
  /** Phantom: lets `MessageOf<typeof def>` recover the message type. */
  readonly messageType?: M;
}

export type MessageOf<D> = D extends ActorDefinition<infer M, unknown> ? M : never;

export function defineActor<M, A = undefined>(create: ActorFactory<M, A>): ActorDefinition<M, A> {
  if (typeof create !== 'function') throw new TypeError('defineActor expects a factory function (args, ctx) => behaviour');
  return { kind: 'conclave.actor-definition', create };
}

export function isActorDefinition(value: unknown): value is ActorDefinition<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'conclave.actor-definition' &&
    typeof (value as { create?: unknown }).create === 'function'
  );
}

/** Messages routed by a string `type` field: the usual shape of a typed message union. */
export interface TypedMessage {
  readonly type: string;
}

export type MessageHandlers<M extends TypedMessage> = {
  readonly [K in M['type']]: (message: Extract<M, { readonly type: K }>, ctx: ActorContext<M>) => unknown;
};

/**
 * A behaviour that dispatches on `message.type`. A message whose type has no
 * handler (or that has no string `type`) is rejected with UnknownMessageError,
 * which the runtime reports to the asker or the supervisor without a crash.
 */
export function matchType<M extends TypedMessage>(handlers: MessageHandlers<M>): Behaviour<M> {
  return {
    receive(message: M, ctx: ActorContext<M>): unknown {
      const type = typeOf(message);
      if (type === undefined || !Object.hasOwn(handlers, type)) {
        throw new UnknownMessageError({ actor: ctx.self.name, messageType: describeMessageType(message) });
      }
      const handler = handlers[type as M['type']] as (m: M, c: ActorContext<M>) => unknown;
      return handler(message, ctx);
    },
  };
}

function typeOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** A short description of a message's type for error messages, never its content. */
export function describeMessageType(message: unknown): string {
  const type = typeOf(message);
  if (type !== undefined) return JSON.stringify(type);
  if (message === null) return '(null)';
  if (typeof message === 'object') return '(object without a string "type" field)';
  return `(${typeof message})`;
}
