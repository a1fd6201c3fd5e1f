/**
 * The embedded handle: etcd v3's KV, watch and lease operations on a member
 * running in this process, its actors on worker threads so the host's event
 * loop stays free. Writes go through Raft (a one-member cluster) and are
 * answered once durable and applied; reads are linearizable unless asked to
 * be serializable.
 */
import type { ApplierStats, ApplierStatus, ReadRequest, ReadResult, WriteResult } from '../../actors/applier/applier-actor.ts';
import type { DurationHistogramSnapshot } from '../../actors/common/duration-histogram.ts';
import type { LogWriterStats } from '../../actors/log-writer/log-writer-actor.ts';
import {
  checkRequestSize,
  isReadOnlyTxn,
  MvccError,
  validateRequest,
  type CompactResponse,
  type DeleteRangeResponse,
  type HashKvResult,
  type KeyValue,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestLimits,
  type TxnRequest,
  type TxnResponse,
} from '../../actors/applier/mvcc/index.ts';
import type { LeaseGranted } from '../../actors/lease-wheel/lease-wheel-actor.ts';
import type { TimeToLive } from '../../actors/lease-wheel/index.ts';
import { encodeMemberCommand, type MemberCommand } from '../../actors/member/commands.ts';
import { refusalOf, type Outcome } from '../../actors/member/outcome.ts';
import { stopMember, type Member } from '../../actors/member/start-member.ts';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';
import type { SystemEvent, ThreadInfo } from '../../runtime/index.ts';
import { prefixEnd, type WatchFilter } from '../../actors/watch-hub/index.ts';
import type { AlarmMember } from '../../actors/applier/alarm-table.ts';
import { LEASE_OVERHEAD_BYTES, quotaCostBytes } from '../../actors/applier/quota-cost.ts';
import { alarmApi, type AlarmApi } from './alarm-api.ts';
import { BackendQuota } from './backend-quota.ts';
import { toBytes, type BytesInput } from './bytes.ts';
import { clusterApi, type ClusterApi } from './cluster-api.ts';
import { ClosedError, conclaveErrorOf, ConclaveError } from './errors.ts';
import { removalOf } from './removal.ts';
import { Watch } from './watch.ts';

export interface PutOptions {
  readonly lease?: number;
  readonly prevKv?: boolean;
  readonly ignoreValue?: boolean;
  readonly ignoreLease?: boolean;
}

export interface ReadOptions {
  /** Read at this past revision (0: the current one). */
  readonly revision?: number;
  /** Serve from the local state without confirming leadership (may be stale in a cluster). */
  readonly serializable?: boolean;
}

export type RangeOptions = RangeRequest & { readonly serializable?: boolean };

export interface DeleteOptions {
  readonly rangeEnd?: Uint8Array;
  /** Delete every key starting with `key`. */
  readonly prefix?: boolean;
  readonly prevKv?: boolean;
}

export interface WatchOptions {
  readonly key: BytesInput;
  readonly rangeEnd?: Uint8Array;
  /** Watch every key starting with `key`. */
  readonly prefix?: boolean;
  /** First revision to deliver (0: from the next one). */
  readonly startRevision?: number;
  readonly prevKv?: boolean;
  readonly filters?: readonly WatchFilter[];
  readonly progressNotify?: boolean;
  readonly fragment?: boolean;
}

export interface MemberStatus {
  readonly memberId: number;
  /** The cluster this member belongs to (etcd's header cluster_id). */
  readonly clusterId: number;
  readonly leader: number;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly revision: number;
  readonly compactRevision: number;
  /** A committed membership change removed this member from its cluster. */
  readonly removed: boolean;
  /** The backend size the quota is checked on (quota bytes: every retained key revision and lease); Status's dbSize. */
  readonly backendBytes: number;
  /** The raised alarms as this member applied them (no Raft round; `alarms.list()` asks through Raft). */
  readonly alarms: readonly AlarmMember[];
}

/**
 * The member's running totals and latency histograms (what /metrics shows),
 * read from its actors when asked: they keep counts, and nothing is sent per
 * event. Totals restart from 0 when an actor or its thread is restarted.
 */
export interface MemberStats {
  readonly commitIndex: number;
  readonly leaderChangesSeen: number;
  /** Proposals in this member's log awaiting their result. */
  readonly proposalsPending: number;
  /** Proposals this member refused without committing them (no leader, timeout, overload, stopped, overwritten). */
  readonly proposalsFailed: number;
  /** Raft log batches written with an fsync, each one's write-and-sync latency. */
  readonly walFsyncDurationSeconds: DurationHistogramSnapshot;
  readonly walWrittenBytes: number;
  /** Each committed entry's time in the state machine. */
  readonly applyDurationSeconds: DurationHistogramSnapshot;
  /** Sends between the member's threads that found the ring full and waited for room. */
  readonly ringStalls: number;
}

export interface LeaseApi {
  /** Grants a lease of `ttlSeconds` (raised to the minimum TTL); `id` 0 lets the member choose. */
  grant(ttlSeconds: number, id?: number): Promise<LeaseGranted>;
  /** Renews the lease once; returns its TTL. */
  keepAlive(id: number): Promise<{ ttlSeconds: number }>;
  /** Revokes the lease and deletes every key attached to it, in one revision. */
  revoke(id: number): Promise<{ revision: number }>;
  timeToLive(id: number, options?: { keys?: boolean }): Promise<TimeToLive>;
  leases(): Promise<number[]>;
}

/** put()'s default: compared by identity, so a call without options copies nothing. */
const NO_PUT_OPTIONS: PutOptions = Object.freeze({});

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw conclaveErrorOf(outcome.refusal);
  return outcome.value;
}

/** Runs the stateless checks etcd makes before a request reaches Raft, as ConclaveErrors. */
function check(work: () => void): void {
  try {
    work();
  } catch (error) {
    if (error instanceof MvccError) throw new ConclaveError(refusalOf(error));
    throw error;
  }
}

export class Conclave {
  private closing: Promise<void> | null = null;
  private removal: Promise<void> | null = null;
  readonly lease: LeaseApi;
  /** Membership: etcd's Cluster service and MoveLeader. */
  readonly cluster: ClusterApi;
  /** etcd's Maintenance.Alarm: list, raise and disarm alarms (NOSPACE: the backend quota). */
  readonly alarms: AlarmApi;
  private readonly quota: BackendQuota;

  /** @internal Use `open()`. */
  constructor(
    private readonly member: Member,
    private readonly limits: RequestLimits,
    clusterToken: string,
    /** The backend quota in bytes (null: none); see backend-quota.ts. */
    quotaBytes: number | null,
  ) {
    this.cluster = clusterApi(member, clusterToken, () => this.assertOpen());
    this.alarms = alarmApi((command) => this.write(command));
    this.quota = new BackendQuota(quotaBytes, {
      measureBytes: async () => (await member.applier.ask<ApplierStatus>({ type: 'status' })).backendBytes,
      raiseAlarm: () => this.alarms.activate(member.memberId, 'NOSPACE'),
    });
    this.lease = {
      grant: async (ttlSeconds, id = 0) => {
        this.assertOpen();
        await this.quota.admit(LEASE_OVERHEAD_BYTES);
        return unwrap(await this.ask<Outcome<LeaseGranted>>(() => member.leaseWheel.ask({ type: 'grant', id, ttlSeconds })));
      },
      keepAlive: async (id) => unwrap(await this.ask<Outcome<{ ttlSeconds: number }>>(() => member.leaseWheel.ask({ type: 'keep-alive', id }))),
      revoke: async (id) => ({ revision: (await this.write({ type: 'lease-revoke', id })).revision }),
      timeToLive: async (id, options = {}) =>
        unwrap(await this.ask<Outcome<TimeToLive>>(() => member.leaseWheel.ask({ type: 'time-to-live', id, keys: options.keys ?? false }))),
      leases: () => this.ask<number[]>(() => member.leaseWheel.ask({ type: 'leases' })),
    };
  }

  async put(key: BytesInput, value: BytesInput, options: PutOptions = NO_PUT_OPTIONS): Promise<PutResponse> {
    const keyBytes = toBytes(key);
    const valueBytes = toBytes(value);
    // The common call (no options) builds no spread copy: this runs once per put on the host's thread.
    const result = await this.write(options === NO_PUT_OPTIONS ? { type: 'put', key: keyBytes, value: valueBytes } : { type: 'put', key: keyBytes, value: valueBytes, ...options });
    if (result.type !== 'put') throw new Error(`put answered with ${result.type}`);
    return { revision: result.revision, prevKv: result.prevKv };
  }

  /** The key's current (or past) value, or null. */
  async get(key: BytesInput, options: ReadOptions = {}): Promise<KeyValue | null> {
    const response = await this.range({ key: toBytes(key), ...options });
    return response.kvs[0] ?? null;
  }

  range(options: RangeOptions): Promise<RangeResponse> {
    const { serializable = false, ...request } = options;
    check(() => validateRequest({ type: 'range', ...request }, this.limits));
    return this.read({ type: 'range', request }, serializable) as Promise<RangeResponse>;
  }

  async delete(key: BytesInput, options: DeleteOptions = {}): Promise<DeleteRangeResponse> {
    const keyBytes = toBytes(key);
    const rangeEnd = options.prefix ? prefixEnd(keyBytes) : options.rangeEnd;
    const result = await this.write({
      type: 'delete-range',
      key: keyBytes,
      ...(rangeEnd === undefined ? {} : { rangeEnd }),
      ...(options.prevKv === undefined ? {} : { prevKv: options.prevKv }),
    });
    if (result.type !== 'delete-range') throw new Error(`delete answered with ${result.type}`);
    return { revision: result.revision, deleted: result.deleted, prevKvs: result.prevKvs };
  }

  /** A transaction; one that only reads is served without a Raft round, as etcd does. */
  async txn(request: TxnRequest, options: { serializable?: boolean } = {}): Promise<TxnResponse> {
    check(() => validateRequest({ type: 'txn', ...request }, this.limits));
    if (isReadOnlyTxn(request)) return (await this.read({ type: 'txn', request }, options.serializable ?? false)) as TxnResponse;
    const result = await this.write({ type: 'txn', ...request });
    if (result.type !== 'txn') throw new Error(`txn answered with ${result.type}`);
    return { revision: result.revision, succeeded: result.succeeded, responses: result.responses };
  }

  /** Discards history below `revision`; reads of it then fail with etcd's "compacted" error. */
  async compact(revision: number): Promise<CompactResponse> {
    const result = await this.write({ type: 'compact', revision });
    return { revision: result.revision };
  }

  async watch(options: WatchOptions): Promise<Watch> {
    this.assertOpen();
    const key = toBytes(options.key);
    const rangeEnd = options.prefix ? prefixEnd(key) : options.rangeEnd;
    const { prefix: _prefix, key: _key, rangeEnd: _rangeEnd, ...rest } = options;
    return Watch.create(this.member.watchHub, { key, ...(rangeEnd === undefined ? {} : { rangeEnd }), ...rest });
  }

  async status(): Promise<MemberStatus> {
    const [raft, applier] = await Promise.all([
      this.ask<RaftActorStatus>(() => this.member.raft.ask({ type: 'status' })),
      this.ask<ApplierStatus>(() => this.member.applier.ask({ type: 'status' })),
    ]);
    return {
      memberId: raft.memberId,
      clusterId: this.member.clusterId,
      leader: raft.leader,
      raftTerm: raft.term,
      raftIndex: raft.lastIndex,
      raftAppliedIndex: applier.appliedIndex,
      revision: applier.revision,
      compactRevision: applier.compactRevision,
      removed: raft.removed,
      backendBytes: applier.backendBytes,
      alarms: applier.alarms,
    };
  }

  async stats(): Promise<MemberStats> {
    const [raft, logWriter, applier, threads] = await Promise.all([
      this.ask<RaftActorStatus>(() => this.member.raft.ask({ type: 'status' })),
      this.ask<LogWriterStats>(() => this.member.logWriter.ask({ type: 'stats' })),
      this.ask<ApplierStats>(() => this.member.applier.ask({ type: 'stats' })),
      this.ask<ThreadInfo[]>(() => this.member.system.control.threads()),
    ]);
    return {
      commitIndex: raft.commitIndex,
      leaderChangesSeen: raft.leaderChangesSeen,
      proposalsPending: raft.proposalsPending,
      proposalsFailed: raft.proposalsFailed,
      walFsyncDurationSeconds: logWriter.fsyncDurationSeconds,
      walWrittenBytes: logWriter.writtenBytes,
      applyDurationSeconds: applier.applyDurationSeconds,
      ringStalls: threads.reduce((sum, thread) => sum + thread.links.reduce((linkSum, link) => linkSum + link.stalls, 0), 0),
    };
  }

  /**
   * etcd's Defragment: finishes dropping compacted history now (a compaction
   * otherwise does it in steps in the background) and counts the backend size
   * anew. Returns that size; after a compaction it has dropped by what was freed.
   */
  async defragment(): Promise<{ backendBytes: number }> {
    return { backendBytes: await this.ask<number>(() => this.member.applier.ask({ type: 'defragment' }, { timeoutMs: 10 * 60_000 })) };
  }

  /** etcd's HashKV: a hash of the store's history up to `revision` (0: the current one). */
  async hashKv(revision = 0): Promise<HashKvResult> {
    return unwrap(await this.ask<Outcome<HashKvResult>>(() => this.member.applier.ask({ type: 'hash-kv', revision })));
  }

  /**
   * The member's whole replicated state (keys with their history, leases,
   * members) as one blob: what etcd's Maintenance.Snapshot streams. The
   * encoding is actors/applier/state-snapshot.ts's, checksummed.
   */
  async snapshot(): Promise<Uint8Array> {
    return this.ask<Uint8Array>(() => this.member.applier.ask({ type: 'encode-state' }, { timeoutMs: 10 * 60_000 }));
  }

  /**
   * Resolves as soon as this member learns that its cluster removed it: it
   * applied the change removing it, or a peer of its cluster said so (a
   * member cut off while it was removed never gets that change). It should
   * then be closed, as etcd's members stop. Never rejects; stays pending if
   * the member is closed first.
   */
  whenRemoved(): Promise<void> {
    this.removal ??= removalOf(this.member.raft, () => this.isClosed());
    return this.removal;
  }

  /**
   * Calls `listener` with each event of the member's actor runtime (crashes,
   * restarts, escalations, dead threads: see runtime/system-events.ts);
   * returns the unsubscribe function. `conclave serve` logs them.
   */
  onRuntimeEvent(listener: (event: SystemEvent) => void): () => void {
    return this.member.system.onEvent(listener);
  }

  /** Finishes queued writes, stops the member's threads. Later calls fail with ClosedError. */
  close(): Promise<void> {
    this.closing ??= stopMember(this.member);
    return this.closing;
  }

  /** True once close() was called. */
  isClosed(): boolean {
    return this.closing !== null;
  }

  private assertOpen(): void {
    if (this.closing) throw new ClosedError();
  }

  private async ask<T>(send: () => Promise<unknown>): Promise<T> {
    this.assertOpen();
    return (await send()) as T;
  }

  /**
   * Proposes a write and resolves with its result. Not an async function:
   * it runs once per write on the host's thread, and chaining on the ask
   * saves that frame; a refusal before proposing still arrives as a
   * rejection, never as a synchronous throw.
   */
  private write(command: MemberCommand): Promise<WriteResult> {
    let proposal: { readonly type: 'propose'; readonly data: Uint8Array };
    let admission: Promise<void> | undefined;
    try {
      this.assertOpen();
      if (command.type === 'put' || command.type === 'delete-range' || command.type === 'txn') {
        check(() => validateRequest(command, this.limits));
      }
      proposal = { type: 'propose', data: encodeMemberCommand(command) };
      check(() => checkRequestSize(proposal.data.length, this.limits));
      admission = this.quota.admit(quotaCostBytes(command));
    } catch (error) {
      return Promise.reject(error);
    }
    const raft = this.member.raft;
    const asked = admission === undefined ? raft.ask<Outcome<WriteResult>>(proposal) : admission.then(() => raft.ask<Outcome<WriteResult>>(proposal));
    return asked.then(unwrap);
  }

  private async read(read: ReadRequest, serializable: boolean): Promise<ReadResult> {
    this.assertOpen();
    const outcome = serializable
      ? await this.member.applier.ask<Outcome<ReadResult>>({ type: 'read', read, minAppliedIndex: 0, replier: null })
      : await this.member.raft.ask<Outcome<ReadResult>>({ type: 'read', read });
    return unwrap(outcome);
  }
}
