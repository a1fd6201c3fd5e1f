/**
 * Starts one member's actors on the runtime and wires them by name: the log
 * writer first (the raft actor recovers from it), then the watch hub, lease
 * wheel and applier (the raft actor hands them work as soon as it starts),
 * and the raft actor last. Where they run is the placement option.
 */
import { ActorSystem, type ActorRef, type Placement } from '../../runtime/index.ts';
import type { ApplierArgs, ApplierMessage } from '../applier/applier-actor.ts';
import type { LeaseWheelArgs, LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import type { LogWriterArgs, LogWriterMessage } from '../log-writer/log-writer-actor.ts';
import type { RaftActorArgs, RaftActorMessage, RaftActorStatus } from '../raft/raft-actor.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { WatchHubArgs, WatchHubMessage } from '../watch-hub/watch-hub-actor.ts';
import { ActorNames } from './names.ts';

export interface MemberOptions {
  readonly dataDir: string;
  readonly memberId: NodeId;
  readonly clusterId: number;
  readonly voters: readonly NodeId[];
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly preVote: boolean;
  readonly placement: MemberPlacement;
  readonly watchProgressIntervalMs: number;
}

/**
 * 'one-worker': every actor of the member on one worker thread (the default:
 * see bench/RESULTS.md, placement study). 'per-actor': the card's shape, one
 * worker per actor. Or explicit runtime groups.
 */
export type MemberPlacement = 'one-worker' | 'per-actor' | { readonly groups: Readonly<Record<string, readonly string[]>> };

export interface Member {
  readonly system: ActorSystem;
  readonly raft: ActorRef<RaftActorMessage>;
  readonly applier: ActorRef<ApplierMessage>;
  readonly watchHub: ActorRef<WatchHubMessage>;
  readonly leaseWheel: ActorRef<LeaseWheelMessage>;
  readonly logWriter: ActorRef<LogWriterMessage>;
}

/** How long a restart may take to re-apply its committed log before open fails. */
const REPLAY_TIMEOUT_MS = 5 * 60_000;
const MEMBER_ACTOR_COUNT = Object.keys(ActorNames).length;

function runtimePlacement(placement: MemberPlacement): { placement: Placement; threads?: number } {
  if (placement === 'one-worker') return { placement: 'single' };
  if (placement === 'per-actor') return { placement: 'per-actor', threads: MEMBER_ACTOR_COUNT };
  return { placement };
}

const moduleUrl = (path: string) => new URL(path, import.meta.url).href;

export async function startMember(options: MemberOptions): Promise<Member> {
  const system = await ActorSystem.start(runtimePlacement(options.placement));
  try {
    const logWriter = await system.spawn<LogWriterMessage>({
      name: ActorNames.logWriter,
      module: moduleUrl('../log-writer/log-writer-actor.ts'),
      export: 'logWriterActor',
      args: { dataDir: options.dataDir, clusterId: options.clusterId, memberId: options.memberId } satisfies LogWriterArgs,
    });
    const watchHub = await system.spawn<WatchHubMessage>({
      name: ActorNames.watchHub,
      module: moduleUrl('../watch-hub/watch-hub-actor.ts'),
      export: 'watchHubActor',
      args: {
        progressIntervalMs: options.watchProgressIntervalMs,
        tickIntervalMs: Math.min(1_000, options.watchProgressIntervalMs),
        maxSessions: 10_000,
        maxResponsesPerPoll: 256,
      } satisfies WatchHubArgs,
    });
    const leaseWheel = await system.spawn<LeaseWheelMessage>({
      name: ActorNames.leaseWheel,
      module: moduleUrl('../lease-wheel/lease-wheel-actor.ts'),
      export: 'leaseWheelActor',
      args: {
        electionTimeoutMs: options.electionTimeoutMs,
        tickIntervalMs: 100,
        maxLeases: 1_000_000,
        maxAttachedKeys: 10_000_000,
        idSeed: (options.memberId ^ Date.now()) >>> 0,
      } satisfies LeaseWheelArgs,
    });
    const applier = await system.spawn<ApplierMessage>({
      name: ActorNames.applier,
      module: moduleUrl('../applier/applier-actor.ts'),
      export: 'applierActor',
      args: { maxWaitingReads: 65_536 } satisfies ApplierArgs,
    });
    const raft = await system.spawn<RaftActorMessage>({
      name: ActorNames.raft,
      module: moduleUrl('../raft/raft-actor.ts'),
      export: 'raftActor',
      args: {
        memberId: options.memberId,
        voters: options.voters,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        electionTimeoutMs: options.electionTimeoutMs,
        preVote: options.preVote,
        seed: options.memberId >>> 0,
        maxPendingProposals: 65_536,
      } satisfies RaftActorArgs,
    });
    // Serve nothing older than what was committed before a restart.
    const { commitIndex } = await raft.ask<RaftActorStatus>({ type: 'status' });
    await applier.ask({ type: 'await-applied', index: commitIndex }, { timeoutMs: REPLAY_TIMEOUT_MS });
    return { system, raft, applier, watchHub, leaseWheel, logWriter };
  } catch (error) {
    await system.shutdown();
    throw error;
  }
}

/** Stops accepting work, lets queued log writes finish, then stops every thread. */
export async function stopMember(member: Member): Promise<void> {
  await member.raft.ask({ type: 'close' });
  await member.logWriter.ask({ type: 'close' });
  await member.system.shutdown();
}
