/**
 * The raft actor: runs the pure Raft core inside the runtime. It owns the
 * tick clock, drives the Ready loop and enforces persist-before-send: a
 * Ready's hard state and entries are durable (the log writer answered
 * "durable up to") before its messages leave and its committed entries go to
 * the applier. While one Ready is being persisted, proposals keep arriving
 * and the core batches them into the next one: that is the group commit.
 *
 * Proposals are answered by the applier (it knows the result); this actor
 * only remembers which caller waits on which (index, term), and refuses a
 * caller whose entry was overwritten by another leader's.
 */
import { Packr } from 'msgpackr';
import { defineActor, matchType, type ActorContext, type Replier } from '../../runtime/index.ts';
import type { ApplierMessage, ReadRequest, ReadResult, WriteResult } from '../applier/applier-actor.ts';
import type { LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import type { LogWriterMessage } from '../log-writer/log-writer-actor.ts';
import type { RecoveredLog } from '../log-writer/log-store.ts';
import { ActorNames } from '../member/names.ts';
import { refused, type Outcome, type Refusal } from '../member/outcome.ts';
import { seededRandom } from '../common/seeded-random.ts';
import { NotLeaderError, RaftError } from './core/errors.ts';
import { RaftNode } from './core/raft-node.ts';
import type { Entry, Message, NodeId, ReadState, SoftState } from './core/types.ts';

export type RaftActorMessage =
  /** Ask: answered by the applier with the entry's result once committed and applied. */
  | { readonly type: 'propose'; readonly data: Uint8Array }
  /** Fire and forget (a lease expiry): losing it is harmless, the proposer retries. */
  | { readonly type: 'propose-quietly'; readonly data: Uint8Array }
  /** Ask: a linearizable read, confirmed by ReadIndex, then served by the applier. */
  | { readonly type: 'read'; readonly read: ReadRequest }
  | { readonly type: 'peer'; readonly message: Message }
  | { readonly type: 'status' }
  | { readonly type: 'tick' }
  | { readonly type: 'fail'; readonly reason: string }
  | { readonly type: 'close' };

export interface RaftActorArgs {
  readonly memberId: NodeId;
  /** Bootstrap voters (ignored when the log holds a snapshot with its own membership). */
  readonly voters: readonly NodeId[];
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly preVote: boolean;
  /** Seeds the core's election-timeout randomness. */
  readonly seed: number;
  /** Proposals waiting for their result, at most. */
  readonly maxPendingProposals: number;
}

export interface RaftActorStatus {
  readonly memberId: NodeId;
  readonly term: number;
  readonly leader: NodeId;
  readonly role: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
}

interface PendingProposal {
  readonly term: number;
  readonly replier: Replier<Outcome<WriteResult>>;
}

interface PendingRead {
  readonly read: ReadRequest;
  readonly replier: Replier<Outcome<ReadResult>>;
}

const stopped: Refusal = { grpcCode: 14, message: 'etcdserver: server stopped' };
const leaderChanged: Refusal = { grpcCode: 14, message: 'etcdserver: leader changed' };
const noLeader: Refusal = { grpcCode: 14, message: 'etcdserver: no leader' };
const notLeader: Refusal = { grpcCode: 14, message: 'etcdserver: not leader' };
const tooManyRequests: Refusal = { grpcCode: 8, message: 'etcdserver: too many requests' };

const contextCodec = new Packr({ useRecords: false });

function proposalRefusal(error: unknown): Refusal {
  if (error instanceof NotLeaderError) return error.details.leader === 0 ? noLeader : notLeader;
  if (error instanceof RaftError) return { grpcCode: 14, message: `etcdserver: ${error.message}` };
  throw error;
}

export const raftActor = defineActor<RaftActorMessage, RaftActorArgs>(async (args, ctx) => {
  const logWriter = ctx.lookup<LogWriterMessage>(ActorNames.logWriter);
  const applier = () => ctx.lookup<ApplierMessage>(ActorNames.applier);
  const leaseWheel = () => ctx.lookup<LeaseWheelMessage>(ActorNames.leaseWheel);

  const recovered = await logWriter.ask<RecoveredLog>({ type: 'recover' });
  const electionTimeoutTicks = Math.max(2, Math.round(args.electionTimeoutMs / args.heartbeatIntervalMs));
  const node = new RaftNode(
    { id: args.memberId, random: seededRandom(args.seed), electionTimeoutTicks, heartbeatTimeoutTicks: 1, preVote: args.preVote },
    {
      hardState: recovered.hardState,
      snapshot: recovered.snapshot,
      entries: recovered.entries,
      conf: recovered.snapshot?.meta.conf ?? { voters: args.voters, learners: [] },
    },
  );

  const pendingProposals = new Map<number, PendingProposal>();
  const pendingReads = new Map<number, PendingRead[]>();
  let readBatch: PendingRead[] = [];
  let nextReadBatchId = 1;
  let closed = false;
  let driving = false;
  let isLeader = false;

  function onSoftState(soft: SoftState): void {
    const nowLeader = soft.role === 'leader';
    if (nowLeader === isLeader) return;
    isLeader = nowLeader;
    leaseWheel().send({ type: 'role', leader: nowLeader });
    if (!nowLeader) {
      // ReadIndex requests of a deposed leader are dropped by the core: answer them now.
      for (const batch of pendingReads.values()) for (const read of batch) read.replier.resolve(refused(leaderChanged));
      pendingReads.clear();
    }
  }

  function waitersFor(entries: readonly Entry[]): Array<[number, Replier<Outcome<WriteResult>>]> {
    const waiters: Array<[number, Replier<Outcome<WriteResult>>]> = [];
    for (const entry of entries) {
      const pending = pendingProposals.get(entry.index);
      if (!pending) continue;
      pendingProposals.delete(entry.index);
      if (pending.term === entry.term) waiters.push([entry.index, pending.replier]);
      else pending.replier.resolve(refused(leaderChanged));
    }
    return waiters;
  }

  function serveReadStates(readStates: readonly ReadState[]): void {
    for (const state of readStates) {
      const batchId = contextCodec.unpack(state.context) as number;
      const batch = pendingReads.get(batchId);
      if (!batch) continue;
      pendingReads.delete(batchId);
      for (const { read, replier } of batch) applier().send({ type: 'read', read, minAppliedIndex: state.index, replier });
    }
  }

  async function persistAndPublish(): Promise<void> {
    while (node.hasReady()) {
      const ready = node.ready();
      if (ready.softState) onSoftState(ready.softState);
      if (ready.entries.length > 0 || ready.hardState) {
        await logWriter.ask({ type: 'append', entries: ready.entries, hardState: ready.hardState });
      }
      // Single-member transport: a member alone has no one to send to.
      if (ready.messages.length > 0) throw new Error(`raft actor: ${ready.messages.length} peer messages but no peer transport is configured`);
      if (ready.committedEntries.length > 0) {
        applier().send({ type: 'apply', entries: ready.committedEntries, waiters: waitersFor(ready.committedEntries) });
      }
      serveReadStates(ready.readStates);
      node.advance();
    }
  }

  function drive(): void {
    if (driving || closed) return;
    driving = true;
    // setImmediate, not a microtask: lets the proposals already in the ring join this Ready.
    setImmediate(() => {
      persistAndPublish().then(
        () => {
          driving = false;
          if (node.hasReady()) drive();
        },
        (error: unknown) => ctx.self.send({ type: 'fail', reason: error instanceof Error ? error.message : String(error) }),
      );
    });
  }

  function flushReadBatch(): void {
    const batch = readBatch;
    readBatch = [];
    if (batch.length === 0) return;
    const batchId = nextReadBatchId++;
    try {
      node.readIndex(contextCodec.pack(batchId));
    } catch (error) {
      const refusal = proposalRefusal(error);
      for (const read of batch) read.replier.resolve(refused(refusal));
      return;
    }
    pendingReads.set(batchId, batch);
    drive();
  }

  function propose(data: Uint8Array, replier: Replier<Outcome<WriteResult>> | null): void {
    if (closed) return replier?.resolve(refused(stopped));
    if (pendingProposals.size >= args.maxPendingProposals) return replier?.resolve(refused(tooManyRequests));
    let index: number;
    try {
      index = node.propose(data);
    } catch (error) {
      return replier?.resolve(refused(proposalRefusal(error)));
    }
    const term = node.termAt(index);
    if (term === undefined) throw new Error(`invariant: proposal at index ${index} has no term in the log`);
    if (replier) pendingProposals.set(index, { term, replier });
    drive();
  }

  // A member alone need not wait out an election timeout before serving (etcd advances its ticks too).
  if (args.voters.length === 1 && args.voters[0] === args.memberId && !recovered.snapshot) {
    for (let tick = 0; tick < 2 * electionTimeoutTicks; tick += 1) node.tick();
  }
  drive();
  const ticker = setInterval(() => ctx.self.send({ type: 'tick' }), args.heartbeatIntervalMs);
  ticker.unref();

  return matchType<RaftActorMessage>({
    propose: (message, context) => propose(message.data, context.deferReply<Outcome<WriteResult>>()),
    'propose-quietly': (message) => propose(message.data, null),
    read: (message, context: ActorContext<RaftActorMessage>) => {
      const replier = context.deferReply<Outcome<ReadResult>>();
      if (closed) return replier.resolve(refused(stopped));
      if (readBatch.length === 0) setImmediate(flushReadBatch);
      readBatch.push({ read: message.read, replier });
    },
    peer: (message) => {
      node.step(message.message);
      drive();
    },
    status: (): RaftActorStatus => {
      const status = node.status();
      return {
        memberId: status.id,
        term: status.term,
        leader: status.leader,
        role: status.role,
        commitIndex: status.commit,
        appliedIndex: status.applied,
        lastIndex: status.lastIndex,
      };
    },
    tick: () => {
      if (closed) return;
      node.tick();
      drive();
    },
    fail: (message) => {
      throw new Error(`raft actor stopped: ${message.reason}`);
    },
    close: () => {
      closed = true;
      clearInterval(ticker);
      for (const { replier } of pendingProposals.values()) replier.resolve(refused(stopped));
      pendingProposals.clear();
      for (const batch of [...pendingReads.values(), readBatch]) for (const read of batch) read.replier.resolve(refused(stopped));
      pendingReads.clear();
      readBatch = [];
    },
  });
});
