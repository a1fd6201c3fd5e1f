/**
 * The MVCC state machine with etcd v3 semantics: the applier feeds it
 * committed commands in log order and serves reads from it. Pure logic, no
 * I/O, no clocks, no threads: the same commands give the same state, the
 * same responses and the same events on every member.
 *
 * Contract with the applier:
 * - `apply(index, command)` for each committed entry carrying an MVCC
 *   command, `markApplied(index)` for every other entry; an index at or below
 *   `appliedIndex` is skipped, so replaying the log after a restart from a
 *   snapshot never applies an entry twice.
 * - A refused command (etcd's errors) is a result, not an exception. An
 *   exception from `apply` means a broken invariant: the store then refuses
 *   all further use, and the member must restart from durable state.
 * - Reads throw MvccError for etcd's refusals (compacted, future, empty key).
 *
 * Never: do I/O or read the clock here; never let a read change state.
 */
import { type ApplyResult, type CommandResponse, type MvccCommand } from './commands.ts';
import { MvccError, SnapshotCorruptError } from './errors.ts';
import { eventsSince, type EventPage } from './events.ts';
import { hashKv, type HashKvResult } from './hash.ts';
import { toBytes, toKeyRange } from './keys.ts';
import { KvState } from './kv-state.ts';
import { checkIgnoreTargetExists, checkLeaseExists, executeDeleteRange, executePut } from './ops.ts';
import { readRange } from './read.ts';
import type { RangeRequest, RangeResponse, TxnRequest, TxnResponse } from './requests.ts';
import type { MvccSnapshotState } from './snapshot.ts';
import { checkPlan, executePlan, planTxn } from './txn.ts';
import type { ChangeEvent, LeaseLookup } from './types.ts';
import { APPLY_LIMITS, checkRangeRequest, isReadOnlyTxn, validateRequest } from './validate.ts';
import { WriteTxn } from './write-txn.ts';

interface Applied {
  readonly response: CommandResponse;
  readonly events: readonly ChangeEvent[];
}

export class MvccStore {
  private state = new KvState();
  private applied = 0;
  private failure: Error | null = null;

  constructor(private readonly leases: LeaseLookup) {}

  /** A store holding a snapshot's state; throws SnapshotCorruptError when the state breaks an invariant. */
  static restore(snapshot: MvccSnapshotState, leases: LeaseLookup): MvccStore {
    const store = new MvccStore(leases);
    const { appliedIndex, currentRevision, compactRevision, records } = snapshot;
    const integers = [appliedIndex, currentRevision, compactRevision].every(Number.isSafeInteger);
    if (!integers || appliedIndex < 0 || currentRevision < 1 || compactRevision < -1 || compactRevision > currentRevision) {
      throw new SnapshotCorruptError('invalid-state', `applied index ${appliedIndex}, revision ${currentRevision}, compacted ${compactRevision}`);
    }
    try {
      for (const record of records) {
        if (record.main > currentRevision) throw new Error(`record at revision ${record.main} is past the current revision`);
        store.state.record(record);
      }
    } catch (error) {
      throw new SnapshotCorruptError('invalid-state', (error as Error).message);
    }
    store.state.currentRevision = currentRevision;
    store.state.compactRevision = compactRevision;
    store.applied = appliedIndex;
    return store;
  }

  /** The highest Raft index whose effect is in this state. */
  get appliedIndex(): number {
    return this.applied;
  }

  get currentRevision(): number {
    return this.state.currentRevision;
  }

  /** -1 until the first compaction. */
  get compactRevision(): number {
    return this.state.compactRevision;
  }

  apply(index: number, command: MvccCommand): ApplyResult {
    this.assertUsable();
    if (!this.admit(index)) return { status: 'skipped', index };
    const recordsBefore = this.state.log.length;
    try {
      const { response, events } = this.execute(command);
      return { status: 'applied', index, response, events };
    } catch (error) {
      // A refusal must come before the first write; after it, the state is half-changed.
      if (error instanceof MvccError && this.state.log.length === recordsBefore) return { status: 'rejected', index, error };
      this.failure = error as Error;
      throw error;
    }
  }

  /** Records that an entry without an MVCC command was applied. */
  markApplied(index: number): void {
    this.assertUsable();
    this.admit(index);
  }

  range(request: RangeRequest): RangeResponse {
    this.assertUsable();
    checkRangeRequest(request);
    return readRange(this.state, request, this.state.currentRevision);
  }

  /** A txn whose every op (nested included) is a range: served without Raft, as etcd does. */
  readOnlyTxn(request: TxnRequest): TxnResponse {
    this.assertUsable();
    if (!isReadOnlyTxn(request)) throw new Error('readOnlyTxn got a txn that writes: propose it through Raft');
    validateRequest({ type: 'txn', ...request }, APPLY_LIMITS);
    return this.runTxn(request).response;
  }

  hashKv(revision: number): HashKvResult {
    this.assertUsable();
    this.state.finishCompaction();
    return hashKv(this.state.log.all(), revision, this.state.currentRevision, this.state.compactRevision);
  }

  /** Watch replay: events for keys in (key, rangeEnd) from startRevision on, paged. */
  eventsSince(key: Uint8Array, rangeEnd: Uint8Array | undefined, startRevision: number, maxEvents: number): EventPage {
    this.assertUsable();
    return eventsSince(this.state, toKeyRange(key, rangeEnd), startRevision, maxEvents);
  }

  /** The keys currently attached to a lease, in key order. */
  keysForLease(leaseId: number): Uint8Array[] {
    this.assertUsable();
    return this.state.leases.keysOf(leaseId).map(toBytes);
  }

  /** Plain data for encodeSnapshot (records are immutable; the array is a copy). */
  snapshotState(): MvccSnapshotState {
    this.assertUsable();
    this.state.finishCompaction();
    const { currentRevision, compactRevision, log } = this.state;
    return { appliedIndex: this.applied, currentRevision, compactRevision, records: log.all().slice() };
  }

  /** True while an applied compaction's old history is still being dropped (see compaction.ts). */
  get compactionPending(): boolean {
    return this.state.compactionPending;
  }

  /** One bounded step of dropping compacted history, between other work; true when nothing is left. */
  stepCompaction(maxItems?: number): boolean {
    this.assertUsable();
    return this.state.stepCompaction(maxItems);
  }

  private assertUsable(): void {
    if (this.failure !== null) throw new Error(`mvcc store is unusable after a broken invariant: ${this.failure.message}`);
  }

  /** False when the index was applied before. */
  private admit(index: number): boolean {
    if (!Number.isSafeInteger(index) || index < 1) throw new RangeError(`raft index must be a positive safe integer, got ${index}`);
    if (index <= this.applied) return false;
    this.applied = index;
    return true;
  }

  private execute(command: MvccCommand): Applied {
    switch (command.type) {
      case 'put':
      case 'delete-range':
        validateRequest(command, APPLY_LIMITS);
        return this.runSingleWrite(command);
      case 'txn': {
        validateRequest(command, APPLY_LIMITS);
        const { response, events } = this.runTxn(command);
        return { response: { type: 'txn', ...response }, events };
      }
      case 'compact':
        return { response: { type: 'compact', revision: this.compact(command.revision) }, events: [] };
      case 'lease-revoke':
        return this.revokeLease(command.id);
      default:
        throw new TypeError(`unknown MVCC command ${(command as { type?: unknown }).type as string}`);
    }
  }

  private runSingleWrite(command: MvccCommand & { type: 'put' | 'delete-range' }): Applied {
    if (command.type === 'put') {
      // etcd's order outside a txn: the lease first, then the ignore_* target.
      checkLeaseExists(command, this.leases);
      checkIgnoreTargetExists(this.state, command);
    }
    const txn = new WriteTxn(this.state);
    const result = command.type === 'put' ? executePut(txn, command) : executeDeleteRange(txn, this.state, command);
    txn.commit();
    return { response: { type: command.type, ...result } as CommandResponse, events: txn.events };
  }

  private runTxn(request: TxnRequest): { response: TxnResponse; events: readonly ChangeEvent[] } {
    const plan = planTxn(this.state, request);
    checkPlan(this.state, plan, this.leases);
    const txn = new WriteTxn(this.state);
    const responses = executePlan(txn, this.state, plan);
    const revision = txn.commit();
    return { response: { revision, succeeded: plan.succeeded, responses }, events: txn.events };
  }

  /** etcd: at or below the compaction revision is "compacted", above the current one "future". */
  private compact(revision: number): number {
    if (!Number.isSafeInteger(revision)) throw new TypeError(`compaction revision must be a safe integer, got ${revision}`);
    if (revision <= this.state.compactRevision) throw new MvccError('compacted', this.state.compactRevision);
    if (revision > this.state.currentRevision) throw new MvccError('futureRevision');
    this.state.compact(revision);
    return this.state.currentRevision;
  }

  private revokeLease(leaseId: number): Applied {
    if (!this.leases.exists(leaseId)) throw new MvccError('leaseNotFound');
    const txn = new WriteTxn(this.state);
    let deleted = 0;
    // Sorted keys: every member deletes in the same order, so sub revisions agree.
    for (const key of this.state.leases.keysOf(leaseId)) deleted += txn.deleteRange({ kind: 'single', key });
    const revision = txn.commit();
    return { response: { type: 'lease-revoke', revision, deleted }, events: txn.events };
  }
}
