/**
 * Conclave's actor runtime: actors with typed messages on worker threads,
 * joined by shared-memory rings, supervised, inspectable, with an offload pool.
 * It knows nothing of Raft or etcd and can be embedded alone. This file is its
 * whole public API; everything else in runtime/ is internal.
 */
export { ActorSystem } from './actor-system.ts';
export type { SpawnOptions, ShutdownReport } from './actor-system.ts';
export type { ActorSystemOptions } from './system-options.ts';
export { DEFAULT_LIMITS } from './system-options.ts';
export type { ThreadLimits } from './thread-runtime.ts';
export type { Placement } from './placement.ts';
export { DEFAULT_SUPERVISION } from './supervision.ts';
export type { SupervisionOptions, SupervisionPolicy, BackoffPolicy } from './supervision.ts';
export type { SystemEvent, SystemEventListener } from './system-events.ts';
export { ControlPlane } from './control-plane.ts';
export type { ActorInfo, ThreadInfo } from './control-plane.ts';
export type { StopOutcome } from './actor-cell.ts';
export type { OffloadJob, OffloadRunOptions } from './offload.ts';

export { ActorRef, Replier, DEFAULT_ASK_TIMEOUT_MS } from './actor-ref.ts';
export type { AskOptions } from './actor-ref.ts';
export { defineActor, matchType, describeMessageType } from './behaviour.ts';
export type {
  ActorContext,
  ActorDefinition,
  ActorFactory,
  Behaviour,
  MessageHandlers,
  MessageOf,
  TypedMessage,
} from './behaviour.ts';

export {
  RuntimeError,
  AskTimeoutError,
  ActorStoppedError,
  ActorNotFoundError,
  ActorExistsError,
  UnknownMessageError,
  ActorFailedError,
  ThreadDiedError,
  SystemShutdownError,
  OutboxFullError,
  MailboxFullError,
  PendingAsksLimitError,
  BehaviourLoadError,
  InvalidOptionError,
  PlacementError,
  ControlTimeoutError,
  OffloadTimeoutError,
  OffloadAbortedError,
  OffloadJobError,
  OffloadQueueFullError,
} from './errors.ts';
/** What a ring link can refuse: a message above the frame limit, or one msgpackr cannot encode. */
export { RingError, FrameTooLargeError, MessageEncodeError, DEFAULT_MAX_MESSAGE_BYTES } from './ring/index.ts';
