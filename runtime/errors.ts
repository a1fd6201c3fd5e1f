/**
 * The typed errors a user of the runtime catches. Every error the runtime
 * raises on purpose is one of these, so callers branch on `instanceof` or on
 * the stable `code`, never on message text.
 *
 * Errors cross threads (an ask answered with a failure on another worker), so
 * each one is rebuilt from `{ code, details }`: `toWireError` / `fromWireError`
 * keep the class on both sides. This module must never import the rest of the
 * runtime: it is the leaf every other module depends on.
 */

/** A plain-data description of an error that can travel through a ring. */
export interface WireError {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export abstract class RuntimeError<D extends object = Record<string, unknown>> extends Error {
  abstract readonly code: string;
  readonly details: D;

  constructor(message: string, details: D) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class AskTimeoutError extends RuntimeError<{ actor: string; timeoutMs: number }> {
  readonly code = 'ASK_TIMEOUT';
  constructor(details: { actor: string; timeoutMs: number }) {
    super(`ask to actor "${details.actor}" got no reply within ${details.timeoutMs} ms`, details);
  }
}

export class ActorStoppedError extends RuntimeError<{ actor: string }> {
  readonly code = 'ACTOR_STOPPED';
  constructor(details: { actor: string }) {
    super(`actor "${details.actor}" is stopped; messages to it are refused`, details);
  }
}

export class ActorNotFoundError extends RuntimeError<{ actor: string }> {
  readonly code = 'ACTOR_NOT_FOUND';
  constructor(details: { actor: string }) {
    super(`no actor named "${details.actor}" is registered`, details);
  }
}

export class ActorExistsError extends RuntimeError<{ actor: string }> {
  readonly code = 'ACTOR_EXISTS';
  constructor(details: { actor: string }) {
    super(`an actor named "${details.actor}" already runs; stop it first or pick another name`, details);
  }
}

export class UnknownMessageError extends RuntimeError<{ actor: string; messageType: string }> {
  readonly code = 'UNKNOWN_MESSAGE';
  constructor(details: { actor: string; messageType: string }) {
    super(`actor "${details.actor}" has no handler for message type ${details.messageType}`, details);
  }
}

/** The receiving behaviour threw (or its promise rejected) while handling an ask. */
export class ActorFailedError extends RuntimeError<{ actor: string; causeName: string; causeMessage: string }> {
  readonly code = 'ACTOR_FAILED';
  constructor(details: { actor: string; causeName: string; causeMessage: string }) {
    super(`actor "${details.actor}" failed: ${details.causeName}: ${details.causeMessage}`, details);
  }
}

/** The thread hosting the target died while the ask was outstanding: its outcome is unknown. */
export class ThreadDiedError extends RuntimeError<{ actor: string; thread: number }> {
  readonly code = 'THREAD_DIED';
  constructor(details: { actor: string; thread: number }) {
    super(`thread ${details.thread} hosting actor "${details.actor}" died before it replied; the outcome is unknown`, details);
  }
}

export class SystemShutdownError extends RuntimeError<{ operation: string }> {
  readonly code = 'SYSTEM_SHUTDOWN';
  constructor(details: { operation: string }) {
    super(`the actor system is shut down; ${details.operation} was refused`, details);
  }
}

/** The in-order overflow queue toward one thread is at its bound: the sender must wait (`await ref.flush()`). */
export class OutboxFullError extends RuntimeError<{ fromThread: number; toThread: number; limitMessages: number }> {
  readonly code = 'OUTBOX_FULL';
  constructor(details: { fromThread: number; toThread: number; limitMessages: number }) {
    super(
      `outbox from thread ${details.fromThread} to thread ${details.toThread} holds ${details.limitMessages} messages ` +
        `waiting for ring space; await ref.flush() before sending more`,
      details,
    );
  }
}

export class MailboxFullError extends RuntimeError<{ actor: string; limitMessages: number }> {
  readonly code = 'MAILBOX_FULL';
  constructor(details: { actor: string; limitMessages: number }) {
    super(`mailbox of actor "${details.actor}" holds ${details.limitMessages} messages, its bound`, details);
  }
}

export class PendingAsksLimitError extends RuntimeError<{ thread: number; limitAsks: number }> {
  readonly code = 'PENDING_ASKS_LIMIT';
  constructor(details: { thread: number; limitAsks: number }) {
    super(`thread ${details.thread} already waits on ${details.limitAsks} asks, its bound`, details);
  }
}

export class BehaviourLoadError extends RuntimeError<{ module: string; export: string; reason: string }> {
  readonly code = 'BEHAVIOUR_LOAD';
  constructor(details: { module: string; export: string; reason: string }) {
    super(`cannot load actor "${details.export}" from ${details.module}: ${details.reason}`, details);
  }
}

export class InvalidOptionError extends RuntimeError<{ option: string; reason: string }> {
  readonly code = 'INVALID_OPTION';
  constructor(details: { option: string; reason: string }) {
    super(`invalid option ${details.option}: ${details.reason}`, details);
  }
}

export class PlacementError extends RuntimeError<{ actor: string; reason: string }> {
  readonly code = 'PLACEMENT';
  constructor(details: { actor: string; reason: string }) {
    super(`cannot place actor "${details.actor}": ${details.reason}`, details);
  }
}

/** A control-plane request to a worker thread got no answer (the thread died or hung). */
export class ControlTimeoutError extends RuntimeError<{ thread: number; operation: string; timeoutMs: number }> {
  readonly code = 'CONTROL_TIMEOUT';
  constructor(details: { thread: number; operation: string; timeoutMs: number }) {
    super(`control request ${details.operation} to thread ${details.thread} got no answer within ${details.timeoutMs} ms`, details);
  }
}

export class OffloadTimeoutError extends RuntimeError<{ job: string; timeoutMs: number }> {
  readonly code = 'OFFLOAD_TIMEOUT';
  constructor(details: { job: string; timeoutMs: number }) {
    super(`offloaded job ${details.job} did not finish within ${details.timeoutMs} ms and was cancelled`, details);
  }
}

export class OffloadAbortedError extends RuntimeError<{ job: string }> {
  readonly code = 'OFFLOAD_ABORTED';
  constructor(details: { job: string }) {
    super(`offloaded job ${details.job} was cancelled by its AbortSignal`, details);
  }
}

export class OffloadJobError extends RuntimeError<{ job: string; causeName: string; causeMessage: string }> {
  readonly code = 'OFFLOAD_JOB_FAILED';
  constructor(details: { job: string; causeName: string; causeMessage: string }) {
    super(`offloaded job ${details.job} failed: ${details.causeName}: ${details.causeMessage}`, details);
  }
}

export class OffloadQueueFullError extends RuntimeError<{ job: string; limitJobs: number }> {
  readonly code = 'OFFLOAD_QUEUE_FULL';
  constructor(details: { job: string; limitJobs: number }) {
    super(`offload queue already holds ${details.limitJobs} jobs; job ${details.job} was refused`, details);
  }
}

type ErrorFactory = (details: never) => RuntimeError<object>;

/** Every class that can be rebuilt on the far side of a ring, by code. */
const factoriesByCode: Readonly<Record<string, ErrorFactory>> = {
  ASK_TIMEOUT: (d: { actor: string; timeoutMs: number }) => new AskTimeoutError(d),
  ACTOR_STOPPED: (d: { actor: string }) => new ActorStoppedError(d),
  ACTOR_NOT_FOUND: (d: { actor: string }) => new ActorNotFoundError(d),
  ACTOR_EXISTS: (d: { actor: string }) => new ActorExistsError(d),
  UNKNOWN_MESSAGE: (d: { actor: string; messageType: string }) => new UnknownMessageError(d),
  ACTOR_FAILED: (d: { actor: string; causeName: string; causeMessage: string }) => new ActorFailedError(d),
  THREAD_DIED: (d: { actor: string; thread: number }) => new ThreadDiedError(d),
  SYSTEM_SHUTDOWN: (d: { operation: string }) => new SystemShutdownError(d),
  OUTBOX_FULL: (d: { fromThread: number; toThread: number; limitMessages: number }) => new OutboxFullError(d),
  MAILBOX_FULL: (d: { actor: string; limitMessages: number }) => new MailboxFullError(d),
  PENDING_ASKS_LIMIT: (d: { thread: number; limitAsks: number }) => new PendingAsksLimitError(d),
  BEHAVIOUR_LOAD: (d: { module: string; export: string; reason: string }) => new BehaviourLoadError(d),
  INVALID_OPTION: (d: { option: string; reason: string }) => new InvalidOptionError(d),
  PLACEMENT: (d: { actor: string; reason: string }) => new PlacementError(d),
  CONTROL_TIMEOUT: (d: { thread: number; operation: string; timeoutMs: number }) => new ControlTimeoutError(d),
};

/**
 * Describes any thrown value as wire data. A foreign error (a user's bug in a
 * behaviour) becomes ACTOR_FAILED for `actor`, keeping its name and message.
 */
export function toWireError(error: unknown, actor: string): WireError {
  if (error instanceof RuntimeError && error.code in factoriesByCode) {
    return { code: error.code, details: { ...(error.details as Record<string, unknown>) } };
  }
  const cause = error instanceof Error ? error : new Error(String(error));
  return { code: 'ACTOR_FAILED', details: { actor, causeName: cause.name, causeMessage: cause.message } };
}

export function fromWireError(wire: WireError): RuntimeError<object> {
  const factory = factoriesByCode[wire.code];
  if (factory === undefined) {
    return new ActorFailedError({
      actor: String(wire.details['actor'] ?? 'unknown'),
      causeName: wire.code,
      causeMessage: String(wire.details['causeMessage'] ?? 'unrecognised error code'),
    });
  }
  return factory(wire.details as never);
}

export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { details?: unknown }).details === 'object' &&
    (value as { details?: unknown }).details !== null
  );
}
