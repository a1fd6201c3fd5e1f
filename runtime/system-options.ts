/**
 * The options of ActorSystem.start, their defaults and their validation, done
 * once up front so a bad value fails at start with a message naming the
 * option, never later on a hot path.
 */
import type { ResourceLimits } from 'node:worker_threads';
import { InvalidOptionError } from './errors.ts';
import { defaultOffloadThreads } from './offload.ts';
import { planPlacement, type Placement, type PlacementPlan } from './placement.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, RING_CAPACITY_MAX_BYTES, RING_CAPACITY_MIN_BYTES } from './ring/index.ts';
import { resolveSupervision, type SupervisionOptions, type SupervisionPolicy } from './supervision.ts';
import { NICE_MAX } from './thread-priority.ts';
import type { ThreadLimits } from './thread-runtime.ts';

export interface ActorSystemOptions {
  /** Worker threads to start (see `placement` for what it must match). */
  readonly threads?: number;
  /** Where actors run. Default 'per-actor'. */
  readonly placement?: Placement;
  /** Size of each one-way ring between two threads (power of two). Default 256 KiB. */
  readonly ringCapacityBytes?: number;
  /** Largest encoded message a ring link carries (larger ones are refused with FrameTooLargeError). Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Default supervision policy; each spawn may override it. */
  readonly supervision?: SupervisionOptions;
  /** Queue bounds and scheduler budgets of every thread. */
  readonly limits?: Partial<ThreadLimits>;
  /** How long a control-plane call to a worker may take. Default 10 000. */
  readonly controlTimeoutMs?: number;
  /** How long a worker may take to boot. Default 30 000. */
  readonly startTimeoutMs?: number;
  /** Passed to every actor worker (a worker exceeding them dies and is replaced). */
  readonly workerResourceLimits?: ResourceLimits;
  /** Threads of the offload pool. Default: 1 on a 2-core machine. */
  readonly offloadThreads?: number;
  /** Jobs that may wait for an offload thread. Default 256. */
  readonly offloadQueueMax?: number;
  /**
   * Nice value (0..19) for every actor worker thread, so the host's own
   * thread wins when they compete for a CPU (see thread-priority.ts; Linux
   * only, elsewhere ignored). Default 0: the workers run like the host.
   */
  readonly workerNice?: number;
  /**
   * Frames the host's (main thread's) ring receivers hand over per turn of
   * its event loop, each turn one batch. Default 32, against 256 per round
   * and up to 64 rounds on workers: replies handed over resume their callers
   * in the same turn, so a large batch is a long turn of the host's loop
   * (bench/RESULTS.md, "Session 5": at 256 embedded put callers the host's
   * event-loop p99 fell from 6.0–7.5 to 4.8–5.4 ms, puts/s 4% lower at the
   * median). Workers keep the larger batches: nothing else waits on their loop.
   */
  readonly hostRingFramesPerTurn?: number;
}

export interface ResolvedSystemOptions {
  readonly placement: PlacementPlan;
  readonly ringCapacityBytes: number;
  readonly maxMessageBytes: number;
  readonly supervision: SupervisionPolicy;
  readonly limits: ThreadLimits;
  /** The main thread's limits: `limits` with the host's ring batch (hostRingFramesPerTurn, one round). */
  readonly hostLimits: ThreadLimits;
  readonly controlTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly workerResourceLimits: ResourceLimits | undefined;
  readonly offloadThreads: number;
  readonly offloadQueueMax: number;
  readonly workerNice: number;
}

export const DEFAULT_LIMITS: ThreadLimits = {
  mailboxLimitMessages: 65_536,
  outboxLimitMessages: 65_536,
  pendingAsksLimit: 65_536,
  batchMessagesPerCell: 256,
  /** Matches what a ring receiver can hand over in one turn, so mailboxes drain as fast as rings fill them. */
  turnBudgetMessages: 8_192,
  actorsPerThreadMax: 1_024,
  stoppedNamesMax: 4_096,
  ringFramesPerTurn: 256,
  ringRoundsPerTurn: 64,
};

const DEFAULT_HOST_RING_FRAMES_PER_TURN = 32;

const DEFAULT_RING_CAPACITY_BYTES = 256 * 1024;

export function resolveSystemOptions(options: ActorSystemOptions): ResolvedSystemOptions {
  const ringCapacityBytes = options.ringCapacityBytes ?? DEFAULT_RING_CAPACITY_BYTES;
  if (
    !Number.isSafeInteger(ringCapacityBytes) ||
    ringCapacityBytes < RING_CAPACITY_MIN_BYTES ||
    ringCapacityBytes > RING_CAPACITY_MAX_BYTES ||
    (ringCapacityBytes & (ringCapacityBytes - 1)) !== 0
  ) {
    throw new InvalidOptionError({
      option: 'ringCapacityBytes',
      reason: `must be a power of two in [${RING_CAPACITY_MIN_BYTES}, ${RING_CAPACITY_MAX_BYTES}], got ${ringCapacityBytes}`,
    });
  }
  const limits: ThreadLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) requirePositiveInteger(`limits.${name}`, value);
  return {
    placement: planPlacement(options.placement ?? 'per-actor', options.threads),
    ringCapacityBytes,
    maxMessageBytes: requirePositiveInteger('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    supervision: resolveSupervision(options.supervision),
    limits,
    hostLimits: {
      ...limits,
      ringFramesPerTurn: requirePositiveInteger('hostRingFramesPerTurn', options.hostRingFramesPerTurn ?? DEFAULT_HOST_RING_FRAMES_PER_TURN),
      ringRoundsPerTurn: 1,
    },
    controlTimeoutMs: requirePositiveInteger('controlTimeoutMs', options.controlTimeoutMs ?? 10_000),
    startTimeoutMs: requirePositiveInteger('startTimeoutMs', options.startTimeoutMs ?? 30_000),
    workerResourceLimits: options.workerResourceLimits,
    offloadThreads: requirePositiveInteger('offloadThreads', options.offloadThreads ?? defaultOffloadThreads()),
    offloadQueueMax: requirePositiveInteger('offloadQueueMax', options.offloadQueueMax ?? 256),
    workerNice: requireNice(options.workerNice ?? 0),
  };
}

function requireNice(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > NICE_MAX) {
    throw new InvalidOptionError({ option: 'workerNice', reason: `must be an integer in [0, ${NICE_MAX}] (workers never run above the host), got ${String(value)}` });
  }
  return value;
}

function requirePositiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError({ option, reason: `must be a positive integer, got ${String(value)}` });
  }
  return value;
}
