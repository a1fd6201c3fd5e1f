/**
 * The applier actor: applies committed Raft entries to the MVCC store in log
 * order, answers the proposer of each entry, serves reads once the store has
 * applied far enough, and hands change events to the watch hub.
 *
 * It never decides anything: every member's applier turns the same entries
 * into the same state. Entries at or below the store's applied index are
 * skipped, so replaying the log after a restart never applies one twice.
 *
 * Every `snapshotCountEntries` entries it snapshots the whole replicated
 * state (store, leases, members) and hands the bytes to the raft actor, which
 * stores them and trims the log. It installs a snapshot (on restart, or sent
 * by the leader) before any entry after it.
 *
 * While the NOSPACE alarm is raised (replicated: alarm-table.ts) it refuses
 * every command that adds data (quota-cost.ts), as etcd's capped applier does,
 * and it keeps the backend size (backend-size.ts) the quota is checked on.
 */
import { defineActor, matchType, type ActorContext, type Replier } from '../../runtime/index.ts';
import { ActorNames } from '../member/names.ts';
import { decodeMemberCommand, type AlarmCommand, type LeaseCheckpointCommand, type LeaseGrantCommand } from '../member/commands.ts';
import type { MemberRecord } from '../member/member-info.ts';
import { attempt, refused, success, type Outcome } from '../member/outcome.ts';
import { decodeConfChange } from '../raft/core/conf-change-codec.ts';
import type { Entry, NodeId, Snapshot } from '../raft/core/types.ts';
import type { RaftActorMessage } from '../raft/raft-actor.ts';
import type { WatchHubMessage } from '../watch-hub/watch-hub-actor.ts';
import type { LeaseWheelMessage } from '../lease-wheel/lease-wheel-actor.ts';
import { LeaseTable } from './lease-table.ts';
import { MemberTable } from './member-table.ts';
import { runInSteps, SnapshotSchedule } from './snapshot-schedule.ts';
import { decodeMemberState, encodeMemberStateSteps, type MemberState } from './state-snapshot.ts';
import { MvccStore, SnapshotCorruptError, type ChangeEvent, type CommandResponse, type EventPage, type HashKvResult, type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse } from './mvcc/index.ts';
import { ReadQueue } from './read-queue.ts';
import { DurationHistogram, exponentialBoundsSeconds, type DurationHistogramSnapshot } from '../common/duration-histogram.ts';
import { AlarmTable, isAlarmType, type AlarmMember } from './alarm-table.ts';
import { BackendSize } from './backend-size.ts';
import { noSpaceRefusal, quotaCostBytes } from './quota-cost.ts';

export type ReadRequest =
  | { readonly type: 'range'; readonly request: RangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest };

export type ReadResult = RangeResponse | TxnResponse;

export type WriteResult =
  | CommandResponse
  | { readonly type: 'lease-grant'; readonly id: number; readonly ttlSeconds: number; readonly revision: number }
  | { readonly type: 'lease-checkpoint'; readonly revision: number }
  /** A committed membership change: the member table it produced (revision: for etcd's response header). */
  | { readonly type: 'conf-change'; readonly members: readonly MemberRecord[]; readonly revision: number }
  | { readonly type: 'member-attributes'; readonly revision: number }
  /** An alarm request: the rows listed, raised or disarmed (etcd's AlarmResponse). */
  | { readonly type: 'alarm'; readonly alarms: readonly AlarmMember[]; readonly revision: number };

export interface ApplierStatus {
  readonly revision: number;
  readonly compactRevision: number;
  readonly appliedIndex: number;
  /** The backend size in quota bytes (backend-size.ts): Status's dbSize, what the quota is checked on. */
  readonly backendBytes: number;
  /** The replicated alarms (Status lists them under `errors`). */
  readonly alarms: readonly AlarmMember[];
}

export type ApplierMessage =
  | { readonly type: 'apply'; readonly entries: readonly Entry[]; readonly waiters: ReadonlyArray<readonly [index: number, replier: Replier<Outcome<WriteResult>>]> }
  /** Served once the store applied `minAppliedIndex`; answers `replier`, or the ask itself when null. */
  | { readonly type: 'read'; readonly read: ReadRequest; readonly minAppliedIndex: number; readonly replier: Replier<Outcome<ReadResult>> | null }
  | { readonly type: 'status' }
  /** Ask: ApplierStats (kept as counts here, read by the /metrics scrape). */
  | { readonly type: 'stats' }
  /** Ask: answered once the store applied `index` (a restarted member serves nothing older). */
  | { readonly type: 'await-applied'; readonly index: number }
  | { readonly type: 'hash-kv'; readonly revision: number }
  | { readonly type: 'events-since'; readonly key: Uint8Array; readonly rangeEnd: Uint8Array | undefined; readonly startRevision: number; readonly maxEvents: number }
  | { readonly type: 'lease-keys'; readonly id: number }
  /** Ask: the replicated member table (MemberRecord[], by ascending ID). */
  | { readonly type: 'members' }
  /** Ask: the member table and the removed member IDs at once (Membership), for the transport. */
  | { readonly type: 'membership' }
  /** Replace the whole state with a snapshot's (restart, or sent by the leader); entries after it follow. */
  | { readonly type: 'install-snapshot'; readonly snapshot: Snapshot }
  | { readonly type: 'snapshot-failed'; readonly reason: string }
  /** Ask: the whole replicated state, encoded as a snapshot's data (etcd's Maintenance.Snapshot). */
  | { readonly type: 'encode-state' }
  /** Ask (etcd's Defragment): drop compacted history and count the backend size now; answers the size. */
  | { readonly type: 'defragment' };

/** The replicated membership as one answer, so the two parts belong to the same applied index. */
export interface Membership {
  readonly members: readonly MemberRecord[];
  /** IDs removals removed and nothing added back, oldest first (at most REMOVED_MEMBERS_MAX). */
  readonly removedIds: readonly NodeId[];
}

export interface ApplierArgs {
  /** Reads waiting for their index to be applied, at most. */
  readonly maxWaitingReads: number;
  /** The bootstrap cluster (--initial-cluster): the member table when the store holds no snapshot. */
  readonly initialMembers: readonly MemberRecord[];
  /** Applied entries between snapshots (etcd's --snapshot-count, default 100000). */
  readonly snapshotCountEntries: number;
}

/** Records counted per turn of the event loop while the backend size is counted anew (about a millisecond each). */
const BACKEND_RECOUNT_STEP_RECORDS = 20_000;
/** MVCC records encoded per turn of the event loop while a snapshot is built (~10 ms of work each). */
const SNAPSHOT_RECORDS_PER_STEP = 4096;

export interface ApplierStats {
  /** Each applied entry's time in the state machine (not its wait in the log). */
  readonly applyDurationSeconds: DurationHistogramSnapshot;
}

/** 5 us doubling to ~5.2 s: one entry's apply is microseconds, a large txn or revoke can take much longer. */
const APPLY_BOUNDS_SECONDS = exponentialBoundsSeconds(0.000005, 2, 21);

const leaseExists = { grpcCode: 9, message: 'etcdserver: lease already exists' } as const;
const tooManyReads = { grpcCode: 8, message: 'etcdserver: too many requests' } as const;

export const applierActor = defineActor<ApplierMessage, ApplierArgs>((args, ctx) => {
  let leases = new LeaseTable();
  let store = new MvccStore(leases);
  let members = new MemberTable(args.initialMembers);
  let alarms = new AlarmTable();
  const backendSize = new BackendSize();
  const reads = new ReadQueue(args.maxWaitingReads);
  const snapshots = new SnapshotSchedule(args.snapshotCountEntries);
  let publishedCompactRevision = store.compactRevision;
  const applyDurations = new DurationHistogram(APPLY_BOUNDS_SECONDS);
  const watchHub = () => ctx.lookup<WatchHubMessage>(ActorNames.watchHub);
  const leaseWheel = () => ctx.lookup<LeaseWheelMessage>(ActorNames.leaseWheel);
  const raft = () => ctx.lookup<RaftActorMessage>(ActorNames.raft);

  function replicatedState(): MemberState {
    return {
      appliedIndex: store.appliedIndex,
      mvcc: store.snapshotState(),
      leases: leases.entries(),
      members: members.list(),
      alarms: alarms.list(),
      removedMembers: members.removed(),
    };
  }

  function maybeSnapshot(): void {
    if (!snapshots.begin(store.appliedIndex)) return;
    const index = store.appliedIndex;
    runInSteps(encodeMemberStateSteps(replicatedState(), SNAPSHOT_RECORDS_PER_STEP)).then(
      (data) => {
        snapshots.finished();
        raft().send({ type: 'snapshot-made', index, data });
      },
      (error: unknown) => ctx.self.send({ type: 'snapshot-failed', reason: error instanceof Error ? error.message : String(error) }),
    );
  }

  /** Everything is checked before anything is replaced: a corrupt snapshot throws and changes nothing. */
  function installSnapshot(snapshot: Snapshot): void {
    const { index } = snapshot.meta;
    if (index <= store.appliedIndex) throw new Error(`invariant: snapshot at index ${index} is not past the applied index ${store.appliedIndex}`);
    const decoded = decodeMemberState(snapshot.data);
    if (decoded.appliedIndex !== index) throw new Error(`invariant: snapshot at index ${index} holds state applied up to ${decoded.appliedIndex}`);
    const nextLeases = new LeaseTable();
    nextLeases.replace(decoded.leases);
    const nextMembers = new MemberTable([]);
    nextMembers.replace(decoded.members, decoded.removedMembers);
    const nextStore = MvccStore.restore(decoded.mvcc, nextLeases);
    const nextAlarms = new AlarmTable();
    nextAlarms.replace(decoded.alarms);
    tellLeaseWheel(leases, nextLeases);
    [leases, members, store] = [nextLeases, nextMembers, nextStore];
    alarms = nextAlarms;
    backendSize.recount(decoded.mvcc.records);
    backendSize.setLeaseCount(decoded.leases.length);
    publishedCompactRevision = store.compactRevision;
    snapshots.installed(index);
    watchHub().send({ type: 'restore', revision: store.currentRevision, compactRevision: store.compactRevision });
    reads.serveUpTo(store.appliedIndex);
  }

  /** The lease wheel's leases become the snapshot's: the ones gone are revoked, the new ones granted, remainders set. */
  function tellLeaseWheel(before: LeaseTable, after: LeaseTable): void {
    for (const [id] of before.entries()) if (!after.exists(id)) leaseWheel().send({ type: 'revoked', id });
    for (const [id, ttlSeconds] of after.entries()) if (!before.exists(id)) leaseWheel().send({ type: 'granted', id, ttlSeconds });
    const changed = after
      .entries()
      .map(([id, , remainingTtlSeconds = 0]) => ({ id, remainingTtlSeconds }))
      .filter(({ id, remainingTtlSeconds }) => remainingTtlSeconds !== before.remainingTtlSeconds(id));
    if (changed.length > 0) leaseWheel().send({ type: 'checkpointed', checkpoints: changed });
  }

  function checkpointLeases(command: LeaseCheckpointCommand): Outcome<WriteResult> {
    const applied = command.checkpoints.filter(({ id, remainingTtlSeconds }) => leases.checkpoint(id, remainingTtlSeconds));
    if (applied.length > 0) leaseWheel().send({ type: 'checkpointed', checkpoints: applied });
    return success({ type: 'lease-checkpoint', revision: store.currentRevision });
  }

  function grantLease(command: LeaseGrantCommand): Outcome<WriteResult> {
    if (!leases.grant(command.id, command.ttlSeconds)) return refused(leaseExists);
    backendSize.leaseGranted();
    leaseWheel().send({ type: 'granted', id: command.id, ttlSeconds: command.ttlSeconds });
    return success({ type: 'lease-grant', id: command.id, ttlSeconds: command.ttlSeconds, revision: store.currentRevision });
  }

  /** etcd's applierV3backend.Alarm: answers with the rows listed, raised or disarmed. */
  function applyAlarm(command: AlarmCommand): WriteResult {
    const revision = store.currentRevision;
    if (command.action === 'get') return { type: 'alarm', alarms: alarms.list(command.alarm), revision };
    if (!isAlarmType(command.alarm)) return { type: 'alarm', alarms: [], revision };
    const wasActive = alarms.isActive(command.alarm);
    const row = command.action === 'activate' ? alarms.activate(command.memberId, command.alarm) : alarms.deactivate(command.memberId, command.alarm);
    if (wasActive !== alarms.isActive(command.alarm)) {
      // The line etcd logs too: every member says when it starts or stops refusing writes.
      console.warn(`${new Date().toISOString()} W | conclave: alarm ${command.alarm} ${wasActive ? 'disarmed' : `raised by member ${command.memberId.toString(16)}`}`);
    }
    return { type: 'alarm', alarms: row === null ? [] : [row], revision };
  }

  function applyEntry(entry: Entry, events: ChangeEvent[]): Outcome<WriteResult> | null {
    if (entry.kind === 'conf-change') {
      members.applyConfChange(decodeConfChange(entry.data));
      store.markApplied(entry.index);
      return success({ type: 'conf-change', members: members.list(), revision: store.currentRevision });
    }
    if (entry.data.length === 0) {
      store.markApplied(entry.index);
      return null;
    }
    const command = decodeMemberCommand(entry.data);
    if (command.type === 'alarm') {
      store.markApplied(entry.index);
      return success(applyAlarm(command));
    }
    if (alarms.isActive('NOSPACE') && quotaCostBytes(command) > 0) {
      store.markApplied(entry.index);
      return refused(noSpaceRefusal);
    }
    if (command.type === 'lease-grant') {
      store.markApplied(entry.index);
      return grantLease(command);
    }
    if (command.type === 'lease-checkpoint') {
      store.markApplied(entry.index);
      return checkpointLeases(command);
    }
    if (command.type === 'member-attributes') {
      members.applyAttributes(command);
      store.markApplied(entry.index);
      return success({ type: 'member-attributes', revision: store.currentRevision });
    }
    const result = store.apply(entry.index, command);
    if (result.status === 'rejected') return refused({ grpcCode: result.error.grpcCode, message: result.error.message });
    if (result.status === 'skipped') return null;
    events.push(...result.events);
    backendSize.addEvents(result.events);
    if (command.type === 'lease-revoke') {
      leases.revoke(command.id);
      backendSize.leaseRevoked();
      leaseWheel().send({ type: 'revoked', id: command.id });
    }
    return success(result.response);
  }

  let compactionStepScheduled = false;

  function apply(message: Extract<ApplierMessage, { type: 'apply' }>): void {
    const waiterByIndex = new Map(message.waiters);
    const events: ChangeEvent[] = [];
    for (const entry of message.entries) {
      if (entry.index <= store.appliedIndex) continue;
      const startedMs = performance.now();
      const outcome = applyEntry(entry, events);
      applyDurations.observe((performance.now() - startedMs) / 1_000);
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
    maybeSnapshot();
    if (store.compactionPending) dropCompactedHistory();
  }

  /**
   * A compaction takes effect when applied; its old history goes in bounded
   * steps, one per turn of the event loop, so reads, watches and the other
   * actors of this thread are served meanwhile (see mvcc/compaction.ts).
   */
  function dropCompactedHistory(): void {
    if (compactionStepScheduled) return;
    compactionStepScheduled = true;
    setImmediate(() => {
      compactionStepScheduled = false;
      if (!store.stepCompaction()) dropCompactedHistory();
      else recountBackend(store.snapshotState().records);
    });
  }

  let recountStepScheduled = false;

  /** The backend size after a compaction: its records counted in bounded steps, like the compaction itself. */
  function recountBackend(records?: Parameters<BackendSize['startRecount']>[0]): void {
    if (records !== undefined) backendSize.startRecount(records);
    if (recountStepScheduled) return;
    recountStepScheduled = true;
    setImmediate(() => {
      recountStepScheduled = false;
      if (!backendSize.stepRecount(BACKEND_RECOUNT_STEP_RECORDS)) recountBackend();
    });
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
    status: (): ApplierStatus => ({
      revision: store.currentRevision,
      compactRevision: store.compactRevision,
      appliedIndex: store.appliedIndex,
      backendBytes: backendSize.bytes,
      alarms: alarms.list(),
    }),
    stats: (): ApplierStats => ({ applyDurationSeconds: applyDurations.snapshot() }),
    'hash-kv': (message): Outcome<HashKvResult> => attempt(() => store.hashKv(message.revision)),
    'events-since': (message): Outcome<EventPage> =>
      attempt(() => store.eventsSince(message.key, message.rangeEnd, message.startRevision, message.maxEvents)),
    'lease-keys': (message): Uint8Array[] => store.keysForLease(message.id),
    members: (): MemberRecord[] => members.list(),
    membership: (): Membership => ({ members: members.list(), removedIds: members.removed() }),
    'install-snapshot': (message) => {
      try {
        installSnapshot(message.snapshot);
      } catch (error) {
        // Crashing would restart this actor empty: keep serving the old state and stop Raft instead.
        if (!(error instanceof SnapshotCorruptError || error instanceof TypeError)) throw error;
        raft().send({ type: 'fail', reason: `refused the snapshot at index ${message.snapshot.meta.index}: ${error.message}` });
      }
    },
    'encode-state': (): Promise<Uint8Array> => runInSteps(encodeMemberStateSteps(replicatedState(), SNAPSHOT_RECORDS_PER_STEP)),
    defragment: (): number => {
      backendSize.recount(store.snapshotState().records);
      return backendSize.bytes;
    },
    'snapshot-failed': (message) => {
      throw new Error(`applier: building a snapshot failed: ${message.reason}`);
    },
  });
});
