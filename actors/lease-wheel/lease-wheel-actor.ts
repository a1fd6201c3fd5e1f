/**
 * The lease-wheel actor: the member's lease timers. Grants and revokes reach
 * it from the applier once committed, so every member knows every lease; on
 * the leader alone it decides expiry and proposes the revoke through Raft.
 * Keep-alives are answered here, by the leader, without a Raft round (etcd
 * does the same): they move a deadline, not replicated state. A follower's
 * wheel hands keep-alives and TTL queries to the leader's wheel (one hop).
 */
import { defineActor, matchType, type ActorContext } from '../../runtime/index.ts';
import type { ApplierMessage, WriteResult } from '../applier/applier-actor.ts';
import { seededRandom } from '../common/seeded-random.ts';
import { encodeMemberCommand } from '../member/commands.ts';
import { ActorNames } from '../member/names.ts';
import { refused, success, type Outcome, type Refusal } from '../member/outcome.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { RaftActorMessage } from '../raft/raft-actor.ts';
import { callMember } from '../transport/call-member.ts';
import type { TransportMessage } from '../transport/transport-messages.ts';
import { LeaseError, Lessor, MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds, type TimeToLive } from './index.ts';

export type LeaseWheelMessage =
  | { readonly type: 'granted'; readonly id: number; readonly ttlSeconds: number }
  | { readonly type: 'revoked'; readonly id: number }
  | { readonly type: 'role'; readonly leader: boolean; readonly leaderId: NodeId }
  | { readonly type: 'grant'; readonly id: number; readonly ttlSeconds: number }
  /** `forwarded`: sent by a follower's wheel to the leader's (answered there, never forwarded again). */
  | { readonly type: 'keep-alive'; readonly id: number; readonly forwarded?: boolean }
  | { readonly type: 'time-to-live'; readonly id: number; readonly keys: boolean; readonly forwarded?: boolean }
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

export const leaseWheelActor = defineActor<LeaseWheelMessage, LeaseWheelArgs>((args, ctx) => {
  const lessor = new Lessor({
    electionTimeoutMs: args.electionTimeoutMs,
    maxLeases: args.maxLeases,
    maxAttachedKeys: args.maxAttachedKeys,
    random: seededRandom(args.idSeed),
    startMs: Date.now(),
    tickMs: args.tickIntervalMs,
  });
  const minTtlSeconds = minLeaseTtlSeconds(args.electionTimeoutMs);
  const raft = () => ctx.lookup<RaftActorMessage>(ActorNames.raft);
  const applier = () => ctx.lookup<ApplierMessage>(ActorNames.applier);
  let leader = false;
  let leaderId: NodeId = 0;

  /** On a follower, answers `message` with the leader wheel's reply; false when it must be served here. */
  function forwardedToLeader(message: Extract<LeaseWheelMessage, { type: 'keep-alive' | 'time-to-live' }>, context: ActorContext<LeaseWheelMessage>): boolean {
    if (leader || message.forwarded === true || !args.hasTransport || leaderId === 0) return false;
    const replier = context.deferReply<Outcome<unknown>>();
    const transport = ctx.lookup<TransportMessage>(ActorNames.transport);
    callMember(transport, leaderId, { actor: ActorNames.leaseWheel, message: { ...message, forwarded: true } }, args.requestTimeoutMs).then(
      (outcome) => replier.resolve(outcome),
      (error: unknown) => replier.reject(error),
    );
    return true;
  }

  const timer = setInterval(() => ctx.self.send({ type: 'tick' }), args.tickIntervalMs);
  timer.unref();

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

  function timeToLive(message: Extract<LeaseWheelMessage, { type: 'time-to-live' }>, context: ActorContext<LeaseWheelMessage>): Outcome<TimeToLive> | void {
    if (forwardedToLeader(message, context)) return;
    let ttl: TimeToLive;
    try {
      ttl = lessor.timeToLive(message.id, Date.now());
    } catch (error) {
      return leaseRefusal(error);
    }
    if (!message.keys) return success(ttl);
    const replier = context.deferReply<Outcome<TimeToLive>>();
    applier()
      .ask<Uint8Array[]>({ type: 'lease-keys', id: message.id })
      .then((keys) => replier.resolve(success({ ...ttl, keys })), (error: unknown) => replier.reject(error));
  }

  return matchType<LeaseWheelMessage>({
    granted: (message) => {
      lessor.grant(message.id, message.ttlSeconds, Date.now());
    },
    revoked: (message) => {
      lessor.revoke(message.id);
    },
    role: (message) => {
      leaderId = message.leaderId;
      if (message.leader === leader) return;
      leader = message.leader;
      if (leader) lessor.promote(Date.now());
      else lessor.demote();
    },
    grant,
    'keep-alive': (message, context): Outcome<{ ttlSeconds: number }> | void => {
      if (forwardedToLeader(message, context)) return;
      try {
        return success({ ttlSeconds: lessor.keepAlive(message.id, Date.now()).ttlSeconds });
      } catch (error) {
        return leaseRefusal(error);
      }
    },
    'time-to-live': timeToLive,
    leases: (): number[] => lessor.leases(),
    tick: () => {
      const { expired } = lessor.tick(Date.now());
      for (const id of expired) raft().send({ type: 'propose-quietly', data: encodeMemberCommand({ type: 'lease-revoke', id }) });
    },
  });
});
