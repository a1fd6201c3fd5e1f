/**
 * The lease-wheel actor: the member's lease timers. Grants, revokes and
 * checkpoints reach it from the applier once committed, so every member knows
 * every lease and its last checkpointed remaining TTL; on the leader alone it
 * decides expiry and proposes the revoke through Raft, and every
 * `checkpointIntervalMs` proposes the remaining TTLs of long leases, so a new
 * leader or a restarted member arms each lease from its checkpoint rather
 * than from its full TTL. Keep-alives are answered here, by the leader,
 * without a Raft round (etcd does the same): they move a deadline, not
 * replicated state; except the first keep-alive after a checkpoint, which
 * commits the checkpoint's clearing before it answers, so no later leader
 * arms the lease shorter than the TTL this answer promised. A follower's
 * wheel hands keep-alives and TTL queries to the leader's wheel (one hop).
 *
 * A newly elected leader arms its leases only once it has applied every
 * entry it holds from before its election (etcd promotes its lessor at the
 * same point): a grant or checkpoint still being applied would otherwise be
 * missed. Until then it holds keep-alives (bounded in count and time).
 *
 * Never: propose a checkpoint from a member that is not the leader (a
 * remaining TTL is a reading of the leader's own clock), or answer a
 * keep-alive before the checkpoint it must clear is committed.
 */
import { defineActor, matchType, type ActorContext, type Replier } from '../../runtime/index.ts';
import type { ApplierMessage, WriteResult } from '../applier/applier-actor.ts';
import { seededRandom } from '../common/seeded-random.ts';
import { encodeMemberCommand } from '../member/commands.ts';
import { ActorNames } from '../member/names.ts';
import { refused, success, type Outcome, type Refusal } from '../member/outcome.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { RaftActorMessage, RaftActorStatus } from '../raft/raft-actor.ts';
import { callMember } from '../transport/call-member.ts';
import type { TransportMessage } from '../transport/transport-messages.ts';
import { HeldRequests } from './held-requests.ts';
import { LeaseError, Lessor, MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds, type LeaseCheckpoint, type TimeToLive } from './index.ts';

type KeepAlive = { readonly type: 'keep-alive'; readonly id: number; readonly forwarded?: boolean };
type TimeToLiveQuery = { readonly type: 'time-to-live'; readonly id: number; readonly keys: boolean; readonly forwarded?: boolean };

export type LeaseWheelMessage =
  | { readonly type: 'granted'; readonly id: number; readonly ttlSeconds: number }
  | { readonly type: 'revoked'; readonly id: number }
  /** From the applier: committed remaining TTLs (0 clears one), in log order. */
  | { readonly type: 'checkpointed'; readonly checkpoints: readonly LeaseCheckpoint[] }
  | { readonly type: 'role'; readonly leader: boolean; readonly leaderId: NodeId }
  /** To itself: whether every entry from before leadership `epoch` is applied. */
  | { readonly type: 'caught-up'; readonly epoch: number; readonly applied: boolean }
  | { readonly type: 'grant'; readonly id: number; readonly ttlSeconds: number }
  /** `forwarded`: sent by a follower's wheel to the leader's (answered there, never forwarded again). */
  | KeepAlive
  | TimeToLiveQuery
  | { readonly type: 'leases' }
  | { readonly type: 'tick' };

export interface LeaseWheelArgs {
  readonly electionTimeoutMs: number;
  readonly tickIntervalMs: number;
  readonly maxLeases: number;
  readonly maxAttachedKeys: number;
  /** Seeds lease-ID minting (IDs must differ across restarts, not be secret). */
  readonly idSeed: number;
  /** True in a cluster: a follower forwards keep-alives to the leader through the transport. */
  readonly hasTransport: boolean;
  readonly requestTimeoutMs: number;
  /** How often the leader checkpoints remaining TTLs. Default 5 min (etcd's; see LessorOptions). */
  readonly checkpointIntervalMs?: number;
}

export interface LeaseGranted {
  readonly id: number;
  readonly ttlSeconds: number;
  readonly revision: number;
}

/** etcd's gRPC codes for lease refusals. */
const grpcCodeOfLeaseError: Readonly<Record<string, number>> = {
  'lease-not-found': 5,
  'lease-exists': 9,
  'lease-ttl-too-large': 11,
  'not-leader': 14,
};

function leaseRefusal(error: unknown): Outcome<never> {
  if (!(error instanceof LeaseError)) throw error;
  return refused({ grpcCode: grpcCodeOfLeaseError[error.code] ?? 9, message: error.message });
}

const ttlTooLarge: Refusal = { grpcCode: 11, message: 'etcdserver: too large lease TTL' };
const tooManyRequests: Refusal = { grpcCode: 8, message: 'etcdserver: too many requests' };
const timedOut: Refusal = { grpcCode: 14, message: 'etcdserver: request timed out' };

/** Leases per checkpoint entry (etcd's batch size); the lessor hands out at most this many per tick. */
const MAX_CHECKPOINTS_PER_ENTRY = 1_000;
/** Keep-alives a new leader holds while it catches up; more are refused as too many requests. */
const MAX_HELD_KEEP_ALIVES = 4_096;
/** Tries, one request timeout each, for a new leader to apply its earlier entries (~6 min at etcd's defaults). */
const MAX_CATCH_UP_ATTEMPTS = 50;

type KeepAliveReply = Outcome<{ ttlSeconds: number }>;

export const leaseWheelActor = defineActor<LeaseWheelMessage, LeaseWheelArgs>((args, ctx) => {
  const lessor = new Lessor({
    electionTimeoutMs: args.electionTimeoutMs,
    maxLeases: args.maxLeases,
    maxAttachedKeys: args.maxAttachedKeys,
    random: seededRandom(args.idSeed),
    startMs: Date.now(),
    tickMs: args.tickIntervalMs,
    maxCheckpointsPerTick: MAX_CHECKPOINTS_PER_ENTRY,
    ...(args.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: args.checkpointIntervalMs }),
  });
  const minTtlSeconds = minLeaseTtlSeconds(args.electionTimeoutMs);
  const raft = () => ctx.lookup<RaftActorMessage>(ActorNames.raft);
  const applier = () => ctx.lookup<ApplierMessage>(ActorNames.applier);
  const heldKeepAlives = new HeldRequests<{ readonly message: KeepAlive; readonly replier: Replier<KeepAliveReply> }>(MAX_HELD_KEEP_ALIVES);
  /** What the raft actor says; the lessor leads only once caught up (`lessor.isLeader`). */
  let leader = false;
  let leaderId: NodeId = 0;
  /** Counts role changes, so an answer meant for an earlier leadership is recognised and dropped. */
  let epoch = 0;
  let catchUp = { inFlight: false, attempts: 0 };

  /** On a follower, answers through `replier` with the leader wheel's reply; false when it must be served here. */
  function forwardedToLeader(message: KeepAlive | TimeToLiveQuery, replier: Replier<Outcome<unknown>>): boolean {
    if (leader || message.forwarded === true || !args.hasTransport || leaderId === 0) return false;
    const transport = ctx.lookup<TransportMessage>(ActorNames.transport);
    callMember(transport, leaderId, { actor: ActorNames.leaseWheel, message: { ...message, forwarded: true } }, args.requestTimeoutMs).then(
      (outcome) => replier.resolve(outcome),
      (error: unknown) => replier.reject(error),
    );
    return true;
  }

  /**
   * `forwarded: true` keeps the proposal on this member: if it is no longer
   * the leader the proposal is refused, never handed to the next leader,
   * whose clock the remaining TTLs do not describe.
   */
  function proposeCheckpoints(checkpoints: readonly LeaseCheckpoint[]): Promise<Outcome<WriteResult>> {
    if (checkpoints.length === 0 || checkpoints.length > MAX_CHECKPOINTS_PER_ENTRY) {
      throw new Error(`invariant: a checkpoint entry carries 1..${MAX_CHECKPOINTS_PER_ENTRY} leases, got ${checkpoints.length}`);
    }
    const data = encodeMemberCommand({ type: 'lease-checkpoint', checkpoints });
    return raft().ask<Outcome<WriteResult>>({ type: 'propose', data, forwarded: true }, { timeoutMs: args.requestTimeoutMs });
  }

  /**
   * Periodic checkpoints. A refused proposal was never appended, so the
   * lessor stops counting it as in flight; a timed-out one may still commit,
   * so it stays counted (the cost: keep-alives clear it needlessly until the
   * next checkpoint of the lease applies).
   */
  function checkpoint(checkpoints: readonly LeaseCheckpoint[]): void {
    const proposedIn = epoch;
    const ids = checkpoints.map((c) => c.id);
    proposeCheckpoints(checkpoints).then(
      (outcome) => {
        if (!outcome.ok && proposedIn === epoch && lessor.isLeader) lessor.abandonCheckpoints(ids);
      },
      () => {
        // Timed out or stopping: it may still commit, so it stays counted (see above).
      },
    );
  }

  function keepAlive(message: KeepAlive, replier: Replier<KeepAliveReply>): void {
    if (forwardedToLeader(message, replier)) return;
    if (leader && !lessor.isLeader) {
      if (!heldKeepAlives.hold({ message, replier }, Date.now() + args.requestTimeoutMs)) replier.resolve(refused(tooManyRequests));
      return;
    }
    let renewed: { ttlSeconds: number; clearCheckpoint: boolean };
    try {
      renewed = lessor.keepAlive(message.id, Date.now());
    } catch (error) {
      return replier.resolve(leaseRefusal(error));
    }
    const answer = success({ ttlSeconds: renewed.ttlSeconds });
    if (!renewed.clearCheckpoint) return replier.resolve(answer);
    proposeCheckpoints([{ id: message.id, remainingTtlSeconds: 0 }]).then(
      (outcome) => replier.resolve(outcome.ok ? answer : outcome),
      (error: unknown) => replier.reject(error),
    );
  }

  /** Asks for the log's end, then for the applier to reach it; the answer comes back as 'caught-up'. */
  function tryCatchUp(): void {
    if (!leader || lessor.isLeader || catchUp.inFlight) return;
    if (catchUp.attempts >= MAX_CATCH_UP_ATTEMPTS) {
      throw new Error(`lease wheel: the applier did not reach the log's end in ${MAX_CATCH_UP_ATTEMPTS} tries; leases cannot be armed`);
    }
    catchUp = { inFlight: true, attempts: catchUp.attempts + 1 };
    const askedIn = epoch;
    const answer = (applied: boolean) => ctx.self.send({ type: 'caught-up', epoch: askedIn, applied });
    // Started from a promise: the first role message can arrive before the raft actor is registered
    // (it announces itself while being spawned), and a failed lookup is then one failed try.
    Promise.resolve()
      .then(() => raft().ask<RaftActorStatus>({ type: 'status' }))
      .then(({ lastIndex }) => applier().ask<boolean>({ type: 'await-applied', index: lastIndex }, { timeoutMs: args.requestTimeoutMs }))
      .then(answer, () => answer(false));
  }

  function caughtUp(message: Extract<LeaseWheelMessage, { type: 'caught-up' }>): void {
    if (message.epoch !== epoch) return;
    catchUp = { inFlight: false, attempts: catchUp.attempts };
    if (!message.applied) return; // tried again on the next tick
    lessor.promote(Date.now());
    for (const { message: held, replier } of heldKeepAlives.takeAll()) keepAlive(held, replier);
  }

  function role(message: Extract<LeaseWheelMessage, { type: 'role' }>): void {
    leaderId = message.leaderId;
    if (message.leader === leader) return;
    leader = message.leader;
    epoch += 1;
    catchUp = { inFlight: false, attempts: 0 };
    if (leader) return tryCatchUp();
    if (lessor.isLeader) lessor.demote();
    // Whoever leads now answers them (or they are refused as not-leader).
    for (const { message: held, replier } of heldKeepAlives.takeAll()) keepAlive(held, replier);
  }

  const timer = setInterval(() => ctx.self.send({ type: 'tick' }), args.tickIntervalMs);
  timer.unref();
  ctx.onStop(() => clearInterval(timer));

  function grant(message: Extract<LeaseWheelMessage, { type: 'grant' }>, context: ActorContext<LeaseWheelMessage>): Outcome<LeaseGranted> | void {
    if (message.ttlSeconds > MAX_LEASE_TTL_SECONDS) return refused(ttlTooLarge);
    const ttlSeconds = Math.max(message.ttlSeconds, minTtlSeconds);
    const id = message.id === 0 ? lessor.mintId() : message.id;
    const replier = context.deferReply<Outcome<LeaseGranted>>();
    const data = encodeMemberCommand({ type: 'lease-grant', id, ttlSeconds });
    raft()
      .ask<Outcome<WriteResult>>({ type: 'propose', data })
      .then(
        (outcome) => {
          if (!outcome.ok) replier.resolve(outcome);
          else if (outcome.value.type !== 'lease-grant') replier.reject(new Error(`lease grant answered with ${outcome.value.type}`));
          else replier.resolve(success({ id, ttlSeconds, revision: outcome.value.revision }));
        },
        (error: unknown) => replier.reject(error),
      );
  }

  /** On the leader: the live remainder; elsewhere (no leader known): the checkpointed one, else the full TTL. */
  function timeToLive(message: TimeToLiveQuery, context: ActorContext<LeaseWheelMessage>): Outcome<TimeToLive> | void {
    const replier = context.deferReply<Outcome<TimeToLive>>();
    if (forwardedToLeader(message, replier)) return;
    let ttl: TimeToLive;
    try {
      ttl = lessor.timeToLive(message.id, Date.now());
    } catch (error) {
      return replier.resolve(leaseRefusal(error));
    }
    if (!message.keys) return replier.resolve(success(ttl));
    applier()
      .ask<Uint8Array[]>({ type: 'lease-keys', id: message.id })
      .then((keys) => replier.resolve(success({ ...ttl, keys })), (error: unknown) => replier.reject(error));
  }

  function tick(): void {
    const nowMs = Date.now();
    for (const { replier } of heldKeepAlives.takeExpired(nowMs)) replier.resolve(refused(timedOut));
    tryCatchUp();
    const { expired, checkpoints } = lessor.tick(nowMs);
    for (const id of expired) raft().send({ type: 'propose-quietly', data: encodeMemberCommand({ type: 'lease-revoke', id }) });
    if (checkpoints.length > 0) checkpoint(checkpoints);
  }

  return matchType<LeaseWheelMessage>({
    granted: (message) => {
      lessor.grant(message.id, message.ttlSeconds, Date.now());
    },
    revoked: (message) => {
      lessor.revoke(message.id);
    },
    checkpointed: (message) => {
      for (const applied of message.checkpoints) lessor.applyCheckpoint(applied);
    },
    role,
    'caught-up': caughtUp,
    grant,
    'keep-alive': (message, context) => keepAlive(message, context.deferReply<KeepAliveReply>()),
    'time-to-live': timeToLive,
    leases: (): number[] => lessor.leases(),
    tick,
  });
});
