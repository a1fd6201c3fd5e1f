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
import { ActorNames, type ActorName } from './names.ts';

export interface MemberOptions {
  readonly dataDir: string;
  readonly memberId: NodeId;
  readonly clusterId: number;
  readonly voters: readonly NodeId[];
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly preVote: boolean;
  readonly placement: MemberPlacement;
  /** Nice value of the member's worker threads (ActorSystemOptions.workerNice). Default 0. */
  readonly workerNice?: number;
  readonly watchProgressIntervalMs: number;
  /** Applied entries between snapshots (etcd's --snapshot-count). */
  readonly snapshotCountEntries: number;
  /** Log entries kept below a snapshot so slow followers catch up without one. Default 5,000 (etcd's). */
  readonly snapshotCatchUpEntries?: number;
  /** The member table before the first entry (the bootstrap cluster). */
  readonly initialMembers: readonly MemberRecord[];
  /** How often the leader checkpoints lease remaining TTLs through Raft. Default 5 min (etcd's). */
  readonly leaseCheckpointIntervalMs?: number;
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
 * Where the member's actors run (except with 'host-thread', the host's main
 * thread only routes messages):
 * - 'one-worker': every actor on one worker thread (the default: see
 *   bench/RESULTS.md, placement study);
 * - 'two-workers': the consensus group and the state group of
 *   TWO_WORKER_GROUPS, one worker each;
 * - 'per-actor': the card's shape, one worker per actor;
 * - 'host-thread': every actor on the host's own main thread, no worker: no
 *   ring hop and no encoding between the caller and the actors, but the
 *   member's work shares the caller's event loop. Chosen by measurement,
 *   never the default (the card wants actors on workers);
 * - { groups }: the runtime's own group map, one worker per group; every
 *   actor the member runs must be in exactly one group (the transport only
 *   runs in a cluster, so a map for a member alone may leave it out).
 */
export const MEMBER_PLACEMENT_NAMES = ['one-worker', 'two-workers', 'per-actor', 'host-thread'] as const;
export type MemberPlacementName = (typeof MEMBER_PLACEMENT_NAMES)[number];
export type MemberPlacement = MemberPlacementName | { readonly groups: Readonly<Record<string, readonly ActorName[]>> };

export const isMemberPlacementName = (name: string): name is MemberPlacementName => (MEMBER_PLACEMENT_NAMES as readonly string[]).includes(name);

/**
 * The split for two workers, along the member's busiest edges. A write makes
 * raft ask the log writer to persist each Ready and wait for "durable" before
 * it may commit: that round trip is on every write's latency path, so the two
 * share a thread (an in-thread hop, nothing encoded). In a cluster raft hands
 * the transport the messages of every Ready, so it joins them. The applier
 * sends each applied batch's events to the watch hub and lease attachments to
 * the lease wheel, so those three share the other thread. The one edge that
 * crosses, raft → applier, carries one message per Ready batch, after the
 * fsync, so on a 2-core machine the two halves (log encoding and fsync
 * bookkeeping; MVCC apply and watch fan-out) can run at the same time.
 * Whether that beats 'one-worker' is for bench/embedded to show.
 */
export const TWO_WORKER_GROUPS = {
  consensus: [ActorNames.raft, ActorNames.logWriter, ActorNames.transport],
  state: [ActorNames.applier, ActorNames.watchHub, ActorNames.leaseWheel],
} as const satisfies Record<string, readonly ActorName[]>;

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
function runtimePlacement(placement: MemberPlacement, actors: readonly ActorName[]): { placement: Placement; threads?: number } {
  if (placement === 'one-worker') return { placement: 'single' };
  if (placement === 'two-workers') return { placement: { groups: TWO_WORKER_GROUPS } };
  if (placement === 'per-actor') return { placement: 'per-actor', threads: actors.length };
  if (placement === 'host-thread') return { placement: 'main-thread' };
  if (typeof placement === 'object' && placement !== null && typeof placement.groups === 'object' && placement.groups !== null) {
    assertGroupsCover(placement.groups, actors);
    return { placement };
  }
  throw new TypeError(`placement must be ${MEMBER_PLACEMENT_NAMES.map((name) => `'${name}'`).join(', ')} or { groups: { name: [actor names] } }, got ${JSON.stringify(placement)}`);
}

/** Checked before any thread starts, so a wrong map fails with what to change instead of halfway through the spawns. */
function assertGroupsCover(groups: Readonly<Record<string, readonly string[]>>, actors: readonly ActorName[]): void {
  const known: readonly string[] = Object.values(ActorNames);
  const listed = Object.values(groups).flatMap((names) => (Array.isArray(names) ? names : []));
  const unknown = listed.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new TypeError(`placement.groups names unknown actors (${unknown.join(', ')}); the member's actors are ${known.join(', ')}`);
  const missing = actors.filter((name) => !listed.includes(name));
  if (missing.length > 0) throw new TypeError(`placement.groups leaves out ${missing.join(', ')}; put every actor the member runs in one group`);
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
  const actors = Object.values(ActorNames).filter((name) => options.peer !== null || name !== ActorNames.transport);
  const system = await ActorSystem.start({ ...runtimePlacement(options.placement, actors), workerNice: options.workerNice ?? 0 });
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
        ...(options.leaseCheckpointIntervalMs === undefined ? {} : { checkpointIntervalMs: options.leaseCheckpointIntervalMs }),
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
    // Serve nothing older than what was committed before a restart. A member alone commits its whole
    // log once it leads (its stored commit index may lag: it is written lazily, see raft-actor.ts).
    const { commitIndex, lastIndex, voters } = await raft.ask<RaftActorStatus>({ type: 'status' });
    const alone = voters.length === 1 && voters[0] === options.memberId;
    await applier.ask({ type: 'await-applied', index: alone ? lastIndex : commitIndex }, { timeoutMs: REPLAY_TIMEOUT_MS });
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
  try {
    // Best effort: an actor that already stopped (it failed past its restart budget) has nothing to hand over or close.
    const raftAlive = await ifRunning(member.raft.ask({ type: 'step-down' }, { timeoutMs: 60_000 }));
    if (raftAlive) await ifRunning(member.raft.ask({ type: 'close' }));
    if (member.transport !== null) await ifRunning(member.transport.ask({ type: 'close' }));
    await ifRunning(member.logWriter.ask({ type: 'close' }));
  } finally {
    // Whatever failed above, the threads end: a member that cannot close cleanly must not keep the process alive.
    await member.system.shutdown();
  }
}

/** False when the actor asked had stopped; any other failure is rethrown. */
function ifRunning(asked: Promise<unknown>): Promise<boolean> {
  return asked.then(
    () => true,
    (error: unknown) => {
      if (error instanceof ActorStoppedError) return false;
      throw error;
    },
  );
}
