/**
 * What the applier hands the MVCC store for each committed Raft entry, and
 * what it gets back. Commands are plain msgpackr-friendly data; the encoder
 * here is the one format written into Raft entries for the store.
 *
 * Entries that carry no MVCC command (empty leader entries, membership
 * changes, lease grants and keep-alives, which belong to the lease wheel)
 * still advance the store's applied index through `MvccStore.markApplied`.
 *
 * Never: put member-local data (clocks, config, caller handles) in a
 * command: every member applies the same bytes to the same result.
 */
import { Packr } from 'msgpackr';
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

const COMMAND_TYPES: ReadonlySet<string> = new Set<MvccCommand['type']>(['put', 'delete-range', 'txn', 'compact', 'lease-revoke']);

// Plain msgpack maps (no record extension) so entries stay readable by any decoder.
const packr = new Packr({ useRecords: false });

export function encodeCommand(command: MvccCommand): Uint8Array {
  return packr.pack(command);
}

/** Decodes an entry written by encodeCommand; throws TypeError on anything else. */
export function decodeCommand(bytes: Uint8Array): MvccCommand {
  const value: unknown = packr.unpack(bytes);
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !COMMAND_TYPES.has(type)) throw new TypeError(`not an MVCC command (type ${String(type)})`);
  return value as MvccCommand;
}
