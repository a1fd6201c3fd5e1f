/**
 * What the applier hands the MVCC store for each committed Raft entry, and
 * what it gets back. Commands are plain msgpackr-friendly data.
 *
 * Entries that carry no MVCC command (empty leader entries, membership
 * changes, lease grants and keep-alives, which belong to the lease wheel)
 * still advance the store's applied index through `MvccStore.markApplied`.
 * The bytes of a Raft entry are encoded by actors/member/commands.ts, the one
 * codec for everything a member proposes.
 *
 * Never: put member-local data (clocks, config, caller handles) in a
 * command: every member applies the same bytes to the same result.
 */
import type { MvccError } from './errors.ts';
import type { DeleteRangeOp, DeleteRangeResponse, PutOp, PutResponse, TxnOp, TxnResponse } from './requests.ts';
import type { ChangeEvent } from './types.ts';

export interface CompactCommand {
  readonly type: 'compact';
  readonly revision: number;
}

/** Deletes every key attached to the lease, in one revision (the lease wheel forgets the lease after). */
export interface LeaseRevokeCommand {
  readonly type: 'lease-revoke';
  readonly id: number;
}

export type MvccCommand = PutOp | DeleteRangeOp | TxnOp | CompactCommand | LeaseRevokeCommand;

export interface CompactResponse {
  /** The current revision (compaction does not create one). */
  readonly revision: number;
}

export interface LeaseRevokeResponse {
  readonly revision: number;
  /** Keys deleted with the lease. */
  readonly deleted: number;
}

export type CommandResponse =
  | ({ readonly type: 'put' } & PutResponse)
  | ({ readonly type: 'delete-range' } & DeleteRangeResponse)
  | ({ readonly type: 'txn' } & TxnResponse)
  | ({ readonly type: 'compact' } & CompactResponse)
  | ({ readonly type: 'lease-revoke' } & LeaseRevokeResponse);

export type ApplyResult =
  /** The index was applied before (a replay after restart): nothing changed. */
  | { readonly status: 'skipped'; readonly index: number }
  | {
      readonly status: 'applied';
      readonly index: number;
      readonly response: CommandResponse;
      /** The changes, in revision order, for the watch hub. */
      readonly events: readonly ChangeEvent[];
    }
  /** Refused as etcd refuses it; the index still counts as applied. */
  | { readonly status: 'rejected'; readonly index: number; readonly error: MvccError };
