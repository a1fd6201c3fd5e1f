/**
 * The applier actor: applies committed Raft entries to the MVCC store in log
 * order, answers the proposer of each entry, serves reads once the store has
 * applied far enough, and hands change events to the watch hub.
 *
 * It never decides anything: every member's applier turns the same entries
 * into the same state. Entries at or below the store's applied index are
 * skipped, so replaying the log after a restart never applies one twice.
 */
import { defineActor, matchType, type ActorContext, type Replier } from '../../runtime/index.ts';
import { ActorNames } from '../member/names.ts';
import { decodeMemberCommand, type LeaseGrantCommand } from '../member/commands.ts';
import { attempt, refused, success, type Outcome } from '../member/outcome.ts';
import type { Entry } from '../raft/core/types.ts';
import type { WatchHubMessage } from '../watch-hub/watch-hub-actor.ts';
import type { LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import { LeaseTable } from './lease-table.ts';
import { MvccStore, type ChangeEvent, type CommandResponse, type EventPage, type HashKvResult, type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse } from './mvcc/index.ts';
import { ReadQueue } from './read-queue.ts';

export type ReadRequest =
  | { readonly type: 'range'; readonly request: RangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest };

export type ReadResult = RangeResponse | TxnResponse;

export type WriteResult = CommandResponse | { readonly type: 'lease-grant'; readonly id: number; readonly ttlSeconds: number; readonly revision: number };

export interface ApplierStatus {
  readonly revision: number;
  readonly compactRevision: number;
  readonly appliedIndex: number;
}

export type ApplierMessage =
  | { readonly type: 'apply'; readonly entries: readonly Entry[]; readonly waiters: ReadonlyArray<readonly [index: number, replier: Replier<Outcome<WriteResult>>]> }
  /** Served once the store applied `minAppliedIndex`; answers `replier`, or the ask itself when null. */
  | { readonly type: 'read'; readonly read: ReadRequest; readonly minAppliedIndex: number; readonly replier: Replier<Outcome<ReadResult>> | null }
  | { readonly type: 'status' }
  /** Ask: answered once the store applied `index` (a restarted member serves nothing older). */
  | { readonly type: 'await-applied'; readonly index: number }
  | { readonly type: 'hash-kv'; readonly revision: number }
  | { readonly type: 'events-since'; readonly key: Uint8Array; readonly rangeEnd: Uint8Array | undefined; readonly startRevision: number; readonly maxEvents: number }
  | { readonly type: 'lease-keys'; readonly id: number };

export interface ApplierArgs {
  /** Reads waiting for their index to be applied, at most. */
  readonly maxWaitingReads: number;
}

const leaseExists = { grpcCode: 9, message: 'etcdserver: lease already exists' } as const;
const tooManyReads = { grpcCode: 8, message: 'etcdserver: too many requests' } as const;

export const applierActor = defineActor<ApplierMessage, ApplierArgs>((args, ctx) => {
  const leases = new LeaseTable();
  const store = new MvccStore(leases);
  const reads = new ReadQueue(args.maxWaitingReads);
  let publishedCompactRevision = store.compactRevision;
  const watchHub = () => ctx.lookup<WatchHubMessage>(ActorNames.watchHub);
  const leaseWheel = () => ctx.lookup<LeaseWheelMessage>(ActorNames.leaseWheel);

  function grantLease(command: LeaseGrantCommand): Outcome<WriteResult> {
    if (!leases.grant(command.id, command.ttlSeconds)) return refused(leaseExists);
    leaseWheel().send({ type: 'granted', id: command.id, ttlSeconds: command.ttlSeconds });
    return success({ type: 'lease-grant', id: command.id, ttlSeconds: command.ttlSeconds, revision: store.currentRevision });
  }

  function applyEntry(entry: Entry, events: ChangeEvent[]): Outcome<WriteResult> | null {
    if (entry.kind !== 'normal' || entry.data.length === 0) {
      store.markApplied(entry.index);
      return null;
    }
    const command = decodeMemberCommand(entry.data);
    if (command.type === 'lease-grant') {
      store.markApplied(entry.index);
      return grantLease(command);
    }
    const result = store.apply(entry.index, command);
    if (result.status === 'rejected') return refused({ grpcCode: result.error.grpcCode, message: result.error.message });
    if (result.status === 'skipped') return null;
    events.push(...result.events);
    if (command.type === 'lease-revoke') {
      leases.revoke(command.id);
      leaseWheel().send({ type: 'revoked', id: command.id });
    }
    return success(result.response);
  }

  function apply(message: Extract<ApplierMessage, { type: 'apply' }>): void {
    const waiterByIndex = new Map(message.waiters);
    const events: ChangeEvent[] = [];
    for (const entry of message.entries) {
      if (entry.index <= store.appliedIndex) continue;
      const outcome = applyEntry(entry, events);
      const waiter = waiterByIndex.get(entry.index);
      if (waiter === undefined) continue;
      if (outcome === null) throw new Error(`invariant: the proposal at index ${entry.index} carried no command`);
      waiter.resolve(outcome);
    }
    if (events.length > 0 || store.compactRevision !== publishedCompactRevision) {
      publishedCompactRevision = store.compactRevision;
      watchHub().send({ type: 'publish', events, revision: store.currentRevision, compactRevision: store.compactRevision });
    }
    reads.serveUpTo(store.appliedIndex);
  }

  function serveRead(read: ReadRequest): Outcome<ReadResult> {
    return attempt(() => (read.type === 'range' ? store.range(read.request) : store.readOnlyTxn(read.request)));
  }

  function read(message: Extract<ApplierMessage, { type: 'read' }>, context: ActorContext<ApplierMessage>): void {
    const replier = message.replier ?? context.deferReply<Outcome<ReadResult>>();
    const serve = () => replier.resolve(serveRead(message.read));
    if (message.minAppliedIndex <= store.appliedIndex) serve();
    else if (!reads.enqueue({ minAppliedIndex: message.minAppliedIndex, serve })) replier.resolve(refused(tooManyReads));
  }

  function awaitApplied(message: Extract<ApplierMessage, { type: 'await-applied' }>, context: ActorContext<ApplierMessage>): void {
    const replier = context.deferReply<boolean>();
    const serve = () => replier.resolve(true);
    if (message.index <= store.appliedIndex) serve();
    else if (!reads.enqueue({ minAppliedIndex: message.index, serve })) replier.resolve(false);
  }

  return matchType<ApplierMessage>({
    apply,
    read,
    'await-applied': awaitApplied,
    status: (): ApplierStatus => ({ revision: store.currentRevision, compactRevision: store.compactRevision, appliedIndex: store.appliedIndex }),
    'hash-kv': (message): Outcome<HashKvResult> => attempt(() => store.hashKv(message.revision)),
    'events-since': (message): Outcome<EventPage> =>
      attempt(() => store.eventsSince(message.key, message.rangeEnd, message.startRevision, message.maxEvents)),
    'lease-keys': (message): Uint8Array[] => store.keysForLease(message.id),
  });
});
