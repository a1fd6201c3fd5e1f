/**
 * Starts one member's actors on the runtime and wires them by name: the log
 * writer first (the raft actor recovers from it), then the watch hub, lease
 * wheel and applier (the raft actor hands them work as soon as it starts),
 * and the raft actor last. Where they run is the placement option. In a
 * cluster the transport actor starts before the raft actor, so the first
 * Ready's messages have somewhere to go.
 */
import { ActorFailedError, ActorStoppedError, ActorSystem, type ActorRef, type Placement } from '../../runtime/index.ts';
import type { ApplierArgs, ApplierMessage } from '../applier/applier-actor.ts';
import type { LeaseWheelArgs, LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import type { LogWriterArgs, LogWriterMessage } from '../log-writer/log-writer-actor.ts';
import type { RaftActorArgs, RaftActorMessage, RaftActorStatus } from '../raft/raft-actor.ts';
import type { NodeId } from '../raft/core/types.ts';
import { transportArgs, type PeerTlsArgs } from '../transport/transport-args.ts';
import type { PeerAddress, TransportMessage } from '../transport/transport-messages.ts';
import type { MemberRecord } from './member-info.ts';
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
  /** Applied entries between snapshots (etcd's --snapshot-count). */
  readonly snapshotCountEntries: number;
  /** Log entries kept below a snapshot so slow followers catch up without one. Default 5,000 (etcd's). */
  readonly snapshotCatchUpEntries?: number;
  /** The member table before the first entry (the bootstrap cluster). */
  readonly initialMembers: readonly MemberRecord[];
  /** How this member reaches the others; null for a member alone with no peer listener (embedded). */
  readonly peer: PeerOptions | null;
}

export interface PeerOptions {
  readonly listen: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly peers: readonly PeerAddress[];
  readonly tls: PeerTlsArgs | null;
}

/** What peers may ask of this member's actors: only what a follower forwards to its leader. */
const PEER_CALL_TARGETS = {
  [ActorNames.raft]: ['propose', 'conf-change'],
  [ActorNames.leaseWheel]: ['keep-alive', 'time-to-live'],
} as const;

/** etcd's request timeout: 5 s plus two election timeouts. */
const requestTimeoutMsOf = (electionTimeoutMs: number): number => 5_000 + 2 * electionTimeoutMs;

/**
 * 'one-worker': every actor of the member on one worker thread (the default:
 * see bench/RESULTS.md, placement study). 'per-actor': the card's shape, one
 * worker per actor. Or explicit runtime groups.
 */
export type MemberPlacement = 'one-worker' | 'per-actor' | { readonly groups: Readonly<Record<string, readonly string[]>> };

export interface Member {
  readonly memberId: NodeId;
  readonly clusterId: number;
  readonly system: ActorSystem;
  readonly raft: ActorRef<RaftActorMessage>;
  readonly applier: ActorRef<ApplierMessage>;
  readonly watchHub: ActorRef<WatchHubMessage>;
  readonly leaseWheel: ActorRef<LeaseWheelMessage>;
  readonly logWriter: ActorRef<LogWriterMessage>;
  readonly transport: ActorRef<TransportMessage> | null;
}

/** How long a restart may take to re-apply its committed log before open fails. */
const REPLAY_TIMEOUT_MS = 5 * 60_000;
function runtimePlacement(placement: MemberPlacement, actorCount: number): { placement: Placement; threads?: number } {
  if (placement === 'one-worker') return { placement: 'single' };
  if (placement === 'per-actor') return { placement: 'per-actor', threads: actorCount };
  return { placement };
}

const moduleUrl = (path: string) => new URL(path, import.meta.url).href;

/** The peer listener could not start (most often: its port is taken); the message names the addresses. */
export class PeerListenError extends Error {
  override readonly name = 'PeerListenError';
}

async function spawnTransport(system: ActorSystem, options: MemberOptions, peer: PeerOptions): Promise<ActorRef<TransportMessage>> {
  try {
    return await system.spawn<TransportMessage>({
      name: ActorNames.transport,
      module: moduleUrl('../transport/transport-actor.ts'),
      export: 'transportActor',
      args: transportArgs({
        clusterId: options.clusterId.toString(16),
        memberId: options.memberId,
        listen: peer.listen,
        peers: peer.peers,
        tls: peer.tls,
        callTargets: PEER_CALL_TARGETS,
      }),
    });
  } catch (error) {
    const addresses = peer.listen.map(({ host, port }) => `${host}:${port}`).join(', ');
    const cause = error instanceof ActorFailedError ? error.details.causeMessage : error instanceof Error ? error.message : String(error);
    throw new PeerListenError(`cannot listen for peers on ${addresses} (--listen-peer-urls): ${cause}`, { cause: error });
  }
}

export async function startMember(options: MemberOptions): Promise<Member> {
  const actorCount = Object.keys(ActorNames).length - (options.peer === null ? 1 : 0);
  const system = await ActorSystem.start(runtimePlacement(options.placement, actorCount));
  const hasTransport = options.peer !== null;
  const requestTimeoutMs = requestTimeoutMsOf(options.electionTimeoutMs);
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
        hasTransport,
        requestTimeoutMs,
      } satisfies LeaseWheelArgs,
    });
    const applier = await system.spawn<ApplierMessage>({
      name: ActorNames.applier,
      module: moduleUrl('../applier/applier-actor.ts'),
      export: 'applierActor',
      args: { maxWaitingReads: 65_536, initialMembers: options.initialMembers, snapshotCountEntries: options.snapshotCountEntries } satisfies ApplierArgs,
    });
    const transport = options.peer === null ? null : await spawnTransport(system, options, options.peer);
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
        hasTransport,
        requestTimeoutMs,
        snapshotCatchUpEntries: options.snapshotCatchUpEntries ?? 5_000,
      } satisfies RaftActorArgs,
    });
    // Serve nothing older than what was committed before a restart.
    const { commitIndex } = await raft.ask<RaftActorStatus>({ type: 'status' });
    await applier.ask({ type: 'await-applied', index: commitIndex }, { timeoutMs: REPLAY_TIMEOUT_MS });
    return { memberId: options.memberId, clusterId: options.clusterId, system, raft, applier, watchHub, leaseWheel, logWriter, transport };
  } catch (error) {
    await system.shutdown();
    throw error;
  }
}

/**
 * Hands leadership to the most caught-up voter if this member leads (so the
 * cluster does not wait out an election timeout), stops accepting work, lets
 * queued log writes finish, then stops every thread.
 */
export async function stopMember(member: Member): Promise<void> {
  // Best effort: a raft actor that already stopped (it failed) has nothing to hand over or close.
  const raftAlive = await member.raft.ask({ type: 'step-down' }, { timeoutMs: 60_000 }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof ActorStoppedError) return false;
      throw error;
    },
  );
  if (raftAlive) await member.raft.ask({ type: 'close' });
  await member.transport?.ask({ type: 'close' });
  await member.logWriter.ask({ type: 'close' });
  await member.system.shutdown();
}
