/**
 * Which worker thread an actor runs on, decided by configuration alone:
 * - 'per-actor': one actor per worker (the shape of one member on the card);
 *   spawning when every worker is occupied is an error, not a silent doubling up;
 * - { groups }: named co-located groups, one worker each, in declaration order;
 *   an actor name must belong to exactly one group;
 * - 'single': every actor on one worker (tests, tiny deployments);
 * - 'main-thread': every actor on the main thread, no worker at all: no ring
 *   hop between the caller and the actors, but the actors' work runs on the
 *   caller's event loop. An option chosen by measurement for a host that is
 *   itself mostly idle, never the default.
 * Validation happens once, at ActorSystem.start, with messages that say what
 * to change. Worker indices are 1..workerCount (0 is the main thread).
 */
import { InvalidOptionError, PlacementError } from './errors.ts';

export type Placement = 'per-actor' | 'single' | 'main-thread' | { readonly groups: Readonly<Record<string, readonly string[]>> };

const MAIN_THREAD = 0;

export interface PlacementPlan {
  readonly workerCount: number;
  /** The worker for `actor`, given how many live actors each worker hosts. Throws PlacementError. */
  choose(actor: string, liveActorsByThread: ReadonlyMap<number, number>): number;
}

/** More workers than this on a 2-core machine measure contention, not the design. */
export const WORKER_COUNT_MAX = 64;

export function planPlacement(placement: Placement, threads: number | undefined): PlacementPlan {
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 1 || threads > WORKER_COUNT_MAX)) {
    throw new InvalidOptionError({ option: 'threads', reason: `must be an integer in [1, ${WORKER_COUNT_MAX}], got ${threads}` });
  }
  if (placement === 'single') return planSingle(threads);
  if (placement === 'main-thread') return planMainThread(threads);
  if (placement === 'per-actor') return planPerActor(threads);
  if (typeof placement === 'object' && placement !== null && typeof placement.groups === 'object' && placement.groups !== null) {
    return planGroups(placement.groups, threads);
  }
  throw new InvalidOptionError({ option: 'placement', reason: "must be 'per-actor', 'single', 'main-thread' or { groups: { name: [actors] } }" });
}

function planMainThread(threads: number | undefined): PlacementPlan {
  if (threads !== undefined) {
    throw new InvalidOptionError({ option: 'threads', reason: `'main-thread' placement runs no worker; omit threads (got ${threads})` });
  }
  return { workerCount: 0, choose: () => MAIN_THREAD };
}

function planSingle(threads: number | undefined): PlacementPlan {
  if (threads !== undefined && threads !== 1) {
    throw new InvalidOptionError({ option: 'threads', reason: `'single' placement runs one worker; omit threads or pass 1 (got ${threads})` });
  }
  return { workerCount: 1, choose: () => 1 };
}

function planPerActor(threads: number | undefined): PlacementPlan {
  if (threads === undefined) throw new InvalidOptionError({ option: 'threads', reason: "'per-actor' placement needs the number of workers" });
  return {
    workerCount: threads,
    choose(actor, liveActorsByThread) {
      for (let thread = 1; thread <= threads; thread += 1) {
        if ((liveActorsByThread.get(thread) ?? 0) === 0) return thread;
      }
      throw new PlacementError({
        actor,
        reason: `'per-actor' placement: all ${threads} workers already host an actor; start with more threads or use groups`,
      });
    },
  };
}

function planGroups(groups: Readonly<Record<string, readonly string[]>>, threads: number | undefined): PlacementPlan {
  const groupNames = Object.keys(groups);
  if (groupNames.length === 0) throw new InvalidOptionError({ option: 'placement.groups', reason: 'must name at least one group' });
  if (threads !== undefined && threads !== groupNames.length) {
    throw new InvalidOptionError({
      option: 'threads',
      reason: `group placement runs one worker per group (${groupNames.length}); omit threads or pass ${groupNames.length} (got ${threads})`,
    });
  }
  const threadOfActor = new Map<string, number>();
  groupNames.forEach((group, i) => {
    const members = groups[group];
    if (!Array.isArray(members)) throw new InvalidOptionError({ option: `placement.groups.${group}`, reason: 'must be an array of actor names' });
    for (const actor of members) {
      if (typeof actor !== 'string' || actor.length === 0) {
        throw new InvalidOptionError({ option: `placement.groups.${group}`, reason: 'actor names must be non-empty strings' });
      }
      if (threadOfActor.has(actor)) {
        throw new InvalidOptionError({ option: `placement.groups.${group}`, reason: `actor "${actor}" is already in another group` });
      }
      threadOfActor.set(actor, i + 1);
    }
  });
  return {
    workerCount: groupNames.length,
    choose(actor) {
      const thread = threadOfActor.get(actor);
      if (thread === undefined) {
        throw new PlacementError({ actor, reason: `it is in none of the groups (${groupNames.join(', ')}); add it to one` });
      }
      return thread;
    },
  };
}
